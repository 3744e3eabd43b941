"""Server-side sessions carried by a token in URLs and forms, not by a cookie.

Inside Moodle's cross-site iframe, browsers that block third-party cookies never send a tool
cookie back. After a launch the tool therefore hands the browser a short-lived random token
(like ltijs's ``ltik``). ``url_for`` adds it to every link as ``?s=…`` and forms carry it in
their action URL, so the session follows the user without cookies. The session data lives in
the database, so any worker can serve any request. Only a hash of the token is stored.
``Referrer-Policy: same-origin`` keeps the token from leaking to other sites.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import g, request
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict
from werkzeug.exceptions import RequestEntityTooLarge

from .extensions import db
from .lti.models import utcnow

TOKEN_PARAM = "s"
TOKEN_HEADER = "X-Session-Token"


class WebSession(db.Model):
    __tablename__ = "web_session"

    id = db.Column(db.String(64), primary_key=True)  # sha256 of the token
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    data = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False, index=True)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, token: str | None = None):
        def on_update(self):
            self.modified = True

        super().__init__(initial, on_update)
        self.token = token
        self.modified = False


def request_token() -> str | None:
    token = request.args.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER)
    if not token and request.method == "POST" and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        try:
            token = request.form.get(TOKEN_PARAM)
        except RequestEntityTooLarge:
            return None  # the view reads the form again and gets a proper 413 page
    return token if token and len(token) <= 128 else None


# Built once: every request runs this statement.
_SESSION_BY_ID = db.select(WebSession.data, WebSession.expires_at).where(
    WebSession.id == db.bindparam("id")
)


class TokenSessionInterface(SessionInterface):
    def open_session(self, app, request):
        token = request_token()
        if token:
            row = db.session.execute(_SESSION_BY_ID, {"id": _hash(token)}).first()
            if row is not None and row.expires_at > utcnow():
                g.session_token = token
                return TokenSession(row.data, token=token)
        return TokenSession()

    def save_session(self, app, session, response):
        # Anonymous visitors get no stored session: only start_session() creates one.
        if session.token and session.modified:
            lifetime = timedelta(seconds=app.config["SESSION_LIFETIME_SECONDS"])
            db.session.execute(
                db.update(WebSession)
                .where(WebSession.id == _hash(session.token))
                .values(data=dict(session), expires_at=utcnow() + lifetime)
            )
            db.session.commit()


_INSERT_SESSION = db.insert(WebSession.__table__)


def start_session(session, user_id: int, data: dict, lifetime_seconds: int) -> str:
    """Begin a new session for a launch (in the caller's transaction); returns its token."""
    token = secrets.token_urlsafe(32)
    # Seeded here so the first page's CSRF token does not cost a session write.
    data = {"csrf_token": secrets.token_hex(20), **data}
    session.clear()
    session.update(data)
    session.token = token
    session.modified = False
    now = utcnow()
    db.session.execute(
        _INSERT_SESSION,
        {
            "id": _hash(token),
            "user_id": user_id,
            "data": dict(data),
            "created_at": now,
            "expires_at": now + timedelta(seconds=lifetime_seconds),
        },
    )
    g.session_token = token
    return token


def end_sessions_before(cutoff) -> int:
    """Delete expired sessions; returns how many."""
    result = db.session.execute(db.delete(WebSession).where(WebSession.expires_at < cutoff))
    return result.rowcount
