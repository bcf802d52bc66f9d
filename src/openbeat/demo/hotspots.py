"""Demo concerns of the past year that make a hotspot in Smyrna.

Residents near the park on South Street (approximate) report noise, graffiti and loitering far
more often than the rest of town, where parking and traffic concerns are spread thinly. The
loader computes the map last, from every concern it made, with the real code
(openbeat.hotspots.compute), as the worker would.
"""

import datetime
import random

from django.utils import timezone

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Status

PARK = (39.2961, -75.6033)
TOWN = (39.274, -75.622, 39.326, -75.573)  # south, west, north, east: inside the town's area
BACKGROUND = ["parking", "speeding-traffic", "street-lighting", "abandoned-vehicle"]
CLUSTERED = ["noise", "vandalism-graffiti", "loitering"]
DESCRIPTIONS = {
    "parking": "Cars parked across the sidewalk.",
    "speeding-traffic": "Drivers speed through the stop sign.",
    "street-lighting": "A streetlight is out.",
    "abandoned-vehicle": "A car has not moved for weeks.",
    "noise": "Loud music late at night by the park.",
    "vandalism-graffiti": "New graffiti on the park wall.",
    "loitering": "Groups gathering by the park after dark.",
}


def _plan(now):
    """The concerns to import, the same on every load (a fixed seed)."""
    rng = random.Random(20250707)
    plan = []
    for index in range(60):
        category = BACKGROUND[index % len(BACKGROUND)]
        lat = TOWN[0] + (TOWN[2] - TOWN[0]) * rng.random()
        lon = TOWN[1] + (TOWN[3] - TOWN[1]) * rng.random()
        plan.append((category, lat, lon))
    for index in range(45):
        category = CLUSTERED[index % len(CLUSTERED)]
        lat = PARK[0] + rng.uniform(-0.002, 0.002)
        lon = PARK[1] + rng.uniform(-0.0025, 0.0025)
        plan.append((category, lat, lon))
    days = [rng.randint(5, 330) for _ in plan]
    return [
        (f"demo:hotspots:{index}", category, lat, lon, now - datetime.timedelta(days=day))
        for index, ((category, lat, lon), day) in enumerate(zip(plan, days, strict=True))
    ]


def load_hotspots(smyrna):
    """Import the year of concerns once."""
    for external_id, category, lat, lon, when in _plan(timezone.now()):
        concern_actions.import_concern(
            external_id,
            {
                "category": category,
                "latitude": f"{lat:.6f}",
                "longitude": f"{lon:.6f}",
                "description": DESCRIPTIONS[category],
            },
            Status.RESOLVED
            if when < timezone.now() - datetime.timedelta(days=60)
            else Status.SUBMITTED,
            when,
            source="web",
        )
