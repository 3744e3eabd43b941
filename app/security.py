"""Response headers: framing only by registered platforms, no sniffing, no token in referrers."""
import time
from urllib.parse import urlsplit

from flask import current_app

from .extensions import db
from .lti.models import Platform

_CACHE_SECONDS = 30


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def frame_ancestors() -> str:
    """The registered platforms' origins, re-read from the database at most every 30 s."""
    cached = current_app.extensions.get("frame_ancestors")
    now = time.monotonic()
    if cached and cached[0] > now:
        return cached[1]
    origins = set()
    for issuer, login_url in db.session.execute(
        db.select(Platform.issuer, Platform.auth_login_url)
    ):
        origins.update(o for o in (_origin(issuer), _origin(login_url)) if o)
    value = " ".join(["'self'", *sorted(origins)])
    current_app.extensions["frame_ancestors"] = (now + _CACHE_SECONDS, value)
    return value


def init_app(app):
    @app.after_request
    def headers(response):
        if response.mimetype == "text/html":
            # Forms may post back to a platform (deep-linking responses); only platforms frame us.
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
