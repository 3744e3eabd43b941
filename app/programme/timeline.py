"""The programme's dated milestones for its members' pages, from whichever areas hold them.

An area registers a provider when the app is built (``register``); a page asks ``timeline``, so
the page's area need not import the providing one (mentoring shows the events area's kickoff,
midpoint and closing without importing events).
"""

from collections.abc import Callable
from datetime import date

from flask import Flask, current_app

from .models import Programme

Provider = Callable[[Programme], list[tuple[str, date]]]


def register(app: Flask, provider: Provider) -> None:
    """``provider(programme)`` gives (name, Helsinki date) items, in date order."""
    app.extensions.setdefault("programme_timeline", []).append(provider)


def timeline(programme: Programme) -> list[tuple[str, date]]:
    """Every provider's items (each provider's own order kept; providers in registration order)."""
    return [item for provider in current_app.extensions.get("programme_timeline", ()) for item in provider(programme)]
