"""Outreach state built through the real write paths, as residents and staff would make it."""

import re

from openbeat.outreach import actions
from openbeat.outreach.models import Announcement, Topic

LINK = re.compile(r"https?://\S+")


def topic(agency, name):
    return Topic.objects.create(agency=agency, name=name, slug=name.lower().replace(" ", "-"))


def subscriber(agency, email, areas=(), topics=(), frequency="immediate", confirm=True):
    subscription, _outcome = actions.subscribe(agency, email, areas, topics, frequency)
    if confirm:
        actions.confirm(subscription)
        subscription.refresh_from_db()
    return subscription


def announcement(actor, agency, title="Community Policing Unit launches", body=None, **extra):
    item = Announcement(agency=agency)
    fields = {"title": title, "body": body or "Meet the **new unit** at Town Hall."}
    fields["programme"] = extra.pop("programme", None)
    return actions.save_announcement(item, fields, **extra, acting_user=actor)


def links_in(message):
    return LINK.findall(message.get_body(("plain",)).get_content())


def link_to(message, part):
    found = [link for link in links_in(message) if part in link]
    assert found, f"no {part} link in: {links_in(message)}"
    return found[0]


def header(message, name):
    """A header's value unfolded (long ones are folded onto the next line by the sender)."""
    return " ".join(str(message[name]).split())
