"""Geometry for the dashboards' server-rendered SVG charts (templates draw them, with a table).

Every chart is a row of monthly slots: stacked bars (counts) or a point with its interval
(trust index, hours). Values missing or hidden leave their slot empty; the table says why.
"""

WIDTH, HEIGHT, BOTTOM, TOP = 600, 200, 28, 10
MAX_LABELS = 4  # a month label is ~80 units wide at the phone-readable tick size


def _slots(labels):
    slot = WIDTH / max(len(labels), 1)
    every = max(1, -(-len(labels) // MAX_LABELS))
    return slot, every


def _tick_x(index, slot):
    """A label's x: centred under its slot, but the first starts at the left edge (a month
    label is wider than half a slot on a phone-width chart, and would be cut off)."""
    return 2 if index == 0 else round(index * slot + slot / 2, 1)


def _y(value, top):
    return round(HEIGHT - BOTTOM - value / top * (HEIGHT - BOTTOM - TOP), 1)


def stacked(labels, series):
    """Stacked bars: `series` is [(name, css_class, [value per label])]."""
    top = max((sum(s[2][i] or 0 for s in series) for i in range(len(labels))), default=0) or 1
    slot, every = _slots(labels)
    columns = []
    for index, label in enumerate(labels):
        base, parts = 0, []
        for name, css, values in series:
            value = values[index] or 0
            if value:
                y_top = _y(base + value, top)
                parts.append(
                    {
                        "name": name,
                        "css": css,
                        "value": value,
                        "y": y_top,
                        "height": round(_y(base, top) - y_top, 1),
                    }
                )
            base += value
        columns.append(
            {
                "label": label,
                "x": round(index * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "text_x": round(index * slot + slot / 2, 1),
                "label_x": _tick_x(index, slot),
                "show_label": index % every == 0,
                "parts": parts,
            }
        )
    return _chart("stacked", columns, top, [(name, css) for name, css, _v in series])


def intervals(labels, points, top=None):
    """A point with a low–high whisker per label; `points` holds dicts with mean, low, high or None."""
    top = top or max((p["high"] for p in points if p), default=0) or 1
    slot, every = _slots(labels)
    columns = []
    for index, (label, point) in enumerate(zip(labels, points, strict=True)):
        column = {
            "label": label,
            "text_x": round(index * slot + slot / 2, 1),
            "label_x": _tick_x(index, slot),
            "show_label": index % every == 0,
            "point": None,
        }
        if point:
            column["point"] = {
                **point,
                "y": _y(point["mean"], top),
                "y_low": _y(point["low"], top),
                "y_high": _y(point["high"], top),
            }
        columns.append(column)
    return _chart("intervals", columns, top, [])


def _chart(kind, columns, top, legend):
    return {
        "kind": kind,
        "columns": columns,
        "legend": legend,
        "width": WIDTH,
        "height": HEIGHT,
        "baseline": HEIGHT - BOTTOM,
        "top_value": top,
        "top_y": TOP,
        "tick_y": HEIGHT - 6,
    }
