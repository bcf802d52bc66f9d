""" "Public" is defined once per model (issue #14): each queryset's `public()` and the matching
property of one row agree on every combination of what makes a row private, and the one
`can_be_contested()` is what both the tracking page offers and the contest action accepts."""

import datetime
import itertools

from django.utils import timezone

from openbeat.concerns import actions
from openbeat.concerns.models import Category, Concern, ConcernUpdate, Photo, Status
from tests import factories
from tests.concerns.images import jpeg_with_gps


def _concern(town, private, hidden, sensitive_later):
    """A concern made private, hidden, or put in a category made sensitive after it came in,
    through the staff actions that do it."""
    category = Category.objects.create(
        agency=town.smyrna, name="Fly-tipping", slug=f"tipping-{private}{hidden}{sensitive_later}"
    )
    concern = factories.concern(category=category.slug, photos=[jpeg_with_gps()])
    if private:
        actions.reclassify(
            concern, category, make_private=True, acting_user=town.smyrna_coordinator
        )
    if hidden:
        actions.set_hidden(concern, True, "Names a neighbour", acting_user=town.smyrna_coordinator)
    if sensitive_later:
        category.is_sensitive = True
        category.save()
    return Concern.objects.select_related("category").get(pk=concern.pk)


def test_each_public_property_agrees_with_its_queryset(town):
    disagree, cases = [], 0
    for private, hidden, sensitive in itertools.product((False, True), repeat=3):
        concern = _concern(town, private, hidden, sensitive)
        expected = not (private or hidden or sensitive)
        in_queryset = Concern.objects.public().filter(pk=concern.pk).exists()
        if (concern.is_public, in_queryset) != (expected, expected):
            disagree.append(f"concern {private=} {hidden=} {sensitive=}: {in_queryset=}")
        cases += 1
        photo = concern.photos.get()
        for photo_hidden in (False, True):
            actions.set_hidden(
                photo, photo_hidden, "Shows a face", acting_user=town.smyrna_coordinator
            )
            photo = Photo.objects.select_related("concern__category").get(pk=photo.pk)
            in_queryset = Photo.objects.public().filter(pk=photo.pk).exists()
            if photo.is_public != in_queryset or in_queryset != (expected and not photo_hidden):
                disagree.append(f"photo {photo_hidden=} of concern {private=} {hidden=}")
            cases += 1
    concern = factories.concern()
    for public, hidden in itertools.product((False, True), repeat=2):
        update = actions.respond(concern, "On it.", public=public, acting_user=town.smyrna_officer)
        if hidden:
            actions.set_hidden(
                update, True, "Names a neighbour", acting_user=town.smyrna_coordinator
            )
            update.refresh_from_db()
        in_queryset = ConcernUpdate.objects.public().filter(pk=update.pk).exists()
        if update.is_published != in_queryset or in_queryset != (public and not hidden):
            disagree.append(f"update {public=} {hidden=}: {in_queryset=}")
        cases += 1
    assert not disagree, disagree
    assert cases == 8 + 16 + 4  # concerns, their photos shown and hidden, updates


def test_the_tracking_page_offers_a_contest_exactly_when_the_action_takes_it(client, town):
    """Open, closed a day ago, closed 31 days ago, merged as a duplicate: the page shows the
    contest form for a closure the action would reopen, and only then."""
    now = timezone.now()
    disagree = []
    cases = [
        ("open", None, None),
        ("resolved a day ago", Status.RESOLVED, now - datetime.timedelta(days=1)),
        ("referred 29 days ago", Status.REFERRED, now - datetime.timedelta(days=29)),
        ("resolved 31 days ago", Status.RESOLVED, now - datetime.timedelta(days=31)),
        ("duplicate", Status.DUPLICATE, now - datetime.timedelta(days=1)),
    ]
    original = factories.concern()
    for label, status, closed_at in cases:
        concern = factories.concern(description=f"Case {label}")
        if status == Status.DUPLICATE:
            actions.mark_duplicate(concern, original, acting_user=town.smyrna_officer)
        elif status is not None:
            actions.change_status(
                concern, status, referred_to="Works", acting_user=town.smyrna_officer
            )
        if closed_at is not None:
            Concern.objects.filter(pk=concern.pk).update(closed_at=closed_at)
        concern.refresh_from_db()
        expected = concern.can_be_contested()
        url = f"/concerns/track/{concern.tracking_token}/"
        offered = "Open it again" in client.get(url).content.decode()
        taken = client.post(url, {"reason": "Still there."}).status_code == 302
        if not (offered == taken == expected):
            disagree.append(f"{label}: page offers {offered}, action takes {taken}, {expected=}")
    assert not disagree, disagree
