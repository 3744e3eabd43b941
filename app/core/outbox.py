"""What every outbox worker shares (the gradebook's scores, the notifications' mail): a
backoff between attempts, leases that give each row to one worker at a time, and starting the
embedded default's in-process worker.

A lease is two columns on the leased row, ``locked_by`` and ``locked_until``. ``claim`` takes
free rows with a conditional update, so that two workers that read the same free rows cannot
both take them (on SQLite, which has no row locks); on PostgreSQL the candidates are also
locked ``FOR UPDATE SKIP LOCKED`` so that concurrent workers take different rows at once.
"""

import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, Select, or_

from .db import db

MAX_BACKOFF_SECONDS = 3600
BASE_BACKOFF_SECONDS = 2.0


def backoff_seconds(
    attempts: int,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
    base: float = BASE_BACKOFF_SECONDS,
) -> float:
    """Exponential backoff with jitter (half fixed, half random); ``Retry-After`` is a floor."""
    ceiling = min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempts - 1))
    delay = ceiling / 2 + rand() * ceiling / 2
    if retry_after is not None:
        delay = max(delay, retry_after)
    return float(min(delay, MAX_BACKOFF_SECONDS))


def lease_free(model: Any, now: datetime) -> ColumnElement[bool]:
    """The rows of ``model`` nobody holds: never leased, or their lease ran out."""
    return or_(model.locked_until.is_(None), model.locked_until < now)


def claim(model: Any, candidates: Select[Any], worker_id: str, lease: timedelta, now: datetime) -> list[int]:
    """Lease the free rows among ``candidates`` (a select of ``model.id``, ordered and limited
    by the caller) to ``worker_id`` and commit; returns the ids this worker now holds."""
    query = candidates.where(lease_free(model, now))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query).all())
    if not ids:
        db.session.rollback()
        return []
    db.session.execute(
        db.update(model)
        .where(model.id.in_(ids), lease_free(model, now))
        .values(locked_by=worker_id, locked_until=now + lease),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return list(db.session.scalars(db.select(model.id).where(model.id.in_(ids), model.locked_by == worker_id)))


def start_on_first_request(app: Flask, start: Callable[[Flask], threading.Thread]) -> None:
    """Run ``start(app)`` once, at the app's first request: not at import or build, since
    ``flask db upgrade`` and other commands build the app too and must not start delivering."""
    started: list[threading.Thread] = []
    lock = threading.Lock()

    @app.before_request
    def _start_worker() -> None:
        if started:
            return
        with lock:
            if not started:
                started.append(start(app))
