"""Whether a registration is matched, answered by the area that matches (it sits above programme).

The registration pages need it: a registration whose match is published can no longer be edited
or withdrawn. The matching area registers its answer when the app is built (``register``).
"""

from collections.abc import Callable

from flask import Flask, current_app

from .models import Programme, Registration

IsMatched = Callable[[Programme, Registration], bool]


def register(app: Flask, answer: IsMatched) -> None:
    app.extensions["programme_is_matched"] = answer


def is_matched(programme: Programme, registration: Registration) -> bool:
    """False when no area answers (an app without matching matches no one)."""
    answer: IsMatched | None = current_app.extensions.get("programme_is_matched")
    return answer is not None and answer(programme, registration)
