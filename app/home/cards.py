"""The home page's cards, from whichever areas have something to show.

Each area registers a provider when the app is built (``register``). The home page asks every
provider, in registration order, with the programme it shows (``cards``); a provider gives
``(template, data)`` (the template reads ``data`` as ``card``) or None for nothing. Plain tuples,
so the providing areas, all below this room, need not import it.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import Flask, current_app

from app.programme.models import Programme


class Card(NamedTuple):
    template: str
    data: Any


Provider = Callable[[Programme | None], tuple[str, Any] | None]


def register(app: Flask, *providers: Provider) -> None:
    app.extensions.setdefault("home_cards", []).extend(providers)


def cards(programme: Programme | None) -> list[Card]:
    shown = (provider(programme) for provider in current_app.extensions.get("home_cards", ()))
    return [Card(*card) for card in shown if card is not None]
