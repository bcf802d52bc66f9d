"""OpenBeat's URLs plus /bench/hello, the baseline every page is measured against."""

from django.http import HttpResponse
from django.urls import path

from openbeat.urls import urlpatterns as openbeat_urlpatterns


def hello(request):
    """The cheapest Django response: the full middleware stack, no database, no template."""
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [path("bench/hello", hello, name="bench_hello"), *openbeat_urlpatterns]
