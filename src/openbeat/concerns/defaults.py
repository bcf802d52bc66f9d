"""The quality-of-life categories a police department starts with; each agency can edit its own."""

from django.utils.translation import gettext_noop

from openbeat.concerns.models import Category

# slug, name, about people (location rounded in public), sensitive (never public), referred to
DEFAULT_CATEGORIES = [
    ("speeding-traffic", gettext_noop("Speeding and traffic"), False, False, ""),
    ("parking", gettext_noop("Parking"), False, False, ""),
    ("noise", gettext_noop("Noise"), False, False, ""),
    ("drug-activity", gettext_noop("Drug activity"), True, False, ""),
    ("vandalism-graffiti", gettext_noop("Vandalism and graffiti"), False, False, ""),
    ("suspicious-activity", gettext_noop("Suspicious activity (non-emergency)"), True, False, ""),
    ("abandoned-vehicle", gettext_noop("Abandoned vehicle"), False, False, ""),
    ("loitering", gettext_noop("Loitering"), True, False, ""),
    ("street-lighting", gettext_noop("Street lighting"), False, False, "Public Works"),
    ("officer-conduct", gettext_noop("Complaint about an officer"), False, True, ""),
    ("other", gettext_noop("Other"), False, False, ""),
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
