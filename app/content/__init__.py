"""Reading material (onboarding, tips and tools for interaction, facilitator guidance).

The pure part lives in :mod:`app.content.library`; :mod:`app.content.cli` adds
``flask --app app content check``. For the web layer: :func:`get_library` gives the app's
:class:`~app.content.library.Library` (root from ``CONTENT_ROOT`` or ``<repo>/content``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from .library import Library, default_root
from .library.check import check_content

log = logging.getLogger("app.content")


def content_root(app=None) -> Path:
    """``CONTENT_ROOT`` from the app's config if set, else ``<repo>/content``."""
    if app is None:
        from flask import current_app, has_app_context

        app = current_app if has_app_context() else None
    configured = app.config.get("CONTENT_ROOT") if app is not None else None
    return Path(configured) if configured else default_root()


def get_library(app=None) -> Library:
    """The app's content library (one per app and root; it caches by file modification time,
    so it never holds state that could differ between workers)."""
    if app is None:
        from flask import current_app

        app = current_app
    root = content_root(app)
    library = app.extensions.get("content_library")
    if library is None or library.root != root:
        library = Library(root)
        app.extensions["content_library"] = library
    return library


def init_app(app) -> list:
    """Optional one-call set-up: the ``content`` CLI group, and a check of the content at
    start-up (each problem logged as a warning; ~0.15 s cold, ~0.01 s once cached).
    Returns the problems found."""
    from .cli import register_cli

    register_cli(app)
    problems = check_content(content_root(app))
    for problem in problems:
        log.warning("content problem: %s", problem)
    return problems


__all__ = ["Library", "content_root", "get_library", "init_app"]
