"""OpenBeat: community policing events, concerns and outreach for police departments."""

__version__ = "0.1.0"
