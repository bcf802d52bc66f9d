"""The rules every published figure follows (insights.metrics): its unit stated once, its window
and its count beside it, "not enough data" below a stated minimum sample, and no time to close
without a recorded closing. Built with the real write paths, the clock set where time passes."""

import datetime
import re

import pytest

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Status
from openbeat.insights import dashboards, metrics
from tests import factories
from tests.insights.clock import at

T0 = datetime.datetime(2026, 10, 5, 14, 0, tzinfo=datetime.UTC)  # a Monday, 10 a.m. in Smyrna


def _answered(officer, category, closes_after):
    """Concerns reported at T0, each acknowledged 2 hours later and closed after its hours."""
    for hours in closes_after:
        with at(T0):
            concern = factories.concern(category=category, description=f"After {hours} h")
        with at(T0 + datetime.timedelta(hours=2)):
            concern_actions.change_status(concern, Status.ACKNOWLEDGED, acting_user=officer)
        with at(T0 + datetime.timedelta(hours=hours)):
            concern_actions.change_status(concern, Status.RESOLVED, "Done.", acting_user=officer)


@pytest.fixture
def october(town):
    """Five graffiti concerns closed after 1 to 5 days, four noise ones after 1 to 4 days, one
    graffiti concern still open and one imported from another system already closed."""
    officer = town.smyrna_officer
    _answered(officer, "vandalism-graffiti", (24, 48, 72, 96, 120))
    _answered(officer, "noise", (24, 48, 72, 96))
    with at(T0):
        factories.concern(description="Still open")
    concern_actions.import_concern(
        "old-311:1",
        {
            "category": "vandalism-graffiti",
            "latitude": "39.3",
            "longitude": "-75.6",
            "description": "Tags",
        },
        Status.RESOLVED,
        T0,
    )
    with at(T0 + datetime.timedelta(days=20)):
        dashboards.refresh(town.smyrna.pk)
    return town


def _row(body, caption, header):
    """The cells of the row headed `header` in the table with this caption, as HTML."""
    table = re.search(f"<caption[^>]*>{re.escape(caption)}", body).start()
    start = re.compile(f'<th scope="row"[^>]*>{re.escape(header)}</th>').search(body, table).start()
    return body[start : body.index("</tr>", start)]


def test_times_state_their_unit_once_with_counts_and_window(october, client):
    body = client.get("/agencies/smyrna-pd/transparency/").content.decode()
    # One unit per figure, said once in the header, the chart in the same unit as the table.
    assert body.count("Time to acknowledge, in hours") == 3  # month, category, area tables
    assert body.count("Time to close, in days") == 3
    assert "Median days to close, by month reported" in body
    # October: 11 reported (the imported one too), 9 acknowledged at 2 h, 9 closed after 1, 1,
    # 2, 2, 3, 3, 4, 4 and 5 days: a median of 3 days; a 90th percentile needs 10 closings.
    october_row = _row(body, "Response times by month reported", "2026-10")
    assert october_row.count("<td>") == 7
    cells = october_row.replace("</td>", "").split("<td>")[1:]
    assert cells[:3] == ["11", "9", "2.0"] and "not enough data" in cells[3]
    assert cells[4:6] == ["9", "3.0"] and "not enough data" in cells[6]
    # The window, with its first and last day, stated once for these figures.
    assert "cover Saturday, November 1, 2025 to Sunday, October 25, 2026" in body


def test_below_the_minimum_a_figure_says_not_enough_data(october, client):
    assert (metrics.MIN_FOR_MEDIAN, metrics.MIN_FOR_P90, metrics.MIN_FOR_SHARE) == (5, 10, 10)
    body = client.get("/agencies/smyrna-pd/transparency/").content.decode()
    assert f"A median needs at least {metrics.MIN_FOR_MEDIAN} concerns" in body
    # Graffiti: 5 closings (1 to 5 days) make a median of 3 days; noise's 4 make none.
    graffiti = _row(body, "Response times by category", "Vandalism and graffiti")
    assert "<td>5</td><td>3.0</td>" in graffiti
    noise = _row(body, "Response times by category", "Noise")
    assert '<td>4</td><td><span class="no-data">not enough data</span></td>' in noise
    # Nine closings in October: how many were contested, not a percentage of them.
    concerns_row = _row(body, "Concerns by month", "2026-10")
    assert "0 of 9" in concerns_row and "%" not in concerns_row


def test_a_concern_imported_already_closed_is_not_timed(october):
    with at(T0 + datetime.timedelta(days=20)):
        result = metrics.response_metrics(october.smyrna, T0 - datetime.timedelta(days=5))
    graffiti = next(r for r in result["category"] if r["key"] == "Vandalism and graffiti")
    # Seven reported: five timed, one open, one imported closed (its closing time unknown,
    # not "0 hours").
    assert graffiti["reported"] == 7
    assert graffiti["close"] == {"n": 5, "median": 72.0, "p90": None}
