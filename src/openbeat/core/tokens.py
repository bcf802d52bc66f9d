"""The secret in a private link (a reply, a tracking page, a subscription, a survey, a sign-up).

24 random bytes, URL-safe: 32 characters no one can guess or count up to. Each app's models
import it under this name, where their first migrations look the fields' default up.
"""

import secrets


def new_token() -> str:
    return secrets.token_urlsafe(24)
