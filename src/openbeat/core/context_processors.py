from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from openbeat.core import brand


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "map_tiles_url": settings.MAP_TILES_URL,
        "map_attribution": settings.MAP_ATTRIBUTION,
        # Read only by a page that is rendered (a page-cache hit reads nothing).
        "site_agency": SimpleLazyObject(brand.site_agency),
    }
