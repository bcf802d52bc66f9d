"""Following a concern or a problem, as a resident notices it: one email per change to each
address, however many ways it follows; every email stops with its one-click link; a reporter who
asked for nothing more gets nothing; no address on a public page; the resident's language.

Email goes through the suite's real SMTP sink and the delivery pipeline (outreach.delivery).
"""

import re

import pytest

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Status
from openbeat.outreach import actions as outreach_actions
from openbeat.outreach.models import Kind, Role, Subscription, SubscriptionStatus
from openbeat.problems import actions as problem_actions
from openbeat.problems.models import Phase
from openbeat.retention import actions as retention_actions
from tests import factories

SPEEDING = "speeding-traffic"


@pytest.fixture
def town(transactional_db):
    return factories.town()


def _report(email, description="Cars race down Main Street.", language="en"):
    data = {
        "category": SPEEDING,
        "latitude": factories.SMYRNA_POINT[0],
        "longitude": factories.SMYRNA_POINT[1],
        "description": description,
        "email": email,
    }
    return concern_actions.submit_concern(data, language=language)[0]


def _follow(target, email):
    subscription, _outcome = outreach_actions.follow(target, email)
    outreach_actions.confirm(subscription)
    return subscription


def _updates(mailbox, address, marker):
    return [m for m in mailbox.to(address) if marker in m["Subject"]]


def _one_click(client, message):
    """What a mail program's "Unsubscribe" button does (RFC 8058)."""
    url = message["List-Unsubscribe"].strip("<> ").replace("http://testserver", "")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    return response


def test_each_address_gets_one_email_per_change_however_it_follows(town, mailbox):
    coordinator = town.smyrna_coordinator
    first = _report("rita@example.org")
    second = _report("carl@example.org", "Again at 3 pm.")
    _follow(first, "rita@example.org")  # the reporter also asks to follow: already does
    factories.supporter(first, "sam@example.org")
    factories.supporter(second, "sam@example.org")  # supports both concerns of the problem
    _follow(first, "fay@example.org")
    problem = problem_actions.create_problem(
        town.smyrna,
        "Speeding on Main Street",
        "Cars race.",
        concerns=[first, second],
        acting_user=coordinator,
    )
    _follow(problem, "sam@example.org")  # and follows the problem itself
    _follow(problem, "rita@example.org")

    concern_actions.change_status(
        first, Status.IN_PROGRESS, "Patrols from Monday.", acting_user=coordinator
    )
    concern_actions.respond(first, "A speed trailer goes up on Friday.", acting_user=coordinator)
    problem_actions.set_phase(problem, Phase.ANALYSIS, "Counting cars.", acting_user=coordinator)

    status = f"Concern #{first.pk}: In progress"
    for address in ("rita@example.org", "sam@example.org", "fay@example.org"):
        got = [m["Subject"] for m in mailbox.to(address) if "Concern #" in m["Subject"]]
        assert got == [status, status], address  # the change, then the answer
    for address in ("rita@example.org", "sam@example.org", "carl@example.org"):
        assert len(_updates(mailbox, address, "now Analysis")) == 1, address
    assert not _updates(mailbox, "fay@example.org", "now Analysis")
    # The reporter's and a supporter's email carry their own private link; a follower's the
    # public page.
    rita = next(m for m in mailbox.to("rita@example.org") if m["Subject"] == status)
    assert f"/concerns/track/{first.tracking_token}/" in rita.get_content()
    sam = next(m for m in mailbox.to("sam@example.org") if m["Subject"] == status)
    assert "/concerns/track/" in sam.get_content()
    fay = next(m for m in mailbox.to("fay@example.org") if m["Subject"] == status)
    assert "/concerns/track/" not in fay.get_content()
    assert f"/concerns/{first.pk}/" in fay.get_content()


def test_the_unsubscribe_link_stops_what_it_says(client, town, mailbox):
    coordinator = town.smyrna_coordinator
    concern = _report("rita@example.org")
    factories.supporter(concern, "sam@example.org")
    problem = problem_actions.create_problem(
        town.smyrna, "Speeding", "Cars race.", concerns=[concern], acting_user=coordinator
    )
    concern_actions.change_status(concern, Status.ACKNOWLEDGED, "Seen it.", acting_user=coordinator)
    problem_actions.set_phase(problem, Phase.ANALYSIS, acting_user=coordinator)
    (rita_update,) = _updates(mailbox, "rita@example.org", "Acknowledged")
    (sam_phase,) = _updates(mailbox, "sam@example.org", "now Analysis")

    # The reporter stops the concern's email: nothing more of it, nor of its problem.
    _one_click(client, rita_update)
    # The supporter stops the problem's email only: the concern's updates go on.
    page = _one_click(client, sam_phase).content.decode()
    assert "Done: you will get no more email from this list." in page

    concern_actions.change_status(concern, Status.IN_PROGRESS, "On it.", acting_user=coordinator)
    problem_actions.set_phase(problem, Phase.RESPONSE, acting_user=coordinator)
    assert not _updates(mailbox, "rita@example.org", "In progress")
    assert not _updates(mailbox, "rita@example.org", "now Response")
    assert len(_updates(mailbox, "sam@example.org", "In progress")) == 1
    assert not _updates(mailbox, "sam@example.org", "now Response")


def test_an_old_no_more_emails_link_of_a_problem_still_works(client, town, mailbox):
    from openbeat.problems.tasks import opt_out_token

    coordinator = town.smyrna_coordinator
    concern = _report("rita@example.org")
    problem = problem_actions.create_problem(
        town.smyrna, "Speeding", "Cars race.", concerns=[concern], acting_user=coordinator
    )
    link = f"/problems/opt-out/{opt_out_token(problem.pk, 'rita@example.org')}/"
    assert client.post(link).status_code == 302
    problem_actions.set_phase(problem, Phase.ANALYSIS, acting_user=coordinator)
    assert not _updates(mailbox, "rita@example.org", "now Analysis")
    stopped = Subscription.objects.get(kind=Kind.PROBLEM, problem=problem)
    assert stopped.status == SubscriptionStatus.UNSUBSCRIBED


def test_a_reporter_who_asked_for_nothing_more_gets_nothing(client, town, mailbox):
    coordinator = town.smyrna_coordinator
    concern = _report("rita@example.org")
    problem = problem_actions.create_problem(
        town.smyrna, "Speeding", "Cars race.", concerns=[concern], acting_user=coordinator
    )
    quiet = concern_actions.submit_concern(
        {
            "category": SPEEDING,
            "latitude": factories.SMYRNA_POINT[0],
            "longitude": factories.SMYRNA_POINT[1],
            "description": "No email given.",
        }
    )[0]
    problem_actions.link_concerns(problem, [quiet], acting_user=coordinator)
    # "Delete my data" from the tracking link: the address is gone, from the concern and from
    # its following.
    done = client.post(f"/concerns/track/{concern.tracking_token}/forget/")
    assert "Your data is deleted" in done.content.decode()
    mailbox.clear()
    concern_actions.change_status(concern, Status.IN_PROGRESS, "On it.", acting_user=coordinator)
    concern_actions.change_status(quiet, Status.IN_PROGRESS, "On it.", acting_user=coordinator)
    problem_actions.set_phase(problem, Phase.ANALYSIS, acting_user=coordinator)
    assert mailbox.messages == []
    assert not Subscription.objects.filter(email="rita@example.org").exists()


def test_the_retention_job_forgets_a_closed_concerns_followers_it_held_for_it(town, mailbox):
    coordinator = town.smyrna_coordinator
    concern = _report("rita@example.org")
    factories.supporter(concern, "sam@example.org")
    _follow(concern, "fay@example.org")
    retention_actions.anonymise(concern, "retention")
    concern.refresh_from_db()
    kept = dict(Subscription.objects.filter(concern=concern).values_list("role", "email"))
    assert kept == {Role.REPORTER: None, Role.SUPPORTER: None, Role.FOLLOWER: "fay@example.org"}
    mailbox.clear()
    concern_actions.change_status(concern, Status.RESOLVED, "Fixed.", acting_user=coordinator)
    assert [m["To"] for m in mailbox.messages] == ["fay@example.org"]


def test_no_follower_address_is_on_a_public_page(client, town, mailbox):
    coordinator = town.smyrna_coordinator
    concern = _report("rita@example.org")
    factories.supporter(concern, "sam@example.org")
    _follow(concern, "fay@example.org")
    problem = problem_actions.create_problem(
        town.smyrna, "Speeding", "Cars race.", concerns=[concern], acting_user=coordinator
    )
    _follow(problem, "pfol@example.org")
    problem_actions.set_phase(problem, Phase.ANALYSIS, acting_user=coordinator)
    (message,) = _updates(mailbox, "sam@example.org", "now Analysis")
    unsubscribe_page = message["List-Unsubscribe"].strip("<> ").replace("http://testserver", "")
    pages = [
        "/concerns/",
        concern.get_absolute_url(),
        problem.get_absolute_url(),
        "/problems/",
        f"/open311/v2/requests/{concern.pk}.json",
        "/data/concerns.csv",
        unsubscribe_page,
    ]
    for url in pages:
        response = client.get(url)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        body = content.decode()
        found = re.findall(r"[\w.+-]+@example\.org", body)
        assert found == [], (url, found)
    assert "Speeding" in client.get(unsubscribe_page).content.decode()


def test_each_follower_is_written_to_in_their_language(client, town, mailbox):
    coordinator = town.smyrna_coordinator
    concern = _report("rosa@example.org", "Coches a toda velocidad.", language="es")
    client.post(
        f"/concerns/{concern.pk}/support/",
        {"email": "sol@example.org"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    (confirm,) = mailbox.to("sol@example.org")
    token = re.search(r"/concerns/track/([\w-]+)/", confirm.get_content()).group(1)
    client.post(f"/concerns/track/{token}/confirm/")
    factories.supporter(concern, "ann@example.org")
    problem = problem_actions.create_problem(
        town.smyrna, "Velocidad", "Coches.", concerns=[concern], acting_user=coordinator
    )
    concern_actions.change_status(
        concern, Status.IN_PROGRESS, "Patrullas.", acting_user=coordinator
    )
    problem_actions.set_phase(problem, Phase.ANALYSIS, acting_user=coordinator)

    for address in ("rosa@example.org", "sol@example.org"):
        update = mailbox.to(address)[-2]
        assert update["Subject"] == f"Inquietud #{concern.pk} (En curso)"
        assert "Hay novedades sobre la inquietud" in update.get_content()
        phase = mailbox.to(address)[-1]
        assert "pasó a" in phase["Subject"]
        assert "Usted planteó o apoyó una inquietud" in phase.get_content()
    assert mailbox.to("ann@example.org")[-2]["Subject"] == f"Concern #{concern.pk}: In progress"
