"""Actions keep their own invariants: called directly, with what no form would offer, they refuse
with the field at fault and change nothing."""

import pytest
from django.core.exceptions import ValidationError

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import ConcernUpdate, Priority, Status
from openbeat.events import actions as event_actions
from openbeat.problems import actions as problem_actions
from openbeat.problems.models import ProblemAction
from tests import factories


def _fields(refused):
    return list(refused.value.message_dict)


@pytest.fixture
def concern(town):
    return factories.concern()


@pytest.fixture
def problem(town, concern):
    return problem_actions.create_problem(
        town.smyrna,
        "Graffiti on Main",
        "Tags every weekend",
        concerns=[concern],
        acting_user=town.smyrna_officer,
    )


def test_a_concern_is_assigned_only_to_an_officer_of_its_agency(town, concern):
    with pytest.raises(ValidationError) as refused:
        concern_actions.assign(
            concern, town.clayton_officer, "", Priority.NORMAL, acting_user=town.smyrna_officer
        )
    assert _fields(refused) == ["assigned_to"]
    concern.refresh_from_db()
    assert concern.assigned_to is None
    assert not ConcernUpdate.objects.filter(concern=concern, kind="assign").exists()


def test_a_concern_is_not_assigned_to_someone_without_a_role_or_inactive(town, concern):
    with pytest.raises(ValidationError):
        concern_actions.assign(
            concern, town.outsider, "", Priority.NORMAL, acting_user=town.smyrna_officer
        )
    town.smyrna_coordinator.is_active = False
    town.smyrna_coordinator.save()
    with pytest.raises(ValidationError):
        concern_actions.assign(
            concern, town.smyrna_coordinator, "", Priority.NORMAL, acting_user=town.smyrna_officer
        )


def test_a_concern_is_assigned_with_a_listed_priority_and_a_short_unit(town, concern):
    with pytest.raises(ValidationError) as refused:
        concern_actions.assign(concern, None, "", "urgent-ish", acting_user=town.smyrna_officer)
    assert _fields(refused) == ["priority"]
    with pytest.raises(ValidationError) as refused:
        concern_actions.assign(
            concern, None, "U" * 121, Priority.NORMAL, acting_user=town.smyrna_officer
        )
    assert _fields(refused) == ["assigned_unit"]
    concern_actions.assign(
        concern, town.smyrna_coordinator, " CPU ", Priority.NORMAL, acting_user=town.smyrna_officer
    )
    concern.refresh_from_db()
    assert (concern.assigned_to, concern.assigned_unit) == (town.smyrna_coordinator, "CPU")


def test_a_status_change_never_makes_a_duplicate_even_of_a_duplicate(town, concern):
    original = factories.concern(description="The first report")
    concern_actions.mark_duplicate(concern, original, acting_user=town.smyrna_officer)
    with pytest.raises(ValidationError) as refused:
        concern_actions.change_status(
            concern, Status.DUPLICATE, "a note", acting_user=town.smyrna_officer
        )
    assert _fields(refused) == ["status"]


def test_a_concern_is_reclassified_only_into_its_agencys_categories(town, concern):
    foreign = town.clayton.categories.first()
    with pytest.raises(ValidationError) as refused:
        concern_actions.reclassify(concern, foreign, False, acting_user=town.smyrna_officer)
    assert _fields(refused) == ["category"]


def test_a_problem_step_is_owned_only_by_an_officer_of_the_problem(town, problem):
    with pytest.raises(ValidationError) as refused:
        problem_actions.add_action(
            problem,
            "Paint over the tags",
            "police",
            "",
            officer=town.clayton_officer,
            acting_user=town.smyrna_officer,
        )
    assert _fields(refused) == ["officer"]
    assert not ProblemAction.objects.exists()
    step = problem_actions.add_action(
        problem,
        "Paint over",
        "police",
        "",
        officer=town.smyrna_officer,
        acting_user=town.smyrna_officer,
    )
    assert step.officer == town.smyrna_officer


def test_a_problem_is_discussed_only_at_a_meeting_its_agencies_host(town, problem):
    theirs = factories.event(
        town, agency=town.clayton, programme=town.clayton_meeting, venue=town.clayton_hall
    ).occurrences.get()
    with pytest.raises(ValidationError) as refused:
        problem_actions.add_meeting(problem, theirs, acting_user=town.smyrna_officer)
    assert _fields(refused) == ["meeting"]
    assert not problem.meetings.exists()
    cohosted = factories.event(
        town,
        agency=town.clayton,
        programme=town.clayton_meeting,
        venue=town.clayton_hall,
        co_hosts=[town.smyrna],
    ).occurrences.get()
    problem_actions.add_meeting(problem, cohosted, acting_user=town.smyrna_officer)
    assert list(problem.meetings.all()) == [cohosted]


def test_a_problem_links_only_its_agencies_concerns(town, problem):
    theirs = factories.concern(point=factories.CLAYTON_POINT)
    with pytest.raises(ValidationError) as refused:
        problem_actions.link_concerns(problem, [theirs], acting_user=town.smyrna_officer)
    assert _fields(refused) == ["concerns"]


def test_a_meeting_moves_only_to_a_hosts_venue(town):
    occurrence = factories.event(town).occurrences.get()
    with pytest.raises(ValidationError) as refused:
        event_actions.move_occurrence(
            occurrence,
            factories.in_days(9),
            town.clayton_hall,
            "Moved",
            acting_user=town.smyrna_coordinator,
        )
    assert _fields(refused) == ["venue"]
    occurrence.refresh_from_db()
    assert occurrence.venue is None
