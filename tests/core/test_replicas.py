"""Which requests may read a replica (core/replicas.py); the routing itself, against a real
streaming replica, is tested in tests/cluster."""

from django.test import RequestFactory

from openbeat.core import replicas

factory = RequestFactory()


def test_only_anonymous_public_reads_may_go_to_a_replica():
    assert replicas.may_read_replica(factory.get("/events/"), {})
    assert replicas.may_read_replica(factory.head("/agencies/smyrna-pd/events.ics"), {})
    assert replicas.may_read_replica(factory.get("/open311/v2/requests.json"), {})
    # Writes, staff, a signed-in session, an API key and a resident's private link: the primary.
    assert not replicas.may_read_replica(factory.post("/events/x/2026-12-12/rsvp/"), {})
    assert not replicas.may_read_replica(factory.get("/staff/"), {})
    assert not replicas.may_read_replica(factory.get("/admin/"), {})
    signed_in = factory.get("/events/")
    signed_in.COOKIES["sessionid"] = "abc"
    assert not replicas.may_read_replica(signed_in, {})
    assert not replicas.may_read_replica(factory.get("/api/v1/concerns", HTTP_X_API_KEY="k"), {})
    assert not replicas.may_read_replica(factory.get("/rsvp/tok/"), {"token": "tok"})


def test_a_write_pins_the_browser_to_the_primary_with_a_signed_cookie(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    seen = []

    def view(request):
        from django.http import HttpResponse

        seen.append(replicas.pinned())
        return HttpResponse("ok")

    middleware = replicas.ReplicaMiddleware(view)
    written = middleware(factory.post("/events/x/2026-12-12/rsvp/"))
    cookie = written.cookies[replicas.PIN_COOKIE]
    assert cookie["httponly"] and cookie["max-age"] == settings.OPENBEAT_PRIMARY_PIN_SECONDS

    after = factory.get("/events/")
    after.COOKIES[replicas.PIN_COOKIE] = cookie.value
    forged = factory.get("/events/")
    forged.COOKIES[replicas.PIN_COOKIE] = "1"
    middleware(after)
    middleware(forged)
    middleware(factory.get("/events/"))
    assert seen == [False, True, False, False]
    assert not replicas.pinned()  # reset when the request ends
    assert replicas.read_alias() == "default"
