"""The quality-of-life categories a police department starts with; each agency can edit its own."""

from django.utils.translation import gettext_noop as N_

from openbeat.concerns.models import Category

# slug, name, about people (location rounded in public), sensitive (never public), referred to
DEFAULT_CATEGORIES = [
    ("speeding-traffic", N_("Speeding and traffic"), False, False, ""),
    ("parking", N_("Parking"), False, False, ""),
    ("noise", N_("Noise"), False, False, ""),
    ("drug-activity", N_("Drug activity"), True, False, ""),
    ("vandalism-graffiti", N_("Vandalism and graffiti"), False, False, ""),
    ("suspicious-activity", N_("Suspicious activity (non-emergency)"), True, False, ""),
    ("abandoned-vehicle", N_("Abandoned vehicle"), False, False, ""),
    ("loitering", N_("Loitering"), True, False, ""),
    ("street-lighting", N_("Street lighting"), False, False, "Public Works"),
    ("officer-conduct", N_("Complaint about an officer"), False, True, ""),
    ("other", N_("Other"), False, False, ""),
]


def ensure_default_categories(agency):
    """Create the default categories an agency lacks; existing ones are left as staff set them."""
    for order, (slug, name, about_people, sensitive, referred) in enumerate(DEFAULT_CATEGORIES):
        Category.objects.get_or_create(
            agency=agency,
            slug=slug,
            defaults={
                "name": name,
                "about_people": about_people,
                "is_sensitive": sensitive,
                "referred_to": referred,
                "order": order * 10,
            },
        )
