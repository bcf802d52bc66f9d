"""Steps on the concern pages shared by the concerns browser tests: the map, staff sign-in.

The report form's map opens on Smyrna at a fixed zoom, so a test can aim a tap at a place with
the Web Mercator projection Leaflet draws with, and check where the pin landed.
"""

import math
import re

from playwright.sync_api import expect

from tests import factories

# data-center in concerns/new.html, and the zoom report-map.js opens it at.
MAP_CENTER = (39.2995, -75.6047)
MAP_ZOOM = 14


def _world_pixel(lat, lon, zoom):
    """The point's Web Mercator pixel at `zoom`, as Leaflet projects it onto 256-pixel tiles."""
    size = 256 * 2**zoom
    sin = math.sin(math.radians(lat))
    return (
        size * (lon + 180) / 360,
        size * (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)),
    )


def tap_map_at(page, lat, lon, zoom=MAP_ZOOM):
    """Tap the report form's map where (lat, lon) is drawn; the map still sits on MAP_CENTER."""
    picker = page.locator(".map[data-picker]")
    width, height = picker.evaluate("map => [map.clientWidth, map.clientHeight]")
    x, y = _world_pixel(lat, lon, zoom)
    centre_x, centre_y = _world_pixel(*MAP_CENTER, zoom)
    picker.click(position={"x": width / 2 + x - centre_x, "y": height / 2 + y - centre_y})


def zoom_out(page, zoom):
    """Press the map's "Zoom out" button and wait until the map is drawn at `zoom`.

    A tap during Leaflet's zoom animation would land somewhere else. The animation's proxy
    element carries the new scale from the start, and the map pane loses the animating class at
    the end.
    """
    picker = page.locator(".map[data-picker]")
    picker.get_by_role("button", name="Zoom out").click()
    expect(picker.locator(".leaflet-proxy")).to_have_attribute(
        "style", re.compile(rf"scale\({2 ** (zoom - 1)}\)")
    )
    expect(picker.locator(".leaflet-map-pane")).not_to_have_class(re.compile("leaflet-zoom-anim"))


def pinned(page, near, zoom=MAP_ZOOM):
    """The pin's (lat, lon) in the form, once the resident sees the pin and its coordinates."""
    expect(page.locator(".map[data-picker] .leaflet-marker-icon")).to_be_visible()
    latitude, longitude = page.locator("#id_latitude"), page.locator("#id_longitude")
    expect(latitude).not_to_have_value("")
    lat, lon = float(latitude.input_value()), float(longitude.input_value())
    status = page.locator(".pin-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text(f"{lat:.6f}, {lon:.6f}")
    # Two pixels of the map, in degrees: the tap landed where it was aimed.
    tolerance = 2 * 360 / (256 * 2**zoom)
    assert abs(lat - near[0]) < tolerance and abs(lon - near[1]) < tolerance, (lat, lon, near)
    return lat, lon


def sign_in(page, site, user):
    """Sign in through /staff/login/ in any language (the fields are found by id), then, for
    an account with an authenticator, type the code its phone would show."""
    page.goto(site.url + "/staff/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    if "/staff/two-factor/verify/" in page.url:
        page.locator("#id_code").fill(factories.authenticator_code(user))
        page.locator("main form.panel button[type=submit]").click()
    expect(page).to_have_url(site.url + "/staff/")
