"""What the material offers a course designer to place (deep linking): each onboarding module
for participants, and the tips and tools section."""
from flask import Flask, url_for
from flask_babel import gettext as _

from app.lti.placements import Offer, register
from . import get_library


def modules(course_id: int, lang: str) -> list[dict]:
    return [
        {"key": f"content:{module.id}", "title": module.title, "text": module.summary or ""}
        for module in get_library().modules(lang, section="onboarding")
        if "facilitators" not in (module.audience or [])
    ]


def tools(course_id: int, lang: str) -> list[dict]:
    return [{"key": "tools", "title": _("Tips and tools for interaction"), "text": _("The section of the material with tips and tools for interaction.")}]


def init_app(app: Flask) -> None:
    register(
        app,
        Offer("content", modules, lambda module_id, **values: url_for("content.module", module_id=module_id, **values)),
        Offer("tools", tools, lambda _arg, **values: url_for("content.index", _anchor="section-tips", **values)),
    )
