import os

from django.core.wsgi import get_wsgi_application

from openbeat import datadir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbeat.settings")
datadir.prepare()
application = get_wsgi_application()
