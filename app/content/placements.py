"""What the material offers a course designer to place (deep linking): each onboarding module
for participants, and the tips and tools section. Registered by the app factory with
``app.lti.placements`` (content sits below lti and does not import it)."""

from flask import url_for
from flask_babel import gettext as _

from . import get_library


def modules(course_id: int, lang: str) -> list[dict]:
    return [
        {"key": f"content:{module.id}", "title": module.title, "text": module.summary or ""}
        for module in get_library().modules(lang, section="onboarding")
        if "facilitators" not in (module.audience or [])
    ]


def tools(course_id: int, lang: str) -> list[dict]:
    return [
        {
            "key": "tools",
            "title": _("Tips and tools for interaction"),
            "text": _("The section of the material with tips and tools for interaction."),
        }
    ]


def open_module(module_id, **values) -> str:
    return url_for("content.module", module_id=module_id, **values)


def open_tools(_arg, **values) -> str:
    return url_for("content.index", _anchor="section-tips", **values)


OFFERS = (("content", modules, open_module), ("tools", tools, open_tools))
