"""Launched viewers for the administration tests: any role, as a seeded person if wanted."""

import re

from flask import g, has_app_context

from tests.support.lti_double import INSTITUTION_ADMIN, INSTRUCTOR, LEARNER
from tests.support.web import Viewer
from tests.support.web import launch as content_launch


def launch(app, platform, roles, *, sub, name=None, email=None, locale="fi", course="2") -> Viewer:
    given, family = name.split(" ", 1) if name else (None, None)
    return content_launch(
        app, platform, roles, sub=sub, course=course, locale=locale, given=given, family=family, email=email
    )


def administrator(app, platform, **kw) -> Viewer:
    kw.setdefault("sub", "admin-1")
    kw.setdefault("name", "Hilkka Hallinto")
    kw.setdefault("email", "hilkka.hallinto@example.fi")
    return launch(app, platform, (INSTITUTION_ADMIN,), **kw)


def facilitator(app, platform, **kw) -> Viewer:
    kw.setdefault("sub", "fac-1")
    kw.setdefault("name", "Fanni Fasilitaattori")
    return launch(app, platform, (INSTRUCTOR,), **kw)


def participant(app, platform, user, **kw) -> Viewer:
    """Launch as a seeded person (same subject, same name and address)."""
    return launch(app, platform, (LEARNER,), sub=user.subject, name=user.name, email=user.email, **kw)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def post(viewer: Viewer, path: str, data: dict, csrf_page: str):
    # Tests that hold an app context open share ``g`` across requests, and Flask-WTF caches the
    # CSRF token there: drop another viewer's token first.
    if has_app_context():
        g.pop("csrf_token", None)
    data = {"csrf_token": csrf_of(viewer.page(csrf_page)), **data}
    return viewer.client.post(path, query_string={"s": viewer.token}, data=data)
