"""OpenBeat's URLs plus /bench/hello, the baseline every page is measured against.

With OPENBEAT_BENCH_SUBMIT_LIMIT set (bench/concerns.py sets it for its server), the public
concern form's rate limit (10 a client an hour, `openbeat.concerns.views.SUBMIT_LIMIT`) is raised
to that many an hour: the load generator is one client on 127.0.0.1. It is patched here rather
than in bench/settings.py because the views module can only be imported once the apps are
loaded, and this URLconf is imported just then; nothing else changes.
"""

import os

from django.http import HttpResponse
from django.urls import path

from openbeat.urls import urlpatterns as openbeat_urlpatterns

if os.environ.get("OPENBEAT_BENCH_SUBMIT_LIMIT"):
    from openbeat.concerns import views as concern_views

    concern_views.SUBMIT_LIMIT = (int(os.environ["OPENBEAT_BENCH_SUBMIT_LIMIT"]), 3600)


def hello(request):
    """The cheapest Django response: the full middleware stack, no database, no template."""
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [path("bench/hello", hello, name="bench_hello"), *openbeat_urlpatterns]
