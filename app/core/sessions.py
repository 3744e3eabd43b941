"""Server-side sessions carried by a token in URLs and forms, not by a cookie.

Inside Moodle's cross-site iframe, browsers that block third-party cookies never send a tool
cookie back. After a launch the tool therefore hands the browser a short-lived random token
(like ltijs's ``ltik``). ``url_for`` adds it to every link as ``?s=…`` and forms carry it in
their action URL, so the session follows the user without cookies. The session data lives in
the database, so any worker can serve any request. Only a hash of the token is stored.
``Referrer-Policy: same-origin`` keeps the token from leaking to other sites.

A session ends when it has been idle too long (``SESSION_LIFETIME_SECONDS``, renewed on every
write), when it is older than ``SESSION_ABSOLUTE_SECONDS`` whatever its use, at logout, when a
relaunch gives the person another role in the course, when their enrolment becomes inactive (the
roster), and when they are erased. The role of every request is the enrolment's current one, read
in the same query that finds the session.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from flask import Flask, Request, Response, current_app, g, request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import CursorResult
from werkzeug.datastructures import CallbackDict
from werkzeug.exceptions import RequestEntityTooLarge

from app.core.clock import utcnow

from .db import Model, db
from .security import allow_framing_by

TOKEN_PARAM = "s"
TOKEN_HEADER = "X-Session-Token"


class WebSession(Model):
    __tablename__ = "web_session"

    id = db.Column(db.String(64), primary_key=True)  # sha256 of the token
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    # The launch's course (None for a launch without one) and the role it gave: a relaunch with
    # another role ends the sessions of the old one.
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), index=True)
    role = db.Column(db.String(32), nullable=False)
    data = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False, index=True)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenSession(CallbackDict[str, Any], SessionMixin):
    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        token: str | None = None,
        created_at: datetime | None = None,
        user: Any = None,
        course: Any = None,
        role: str | None = None,
    ) -> None:
        def on_update(self: TokenSession) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.token = token
        self.created_at = created_at
        # Who the session belongs to, loaded with it (see ``auth.load_current_user``).
        self.user, self.course, self.role = user, course, role
        self.modified = False


def request_token() -> str | None:
    token = request.args.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER)
    if (
        not token
        and request.method == "POST"
        and request.mimetype
        in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        )
    ):
        try:
            token = request.form.get(TOKEN_PARAM)
        except RequestEntityTooLarge:
            return None  # the view reads the form again and gets a proper 413 page
    return token if token and len(token) <= 128 else None


def session_alive(created_at: datetime, expires_at: datetime, now: datetime, absolute_seconds: int) -> bool:
    """Neither idle past its expiry nor older than the absolute lifetime."""
    return expires_at > now and created_at + timedelta(seconds=absolute_seconds) > now


def next_expiry(created_at: datetime, now: datetime, idle_seconds: int, absolute_seconds: int) -> datetime:
    """Idle expiry slides forward with use, but never past the absolute lifetime."""
    return min(now + timedelta(seconds=idle_seconds), created_at + timedelta(seconds=absolute_seconds))


class TokenSessionInterface(SessionInterface):
    def __init__(self, user: type[Any], course: type[Any], enrolment: type[Any]) -> None:
        """``user``, ``course`` and ``enrolment`` are people's models, passed in by the app factory
        so that core imports no area."""
        # Built once: every request runs this statement. The session, its person and course, and
        # the enrolment's current role and state in one query.
        self._session_by_id = (
            db.select(
                WebSession.data,
                WebSession.created_at,
                WebSession.expires_at,
                WebSession.course_id,
                WebSession.role,
                user,
                course,
                enrolment.role.label("enrolment_role"),
                enrolment.active,
                enrolment.role_since,
            )
            .join(user, user.id == WebSession.user_id)
            .outerjoin(course, course.id == WebSession.course_id)
            .outerjoin(
                enrolment, (enrolment.course_id == WebSession.course_id) & (enrolment.user_id == WebSession.user_id)
            )
            .where(WebSession.id == db.bindparam("id"))
        )

    def open_session(self, app: Flask, request: Request) -> TokenSession:
        token = request_token()
        if token:
            row = db.session.execute(self._session_by_id, {"id": _hash(token)}).first()
            if row is None:
                return TokenSession()
            if row.course_id is None:
                role = row.role
            elif row.role_since is not None and row.created_at < row.role_since:
                role = None  # a later launch changed the person's role in the course
            elif row.active:  # the course's enrolment as it is now, not as it was at launch
                role = row.enrolment_role
            else:  # left the course (roster), or no enrolment any more: no session
                role = None
            if role and session_alive(row.created_at, row.expires_at, utcnow(), app.config["SESSION_ABSOLUTE_SECONDS"]):
                g.session_token = token
                return TokenSession(
                    row.data, token=token, created_at=row.created_at, user=row[5], course=row[6], role=role
                )  # the person and course, by position
            # The "session has ended" page still shows inside the platform's frame.
            allow_framing_by(row.data.get("frame_origins"))
        return TokenSession()

    def save_session(self, app: Flask, session: TokenSession, response: Response) -> None:  # type: ignore[override]
        # Anonymous visitors get no stored session: only start_session() creates one.
        if session.token and session.modified:
            assert session.created_at is not None  # set with the token, by open_ or start_session
            expires_at = next_expiry(
                session.created_at,
                utcnow(),
                app.config["SESSION_LIFETIME_SECONDS"],
                app.config["SESSION_ABSOLUTE_SECONDS"],
            )
            db.session.execute(
                db.update(WebSession)
                .where(WebSession.id == _hash(session.token))
                .values(data=dict(session), expires_at=expires_at)
            )
            db.session.commit()


_INSERT_SESSION = db.insert(WebSession.__table__)


def start_session(session: TokenSession, user_id: int, course_id: int | None, role: str, data: dict[str, Any]) -> str:
    """Begin a new session for a launch (in the caller's transaction); returns its token."""
    token = secrets.token_urlsafe(32)
    # Seeded here so the first page's CSRF token does not cost a session write.
    data = {"csrf_token": secrets.token_hex(20), **data}
    now = utcnow()
    session.clear()
    session.update(data)
    session.token = token
    session.created_at = now
    session.modified = False
    config = current_app.config
    db.session.execute(
        _INSERT_SESSION,
        {
            "id": _hash(token),
            "user_id": user_id,
            "course_id": course_id,
            "role": role,
            "data": dict(data),
            "created_at": now,
            "expires_at": next_expiry(now, now, config["SESSION_LIFETIME_SECONDS"], config["SESSION_ABSOLUTE_SECONDS"]),
        },
    )
    g.session_token = token
    return token


# Ending a session expires its row rather than deleting it: a page of the ended session then
# still shows "session ended" inside the platform's frame (the row names the platform's origin).
# ``flask lti purge`` deletes it with the other expired sessions.


def end_session(session: TokenSession) -> None:
    """Logout: the session ends (in the caller's transaction) and this request forgets it."""
    if session.token:
        db.session.execute(
            db.update(WebSession).where(WebSession.id == _hash(session.token)).values(expires_at=utcnow())
        )
    session.clear()
    session.token = None
    session.user = session.course = session.role = None
    g.pop("session_token", None)


def end_sessions_with_other_role(user_id: int, role: str) -> int:
    """A relaunch without a course gave the person ``role``: their course-less sessions with any other
    end. (In a course the enrolment's ``role_since`` ends them, read with the session, at no cost.)"""
    now = utcnow()
    result = cast(
        CursorResult[Any],
        db.session.execute(
            db.update(WebSession)
            .where(
                WebSession.user_id == user_id,
                WebSession.course_id.is_(None),
                WebSession.role != role,
                WebSession.expires_at > now,
            )
            .values(expires_at=now)
        ),
    )
    return result.rowcount


def end_sessions_before(cutoff: datetime) -> int:
    """Delete expired sessions; returns how many."""
    result = cast(CursorResult[Any], db.session.execute(db.delete(WebSession).where(WebSession.expires_at < cutoff)))
    return result.rowcount
