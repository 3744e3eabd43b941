"""Who is asking: the launched user and their tool role, from the token session."""
from functools import wraps

from flask import abort, g, session

from .roles import ADMINISTRATOR, FACILITATOR, PARTICIPANT


def load_current_user() -> None:
    """The session's person, course and current role, loaded with the session in one query
    (``sessions.TokenSessionInterface.open_session``)."""
    g.user, g.course, g.role = session.user, session.course, session.role
    g.launch_locale = session.get("launch_locale") if g.user else None


def login_required(*roles: str):
    """Refuse requests without a launched session (401) or with the wrong role (403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if g.get("user") is None:
                abort(401)
            if roles and g.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


STAFF = (FACILITATOR, ADMINISTRATOR)
# Everyone with a tool role in the course: the programme's shared pages.
MEMBERS = (PARTICIPANT, *STAFF)
