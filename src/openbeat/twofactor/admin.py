"""Authenticator devices are managed on the staff pages, where every change is audited.

django-otp registers its device models in the admin, which would show secrets and allow
unaudited changes: take them out.
"""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
