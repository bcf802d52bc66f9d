"""The benchmark's generated concerns are stored as the write path would store them.

`bench/generate_concerns.py` bulk-creates a million rows, bypassing `Concern.save()` and
`actions.submit_concern`; a column the write path fills and the generator forgets (the map
tile, once) makes the benchmark measure empty answers. Each generated concern here is submitted
again through `submit_concern` with the same inputs, and every stored field must match, except
those the generator chooses as the concern's history (its status, times, tokens...), and its
stored Open311 item must be a fresh build of it.
"""

from bench import generate_concerns as data
from openbeat.concerns import actions
from openbeat.concerns.models import Concern
from openbeat.open311 import items

# Chosen by the generator as what happened to the concern later (or at random), not derived.
HISTORY = {
    "id",
    "status",
    "closed_at",
    "created_at",
    "updated_at",
    "duplicate_of",
    "is_hidden",
    "source",
    "language",
    "tracking_token",
    "open311_token",
    "form_nonce",
}
# Built from the concern's row and history (its id, status, notes...): each must be what the
# write path would store for that row now, a fresh build.
BUILT = {"open311_item", "open311_item_format"}


def _inputs(concern):
    return {
        "category": concern.category.slug,
        "description": concern.description,
        "latitude": str(concern.latitude),
        "longitude": str(concern.longitude),
        "location_text": concern.location_text,
        "name": concern.reporter_name,
        "email": concern.reporter_email,
    }


def test_generated_concerns_match_what_submit_concern_stores(db):
    data.generate_concerns(concerns=400, dense=40, agencies=2, batch=100)
    generated = list(Concern.objects.select_related("category").order_by("id"))
    # One of each category, sensitive and about-people ones included.
    samples = list({c.category.slug: c for c in generated}.values())
    assert len(samples) >= 8
    fields = [f.attname for f in Concern._meta.concrete_fields if f.name not in HISTORY | BUILT]
    mismatches = []
    for made in samples:
        submitted, created = actions.submit_concern(_inputs(made))
        assert created
        submitted.refresh_from_db()
        for name in fields:
            if name == "referred_to" and made.status == "closed_referred":
                continue  # referring it later names the partner
            if getattr(made, name) != getattr(submitted, name):
                mismatches.append((made.pk, name, getattr(made, name), getattr(submitted, name)))
        if (made.open311_token is None) != (submitted.open311_token is None):
            mismatches.append((made.pk, "open311_token", made.open311_token, "(token or none)"))
    assert mismatches == []
    # Every generated concern's stored item is a fresh build of it; the private ones have none.
    fresh = items.built([c.pk for c in generated])
    assert sum(c.is_public for c in generated) == len(fresh) > 300
    for made in generated:
        assert made.open311_item == fresh.get(made.pk)
        assert made.open311_item_format == items.FORMAT
