"""Shared by the security tests: a launched person's session row and a CSRF token of theirs."""

import re

from app.core.db import db
from app.core.sessions import WebSession, _hash


def session_row(app, viewer) -> WebSession | None:
    with app.app_context():
        row = db.session.get(WebSession, _hash(viewer.token))
        if row is not None:
            db.session.expunge(row)
        return row


def csrf(viewer, path: str = "/home") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', viewer.page(path)).group(1)
