"""What mentoring offers a course designer to place (deep linking): "My mentoring", the graded
activity that receives the programme's score (``graded_resource``). Registered by the app
factory with ``app.lti.placements``."""

from flask import url_for
from flask_babel import gettext as _

from app.core.i18n import catalogue
from app.core.msgid import N_
from app.programme.services import current_programme

from .services import resource_id


def graded_resource(course_id: int) -> str | None:
    programme = current_programme(course_id)
    return resource_id(programme) if programme is not None else None


def items(course_id: int, lang: str) -> list[dict]:
    programme = current_programme(course_id)
    if programme is None:
        return []
    # Moodle names the activity and its grade item after these: in the programme's main language.
    title = catalogue(programme.main_language).gettext(N_("My mentoring"))
    return [
        {
            "key": "mentoring",
            "title": title,
            "text": _(
                "Your pair or group, agreement and meetings. Counts %(count)s confirmed meetings towards "
                "completion in the gradebook.",
                count=programme.required_meetings,
            ),
            "lineItem": {
                "label": title,
                "scoreMaximum": programme.required_meetings,
                "resourceId": resource_id(programme),
            },
        }
    ]


def opens(_arg, **values) -> str:
    return url_for("mentoring.index", **values)


def waiting(course_id: int) -> dict | None:
    """Before the course has a programme, "My mentoring" has no score to give: say so."""
    if current_programme(course_id) is not None:
        return None
    return {
        "text": _("“My mentoring” can be added once the course has a mentoring programme, and it has none yet."),
        "url": url_for("programme.new_programme"),
        "label": _("Set up the programme"),
    }


OFFERS = (("mentoring", items, opens, waiting),)
