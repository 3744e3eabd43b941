"""Who is asking: the launched user and their tool role, from the token session."""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import abort, g, session

from .roles import ADMINISTRATOR, FACILITATOR, PARTICIPANT

if TYPE_CHECKING:
    from .sessions import TokenSession


def load_current_user() -> None:
    """The session's person, course and current role, loaded with the session in one query
    (``sessions.TokenSessionInterface.open_session``)."""
    token_session = cast("TokenSession", session)
    g.user, g.course, g.role = token_session.user, token_session.course, token_session.role
    g.launch_locale = session.get("launch_locale") if g.user else None


View = TypeVar("View", bound=Callable[..., Any])


def login_required(*roles: str) -> Callable[[View], View]:
    """Refuse requests without a launched session (401) or with the wrong role (403)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.get("user") is None:
                abort(401)
            if roles and g.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        # Read by guards that answer before the role check (app.admin.access: 404 for contacts).
        wrapped.roles = roles  # type: ignore[attr-defined]
        return cast(View, wrapped)

    return decorator


STAFF = (FACILITATOR, ADMINISTRATOR)
# Everyone with a tool role in the course: the programme's shared pages.
MEMBERS = (PARTICIPANT, *STAFF)
