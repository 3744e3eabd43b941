"""Response headers and request guards that every page shares.

Framing: only the platform a session came from may frame the tool (its origins are stored in
the session at launch), so the header stays the same size however many platforms are
registered; outside a session only the tool itself may. The launch's own answers (its refusal
pages, "open in a new window") are framed by the launching platform once it is known.

NUL characters: no database column stores them (PostgreSQL refuses them in text), so a request
carrying one anywhere in its query, form or JSON is refused with a 400 before any view runs.
"""

import re
from urllib.parse import urlsplit

from flask import Flask, Response, g, request, session
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

NUL = "\x00"
NUL_MESSAGE = _l(
    "The request contains a NUL character, which this tool does not accept. "
    "Remove it (it often comes with text copied from another program) and try again."
)


_NETLOC = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def _origin(url: object) -> str | None:
    """scheme://host[:port] of an http(s) URL, or None; never anything that could end a CSP directive."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if not parts or parts.scheme not in ("http", "https") or not _NETLOC.fullmatch(parts.netloc):
        return None
    try:
        parts.port  # noqa: B018 -- a port out of range is no origin
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def frame_origins(*urls: str) -> list[str]:
    """The distinct web origins of one platform's URLs (its issuer and login page)."""
    return sorted({o for o in map(_origin, urls) if o})


def allow_framing_by(origins: list[str] | None) -> None:
    """Let this response (outside a session) be framed by these origins: a launch's answers."""
    g.frame_origins = origins


def frame_ancestors() -> str:
    origins = session.get("frame_origins") or g.get("frame_origins")
    return " ".join(["'self'", *(origins or [])])


def contains_nul(value: object) -> bool:
    """Whether a NUL is anywhere in a string, or in the items of lists, tuples and dicts."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_nul(v) for v in value)
    return False


class NulCharacter(BadRequest):
    description = NUL_MESSAGE


def refuse_nul_characters() -> None:
    """Query, form, path arguments, uploaded file names and JSON: a NUL anywhere is a 400."""
    if contains_nul(
        [
            list(request.args.items(multi=True)),
            list(request.form.items(multi=True)),
            request.view_args or {},
            [upload.filename for _name, upload in request.files.items(multi=True)],
            request.get_json(silent=True) if request.is_json else None,
        ]
    ):
        raise NulCharacter()


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    @app.after_request
    def headers(response: Response) -> Response:
        if response.mimetype == "text/html":
            # Forms may post back to the platform (deep-linking responses); only it frames us.
            ancestors = frame_ancestors()
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                "script-src 'self'; object-src 'none'; base-uri 'none'; "
                f"form-action {ancestors}; frame-ancestors {ancestors}"
            )
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Session tokens travel in URLs: never hand them to another site.
        response.headers["Referrer-Policy"] = "same-origin"
        return response
