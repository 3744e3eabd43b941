"""Who is asking: the launched user and their tool role, from the token session."""
from functools import wraps

from flask import abort, g, session

from .extensions import db
from .people.models import ADMINISTRATOR, FACILITATOR, Course, User


# One query per request for both (built once: every request runs it).
_USER_AND_COURSE = (
    db.select(User, Course)
    .join(Course, Course.id == db.bindparam("course_id"))
    .where(User.id == db.bindparam("user_id"))
)


def load_current_user() -> None:
    g.user = g.course = None
    g.role = None
    user_id = session.get("user_id")
    if user_id:
        course_id = session.get("course_id")
        if course_id:
            row = db.session.execute(_USER_AND_COURSE, {"user_id": user_id, "course_id": course_id}).first()
            g.user, g.course = row if row else (None, None)
        else:
            g.user = db.session.get(User, user_id)
        g.role = session.get("role")
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
