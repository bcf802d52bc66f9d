"""Password reset by email for staff, limited so that no one can flood a staff inbox with it."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpResponse

from openbeat.core import ratelimit

# Requests per hour. The address is counted whether or not an account has it, so the 429 tells
# nothing about who holds an account; Django's form already answers alike for both.
PER_ADDRESS = (3, 3600)
PER_CLIENT = (10, 3600)  # one office behind one address resets a few accounts at most


class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        address = form.cleaned_data["email"].strip().lower()
        try:
            ratelimit.hit("password_reset.client", ratelimit.client_key(self.request), *PER_CLIENT)
            ratelimit.hit("password_reset.address", ratelimit.keyed(address), *PER_ADDRESS)
        except ratelimit.RateLimited as limited:
            return ratelimit.too_many(self.request, limited.retry_after)
        return super().form_valid(form)
