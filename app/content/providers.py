"""What the material's pages show from the rooms above, registered by them when the app is built.

``content`` is the lowest room: it cannot import who is enrolled (``people``) or who is paired
(``mentoring``). Those rooms register providers (``register``); a page without a registered
provider shows nothing of it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app


@dataclass
class Providers:
    #: ``read_counts(course_id)``: how many active participants marked each module read, and
    #: how many active participants the course has (counts only, never a person).
    read_counts: Callable[[int], tuple[dict[str, int], int]] | None = None
    #: The journal's reflection prompts (id → text) a participant is offered.
    journal_prompts: Mapping[str, Any] | None = None
    #: ``checklist_pair()``: the viewer's active pair and its checklist ticks, or None.
    checklist_pair: Callable[[], Any] | None = None


def register(app: Flask, **providers: Any) -> None:
    found = app.extensions.setdefault("content_providers", Providers())
    for name, provider in providers.items():
        if not hasattr(found, name):
            raise TypeError(f"content has no provider called {name!r}")
        setattr(found, name, provider)


def providers() -> Providers:
    found: Providers = current_app.extensions.get("content_providers") or Providers()
    return found
