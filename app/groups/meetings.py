"""Whether a group's members have logged a meeting, answered by the area that logs meetings (it
sits above groups): a published match may be withdrawn only before its members have met.
The mentoring area registers its answer when the app is built (``register``).
"""

from collections.abc import Callable

from flask import Flask, current_app

from .models import MentoringGroup

HasMet = Callable[[MentoringGroup], bool]


def register(app: Flask, answer: HasMet) -> None:
    app.extensions["groups_has_met"] = answer


def has_met(group: MentoringGroup) -> bool:
    """False when no area answers (an app without meetings has none logged)."""
    answer: HasMet | None = current_app.extensions.get("groups_has_met")
    return answer is not None and answer(group)
