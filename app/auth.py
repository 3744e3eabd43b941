"""Who is asking: the launched user and their tool role, from the token session."""
from functools import wraps

from flask import abort, g, session

from .extensions import db
from .people.models import ADMINISTRATOR, FACILITATOR, Course, User


def load_current_user() -> None:
    g.user = g.course = None
    g.role = None
    user_id = session.get("user_id")
    if user_id:
        g.user = db.session.get(User, user_id)
        g.role = session.get("role")
        if session.get("course_id"):
            g.course = db.session.get(Course, session["course_id"])
        g.launch_locale = session.get("launch_locale")


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
