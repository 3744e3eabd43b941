"""Who finds the administrators' pages at all: an agency contact person without a staff role gets
"not found" for every one of them (``rules.hidden_from_contact``); roles are then checked as usual."""

from functools import wraps
from typing import Any, cast

from flask import abort, g

from app.core.auth import STAFF, View

from ..programme import services as programme_services
from . import rules


def hide_from_contacts() -> None:
    """404 for an agency contact person of the launched course's programme who is not staff."""
    if g.get("user") is None or g.get("course") is None:
        return
    programme = programme_services.current_programme(g.course.id)
    is_contact = (
        programme is not None and programme_services.contact_organisation_of(g.user.id, programme.id) is not None
    )
    if rules.hidden_from_contact(g.role in STAFF, is_contact):
        abort(404)


def hidden_from_contacts(view: View) -> View:
    """``hide_from_contacts`` for one view (outside ``login_required``, so it answers first)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        hide_from_contacts()
        return view(*args, **kwargs)

    return cast(View, wrapped)
