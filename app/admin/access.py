"""Who finds the administrators' pages at all: an agency contact person gets "not found" for every
page their role may not use (``rules.hidden_from_contact``), whatever that role is; roles are then
checked as usual."""

from collections.abc import Iterable
from functools import wraps
from typing import Any, cast

from flask import abort, current_app, g, request

from app.core.auth import View

from ..programme import services as programme_services
from . import rules


def _roles_of(view: Any) -> tuple[str, ...]:
    """The roles ``login_required`` lets in (empty: any launched person)."""
    return tuple(getattr(view, "roles", ()))


def hide_from_contacts(roles: Iterable[str] | None = None) -> None:
    """404 for an agency contact person of the launched course's programme whose role may not use
    the page (``roles``; by default those of the requested view)."""
    if g.get("user") is None or g.get("course") is None:
        return
    allowed = _roles_of(current_app.view_functions.get(request.endpoint or "")) if roles is None else tuple(roles)
    may_use = not allowed or g.role in allowed
    is_contact = not may_use and _is_contact(g.user.id, g.course.id)  # asked only when it matters
    if rules.hidden_from_contact(may_use, is_contact):
        abort(404)


def _is_contact(user_id: int, course_id: int) -> bool:
    programme = programme_services.current_programme(course_id)
    return programme is not None and programme_services.contact_organisation_of(user_id, programme.id) is not None


def hidden_from_contacts(view: View) -> View:
    """``hide_from_contacts`` for one view (outside ``login_required``, so it answers first)."""
    roles = _roles_of(view)

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        hide_from_contacts(roles)
        return view(*args, **kwargs)

    return cast(View, wrapped)
