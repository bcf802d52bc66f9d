"""The demo's retention periods: closed concerns kept two years, complaints about an officer
kept as they are (their own records schedule applies), so the retention page has values."""

from openbeat.retention.actions import set_retention

KEEP_MONTHS = 24
KEPT_AS_IS = {"officer-conduct"}


def load_retention(*agencies):
    for agency in agencies:
        wanted = {
            category.pk: None if category.slug in KEPT_AS_IS else KEEP_MONTHS
            for category in agency.categories.all()
        }
        set_retention(agency, wanted, acting_user=None)
