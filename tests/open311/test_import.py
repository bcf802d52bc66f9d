"""`openbeat import-open311` against a second, separately running OpenBeat (the demo town)."""

import datetime
import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from django.utils import timezone

from openbeat.cli import main
from openbeat.concerns.models import Concern


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def other_openbeat(tmp_path_factory):
    """The demo town served by its own process, with its own SQLite database."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openbeat.settings",  # the real settings, not the tests'
        "OPENBEAT_DATA_DIR": str(tmp_path_factory.mktemp("source")),
        "OPENBEAT_DATABASE_URL": "",
        "OPENBEAT_TASKS": "immediate",
        "OPENBEAT_BASE_URL": f"http://127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "openbeat.cli", "demo", "--addr", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(360):  # up to three minutes on a loaded machine
            try:
                if requests.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not up, or still migrating
                time.sleep(0.5)
        else:
            pytest.fail("the source OpenBeat did not start")
        yield url + "/open311/v2"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_import_round_trip_without_duplicates(other_openbeat, town, capsys):
    since = (timezone.now() - datetime.timedelta(days=80)).date()
    window = {
        "jurisdiction_id": "smyrna-pd",
        "start_date": f"{since}T00:00:00Z",
        "end_date": timezone.now().isoformat(),
    }
    source = requests.get(f"{other_openbeat}/requests.json", params=window, timeout=10).json()
    assert len(source) >= 3
    main(
        [
            "import-open311",
            other_openbeat,
            "--agency",
            "smyrna-pd",
            "--jurisdiction",
            "smyrna-pd",
            "--since",
            str(since),
        ]
    )
    assert f"Imported {len(source)}, already here 0, refused 0." in capsys.readouterr().out
    imported = {c.external_id.rsplit("#", 1)[1]: c for c in Concern.objects.all()}
    assert set(imported) == {item["service_request_id"] for item in source}
    for item in source:
        concern = imported[item["service_request_id"]]
        assert concern.description == item["description"]
        assert concern.category.slug == item["service_code"]
        assert ("closed" if concern.status != "submitted" else "open") == item["status"]
    main(
        [
            "import-open311",
            other_openbeat,
            "--agency",
            "smyrna-pd",
            "--jurisdiction",
            "smyrna-pd",
            "--since",
            str(since),
        ]
    )
    assert f"Imported 0, already here {len(source)}, refused 0." in capsys.readouterr().out
    assert Concern.objects.count() == len(source)


def test_import_explains_an_unreachable_server(town):
    with pytest.raises(SystemExit, match="Could not reach"):
        main(["import-open311", "http://127.0.0.1:9/open311/v2", "--agency", "smyrna-pd"])
    assert not Concern.objects.exists()
