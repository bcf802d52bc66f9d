"""The public project pages and a volunteer's private links, as a resident's browser uses them."""

import datetime

import pytest
from django.utils import timezone

from openbeat.problems import actions as problem_actions
from openbeat.projects import actions
from openbeat.projects.models import Shift, SignUp, SignUpStatus
from tests import factories


@pytest.fixture
def project(town):
    problem = problem_actions.create_problem(
        town.smyrna,
        "Break-ins on Main Street",
        "Sheds broken into.",
        acting_user=town.smyrna_coordinator,
    )
    return factories.project(town, slots=1, problem=problem)


@pytest.fixture
def shift(project):
    return Shift.objects.get(role__project=project)


def _form(on, **extra):
    return {"shift": on.pk, "name": "Ana García", "email": "ana@example.org", **extra}


def test_project_page_shows_shifts_and_places_but_never_volunteers(client, project, shift):
    factories.volunteer(shift, name="Xylo Private", email="xylo.private@example.org")
    page = client.get(project.get_absolute_url()).content.decode()
    assert "Neighbourhood Watch walks" in page and "Fewer break-ins on Main Street." in page
    assert "full: join the waiting list (0 waiting)" in page
    assert "Xylo" not in page and "xylo.private" not in page
    assert f"/programmes/smyrna-pd/{project.programme.slug}/" in page
    assert project.problem.get_absolute_url() in page
    listing = client.get("/projects/").content.decode()
    assert project.get_absolute_url() in listing


def test_the_programme_page_lists_its_open_projects_only(client, town, project):
    url = f"/programmes/smyrna-pd/{project.programme.slug}/"
    page = client.get(url).content.decode()
    assert "Open projects: volunteers welcome" in page
    assert project.get_absolute_url() in page
    actions.save_project(project, is_published=False, acting_user=town.smyrna_coordinator)
    page = client.get(url).content.decode()
    assert project.get_absolute_url() not in page and "Open projects" not in page
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ended = factories.project(town)
    actions.save_project(ended, starts_on=yesterday, ends_on=yesterday, acting_user=None)
    assert ended.get_absolute_url() not in client.get(url).content.decode()


def test_the_problem_page_shows_the_project_that_serves_it(client, project):
    page = client.get(project.problem.get_absolute_url()).content.decode()
    assert project.get_absolute_url() in page and "Neighbourhood Watch walks" in page


def test_an_unpublished_project_is_not_found(client, project):
    project.is_published = False
    project.save()
    assert client.get(project.get_absolute_url()).status_code == 404
    assert project.get_absolute_url() not in client.get("/projects/").content.decode()
    response = client.post(f"/projects/{project.pk}/sign-up/", {"name": "Ana"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "ana.example.org"}, "Enter a valid email address."),
        ({"name": ""}, "This field is required."),
        ({"shift": ""}, "Choose a shift."),
        ({"shift": "987654"}, "Choose one of the shifts listed"),
    ],
)
def test_a_bad_sign_up_is_explained_and_nothing_is_kept(client, project, shift, data, message):
    response = client.post(f"/projects/{project.pk}/sign-up/", _form(shift, **data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SignUp.objects.exists()


def test_signing_up_twice_answers_as_the_first_time_and_nothing_changes(client, project, shift):
    factories.volunteer(shift, email="ana@example.org", confirm=False)
    response = client.post(f"/projects/{project.pk}/sign-up/", _form(shift))
    assert response.status_code == 302
    assert response.url == project.get_absolute_url() + "#sign-up"
    assert "already" not in client.get(response.url).content.decode()
    assert SignUp.objects.count() == 1


def test_sign_up_then_confirm_by_link_then_cancel_and_a_reused_link_says_so(client, project, shift):
    response = client.post(f"/projects/{project.pk}/sign-up/", _form(shift, nonce="n1"))
    assert response.status_code == 302
    signed = SignUp.objects.get()
    assert signed.status == SignUpStatus.PENDING
    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    page = client.get(f"/projects/sign-ups/{signed.token}/confirm/")
    assert page.status_code == 200 and "Yes, confirm my sign-up" in page.content.decode()
    signed.refresh_from_db()
    assert signed.status == SignUpStatus.PENDING
    response = client.post(f"/projects/sign-ups/{signed.token}/confirm/")
    assert response["Location"] == f"/projects/sign-ups/{signed.token}/"
    page = client.get(response["Location"]).content.decode()
    assert "You're on the shift." in page
    response = client.post(f"/projects/sign-ups/{signed.token}/", follow=True)
    assert "Your sign-up is canceled." in response.content.decode()
    again = client.post(f"/projects/sign-ups/{signed.token}/")
    assert again.status_code == 400
    assert "already canceled. Nothing was changed." in again.content.decode()
    signed.refresh_from_db()
    assert signed.status == SignUpStatus.CANCELLED


def test_a_forged_token_is_not_found(client, shift):
    signed = factories.volunteer(shift)
    for url in (f"/projects/sign-ups/{signed.pk}/", f"/projects/sign-ups/{signed.token}x/confirm/"):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    signed.refresh_from_db()
    assert signed.status == SignUpStatus.CONFIRMED


def test_a_role_with_requirements_asks_for_the_box(client, town):
    project = factories.project(town, requirements="Completed the training evening.")
    shift = Shift.objects.get(role__project=project)
    response = client.post(f"/projects/{project.pk}/sign-up/", _form(shift))
    assert response.status_code == 400
    assert "This role asks for: Completed the training evening." in response.content.decode()
    response = client.post(
        f"/projects/{project.pk}/sign-up/", _form(shift, meets_requirements="on")
    )
    assert response.status_code == 302 and SignUp.objects.count() == 1
