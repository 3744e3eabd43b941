"""Request plumbing shared by every blueprint: session token in URLs, locale, error pages."""

import logging
import re
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.wrappers import Response

from . import clock
from .auth import load_current_user, login_required
from .db import db
from .i18n import LANGUAGE_NAMES, normalise_locale
from .security import allow_framing_by
from .sessions import TOKEN_PARAM, TokenSession, end_session
from .tables import label_cells

log = logging.getLogger(__name__)

ROLE_NAMES = {
    "participant": _l("participant"),
    "facilitator": _l("facilitator"),
    "administrator": _l("administrator"),
    "guest": _l("guest"),
}

ERROR_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Your session has ended or you have not launched the tool. Open it again from your Moodle course."),
    403: _l("You do not have access to this page."),
    404: _l("The page was not found, or you do not have access to it."),
    405: _l("This address does not accept that kind of request."),
    413: _l("The request is too large."),
    500: _l("Something went wrong on our side. The error has been logged; please try again."),
}
ERROR_TITLES = {
    400: _l("Bad request"),
    401: _l("Not signed in"),
    403: _l("No access"),
    404: _l("Not found"),
    405: _l("Not allowed"),
    413: _l("Too large"),
    500: _l("Error"),
}

bp = Blueprint("core", __name__)


# Browsers drop tabs and newlines anywhere in a URL, and C0 controls and spaces around it.
_URL_IGNORED = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path of this tool (``/…``, not ``//…``), as a browser would read
    it; otherwise None. Never an open redirect."""
    cleaned = _URL_IGNORED.sub("", target or "").strip(_C0_AND_SPACE)
    # Browsers read a backslash as a slash ("/\\host" is "//host"); controls have no place here.
    if "\\" in cleaned or _CONTROL.search(cleaned):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    return cleaned


def on_language_chosen(app: Flask, hook: Callable[[Any, str], None]) -> None:
    """Register ``hook(user, language)``, called in the transaction of the language switch
    (the room that keeps the person's choice registers here; core imports no room)."""
    app.extensions.setdefault("language_chosen", []).append(hook)


@bp.post("/locale")
@login_required()
def set_locale() -> Response:
    """The language switch: remembered for this session, over the launch's locale."""
    chosen = normalise_locale(request.form.get("locale"))
    if chosen is None:
        abort(400)
    session["locale"] = chosen
    for hook in current_app.extensions.get("language_chosen", ()):
        hook(g.user, chosen)
    db.session.commit()
    target = safe_next(request.form.get("next")) or url_for("home.index")
    return redirect(_with_token(target), code=303)


@bp.post("/logout")
def logout() -> str:
    """End the tool's session (CSRF-protected; the platform's own session is not ours to end)."""
    get_locale()  # in the session's language, chosen before the session goes
    allow_framing_by(session.get("frame_origins"))  # the page still shows in the platform's frame
    end_session(cast(TokenSession, session))
    db.session.commit()
    g.user = g.course = g.role = None
    return render_template("logged_out.html")


def tool_url(endpoint: str, **values: Any) -> str:
    """An absolute URL of this tool: under ``TOOL_URL`` when set (behind a proxy), else the request's."""
    base: str | None = current_app.config["TOOL_URL"]
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _with_token(path: str) -> str:
    token = g.get("session_token")
    if not token or f"{TOKEN_PARAM}=" in path:
        return path
    return path + ("&" if "?" in path else "?") + urlencode({TOKEN_PARAM: token})


# Endpoints that must never carry the session token (public, cross-site or static).
TOKENLESS_PREFIXES = ("static", "lti.")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.url_defaults
    def add_session_token(endpoint: str, values: dict[str, Any]) -> None:
        token = g.get("session_token")
        if token and TOKEN_PARAM not in values and not endpoint.startswith(TOKENLESS_PREFIXES):
            values[TOKEN_PARAM] = token

    app.before_request(load_current_user)
    app.jinja_env.globals["token_param"] = TOKEN_PARAM  # for the GET form macro (templates/_forms.html)

    app.add_template_filter(label_cells, "stack_labels")  # the table macro (templates/_tables.html)
    for name in ("local_datetime", "local_moment", "local_time", "local_iso_date", "local_iso_time"):
        app.add_template_filter(getattr(clock, name), name)

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        def lang_url(code: str) -> str:
            args = request.args.to_dict()
            args["lang"] = code
            return request.path + "?" + urlencode(args)

        return {
            "languages": LANGUAGE_NAMES,
            "current_locale": str(get_locale()),
            "lang_url": lang_url,
            "role_names": ROLE_NAMES,
        }

    def render_error(status: int, message: Any = None) -> tuple[str, int]:
        """The error page; ``message`` replaces the status's generic explanation."""
        db.session.rollback()
        return (
            render_template(
                "errors/error.html",
                status=status,
                title=ERROR_TITLES.get(status, ERROR_TITLES[500]),
                message=message or ERROR_MESSAGES.get(status, ERROR_MESSAGES[500]),
            ),
            status,
        )

    def specific_message(error: HTTPException) -> str | None:
        """A description given to ``abort()`` or by a dedicated exception, not werkzeug's default."""
        default = default_exceptions[error.code].description if error.code else None
        return error.description if error.description != default else None

    for status in (400, 401, 403, 404, 405, 413):
        app.register_error_handler(status, lambda e, status=status: render_error(status, specific_message(e)))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(400, _l("The form had expired or was not sent from this tool. Please try again."))

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        log.exception("unhandled error", exc_info=getattr(error, "original_exception", error))
        return render_error(500)
