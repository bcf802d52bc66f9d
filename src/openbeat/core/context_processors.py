from django.conf import settings


def site(request):
    return {
        "map_tiles_url": settings.MAP_TILES_URL,
        "map_attribution": settings.MAP_ATTRIBUTION,
    }
