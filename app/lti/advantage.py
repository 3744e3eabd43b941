"""Wiring of LTI Advantage into the app: the token service, the in-process gradebook worker and
the LTI commands (``app.lti.cli``)."""

import os
import threading

from app.core.outbox import start_on_first_request

from . import cli
from .tokens import TokenService


def _worker_mode(app) -> str:
    mode = app.config.get("GRADEBOOK_WORKER") or os.environ.get("GRADEBOOK_WORKER")
    if mode:
        return mode
    # The embedded default (SQLite, nothing else to run) delivers in-process.
    embedded = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not app.testing
    return "inprocess" if embedded else "off"


def init_app(app) -> None:
    # GRADEBOOK_BACKOFF_BASE: seconds of the first retry's backoff (default 2; tests use less).
    if os.environ.get("GRADEBOOK_BACKOFF_BASE") and "GRADEBOOK_BACKOFF_BASE" not in app.config:
        app.config["GRADEBOOK_BACKOFF_BASE"] = float(os.environ["GRADEBOOK_BACKOFF_BASE"])
    app.extensions["lti_tokens"] = TokenService(app.extensions["lti_keys"])
    app.extensions["gradebook_stop"] = threading.Event()
    cli.init_app(app)
    from . import registration  # noqa: F401 - adds /lti/register to the blueprint
    from .deep_linking import bp

    app.register_blueprint(bp)
    if _worker_mode(app) == "inprocess":
        from .delivery import start_in_process

        start_on_first_request(app, start_in_process)
