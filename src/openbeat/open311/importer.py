"""Import service requests from another Open311 GeoReport v2 server (a department moving over).

Idempotent (each request is stored with its source id) and so resumable: run it again after an
interruption and it carries on, skipping what it already has.
"""

import datetime
import sys

import requests
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from openbeat.concerns import actions
from openbeat.concerns.models import Status
from openbeat.core.refusals import refusal_of

WINDOW = datetime.timedelta(days=90)  # the spec's largest query window


class ImportFailed(Exception):
    pass


def _get(session, url, params):
    try:
        response = session.get(url, params=params, timeout=60)
    except requests.RequestException as exc:
        raise ImportFailed(f"Could not reach {url}: {exc}") from exc
    if response.status_code != 200:
        raise ImportFailed(f"{url} answered {response.status_code}: {response.text[:300]}")
    try:
        return response.json()
    except ValueError as exc:
        raise ImportFailed(f"{url} did not answer JSON") from exc


def _progress(done, total, out):
    width = 30
    filled = int(width * done / total) if total else width
    out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    out.flush()


def _record(item, base, agency):
    """(external id, concern data, status, created) for one service request."""
    data = {
        "category": item.get("service_code") or "other",
        "description": (item.get("description") or "").strip()
        or item.get("service_name")
        or "(no description)",
        "latitude": "" if item.get("lat") in (None, "") else str(item["lat"]),
        "longitude": "" if item.get("long") in (None, "") else str(item["long"]),
        "location_text": item.get("address") or "",
    }
    if not data["latitude"]:
        area = agency.areas.first()
        data["area"] = str(area.pk) if area else ""
        data["location_text"] = data["location_text"] or "(no address given)"
    status = Status.RESOLVED if item.get("status") == "closed" else Status.SUBMITTED
    created = parse_datetime(item.get("requested_datetime") or "") or timezone.now()
    return f"{base}#{item['service_request_id']}", data, status, created


def run_import(base_url, agency, jurisdiction=None, service_codes=None, since=None, out=sys.stderr):
    """Import every request since `since` (default: a year ago). Returns (created, skipped, refused)."""
    base = base_url.rstrip("/")
    session = requests.Session()
    params = {"jurisdiction_id": jurisdiction} if jurisdiction else {}
    if service_codes:
        params["service_code"] = ",".join(service_codes)
    start = since or timezone.now() - datetime.timedelta(days=365)
    now = timezone.now()
    items = []
    while start < now:
        end = min(start + WINDOW, now)
        window = {**params, "start_date": start.isoformat(), "end_date": end.isoformat()}
        items += _get(session, f"{base}/requests.json", window)
        start = end
    created = skipped = 0
    refused = []
    for done, item in enumerate(items, 1):
        external_id, data, status, when = _record(item, base, agency)
        try:
            _concern, was_new = actions.import_concern(external_id, data, status, when)
        except ValidationError as exc:
            refused.append((item.get("service_request_id"), refusal_of(exc).errors))
        else:
            created += was_new
            skipped += not was_new
        _progress(done, len(items), out)
    out.write("\n")
    return created, skipped, refused
