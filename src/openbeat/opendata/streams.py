"""CSV and GeoJSON written a chunk at a time, for StreamingHttpResponse."""

import io
import json

from openbeat.core import spreadsheet


def csv_stream(header, chunks):
    buffer = io.StringIO()
    writer = spreadsheet.Writer(buffer)
    writer.writerow(header)
    for chunk in chunks:
        writer.writerows(row for row, _geometry in chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def geojson_stream(header, chunks):
    yield '{"type":"FeatureCollection","features":['
    first = True
    for chunk in chunks:
        features = ",".join(
            json.dumps(
                {
                    "type": "Feature",
                    "id": row[0],
                    "geometry": geometry,
                    "properties": dict(zip(header, row, strict=True)),
                },
                separators=(",", ":"),
                ensure_ascii=False,
            )
            for row, geometry in chunk
        )
        if features:
            yield features if first else "," + features
            first = False
    yield "]}\n"


FORMATS = {
    "csv": (csv_stream, "text/csv; charset=utf-8"),
    "geojson": (geojson_stream, "application/geo+json"),
}
