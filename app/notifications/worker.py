"""The mail worker: sends the outbox (``mail_outbox``) to the SMTP server.

It claims a batch of due rows with a lease (``app.core.outbox.claim``), reads and renders them in
one short transaction, then sends each message with no transaction open. One commit per message
both records the previous message's outcome and marks the next one as being sent
(``sending_at``), so a worker killed at any point leaves at most one message in doubt: that row
is found with ``sending_at`` set once its lease runs out and is marked "unknown", never sent
again. A 4xx answer (or a lost connection) is tried again after a backoff; a 5xx answer fails
that one message with the server's reason and holds back no other.
"""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import Message
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale, gettext

from app.core.clock import utcnow
from app.core.db import db
from app.core.outbox import backoff_seconds, claim

from ..people.models import User
from ..programme.models import Programme
from . import services
from .mailer import MailRefused, SmtpMailer, compose, message_id
from .models import FAILED, PENDING, SENT, SKIPPED, UNKNOWN, Notification
from .rules import language_of, parse_mail_url, wants

log = logging.getLogger(__name__)


@dataclass
class Job:
    row_ids: list[int]
    message: Message | None  # None: nothing to send (the rows' outcome is already decided)
    attempts: int = 0
    outcome: dict = field(default_factory=dict)


class MailWorker:
    def __init__(
        self,
        mailer=None,
        *,
        batch: int = 100,
        lease_seconds: int = 120,
        backoff_base: float | None = None,
        worker_id: str | None = None,
        after_send: Callable[[Message], None] | None = None,
    ):
        config = current_app.config
        self.mailer = mailer or SmtpMailer(parse_mail_url(config["MAIL_URL"]))
        self.sender = config["MAIL_FROM"]
        self.sender_name = config["TOOL_NAME"]
        self.domain = self.sender.rpartition("@")[2] or "localhost"
        self.base_url = config.get("TOOL_URL") or "http://localhost"
        self.batch = batch
        self.lease = timedelta(seconds=lease_seconds)
        self.backoff_base = backoff_base if backoff_base is not None else config.get("MAIL_BACKOFF_BASE")
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.after_send = after_send  # a seam for tests: called after the server took a message
        self.stats = {"sent": 0, "retries": 0, "failed": 0, "skipped": 0, "unknown": 0}

    def run_once(self) -> int:
        now = utcnow()
        candidates = (
            db.select(Notification.id)
            .where(Notification.status == PENDING, Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(self.batch)
        )
        ids = claim(Notification, candidates, self.id, self.lease, now)
        if not ids:
            return 0
        jobs = self._plan(ids)
        previous: Job | None = None
        try:
            for job in jobs:
                if not self._step(previous, job):
                    continue  # another worker holds it now (it finds it marked, or sends it itself)
                previous = job
                if job.message is None:
                    continue
                try:
                    self.mailer.send(job.message)
                    job.outcome = {"status": SENT, "finished_at": utcnow(), "last_status": 250, "last_error": None}
                    self.stats["sent"] += len(job.row_ids)
                    if self.after_send is not None:
                        self.after_send(job.message)
                except MailRefused as refused:
                    job.outcome = self._failure(job.attempts, refused)
            self._step(previous, None)
        finally:
            db.session.rollback()
        return len(ids)

    def run(self, stop: threading.Event | None = None, idle: float = 1.0, until_empty: bool = False) -> None:
        stop = stop or threading.Event()
        try:
            while not stop.is_set():
                if self.run_once():
                    continue
                if until_empty and not self.pending():
                    return
                stop.wait(idle if not until_empty else min(idle, 0.05))
        finally:
            self.mailer.close()

    @staticmethod
    def pending() -> int:
        """Rows due now or within seconds (a retry's backoff); the digest's, due tomorrow, are not."""
        soon = utcnow() + timedelta(seconds=5)
        count = db.session.scalar(
            db.select(db.func.count())
            .select_from(Notification)
            .where(Notification.status == PENDING, Notification.next_attempt_at <= soon)
        )
        db.session.rollback()
        return int(count or 0)

    # --- one commit per message: the last outcome, and the next message marked as being sent ---

    def _step(self, done: Job | None, upcoming: Job | None) -> bool:
        """Record ``done``'s outcome and mark ``upcoming`` as being sent, in one commit; False
        when ``upcoming`` is no longer this worker's (its lease ran out and another took it)."""
        if done is not None and done.outcome:
            db.session.execute(
                db.update(Notification)
                .where(Notification.id.in_(done.row_ids), Notification.locked_by == self.id)
                .values(sending_at=None, locked_by=None, locked_until=None, attempts=done.attempts, **done.outcome),
                execution_options={"synchronize_session": False},
            )
        ours = True
        marking = upcoming is not None and upcoming.message is not None
        if upcoming is not None:
            values: dict[str, Any]
            if marking:
                now = utcnow()
                values = {"sending_at": now, "locked_until": now + self.lease}  # the lease lasts while it is sent
            else:
                values = {**upcoming.outcome, "locked_by": None, "locked_until": None}
            marked = db.session.execute(
                db.update(Notification)
                .where(Notification.id.in_(upcoming.row_ids), Notification.locked_by == self.id)
                .values(**values),
                execution_options={"synchronize_session": False},
            )
            ours = marked.rowcount == len(upcoming.row_ids)  # type: ignore[attr-defined]
        if not marking and db.session.get_bind().dialect.name == "postgresql":
            # Only outcomes here: one lost in a database crash leaves the row to be marked
            # "unknown" later. A mark before sending is always a durable commit.
            db.session.execute(db.text("SET LOCAL synchronous_commit TO OFF"))
        if ours:
            db.session.commit()
        else:
            db.session.rollback()  # the outcome is recorded with the next step instead
        return ours

    def _failure(self, attempts: int, refused: MailRefused) -> dict:
        values: dict = {"last_status": refused.code, "last_error": refused.reason}
        if refused.temporary:
            self.stats["retries"] += 1
            delay = (
                backoff_seconds(attempts)
                if self.backoff_base is None
                else backoff_seconds(attempts, base=self.backoff_base)
            )
            values["next_attempt_at"] = utcnow() + timedelta(seconds=delay)
        else:
            self.stats["failed"] += 1
            values.update(status=FAILED, finished_at=utcnow())
        return values

    # --- planning: read and render the batch in one short transaction ---

    def _plan(self, ids: list[int]) -> list[Job]:
        now = utcnow()
        rows = list(
            db.session.scalars(db.select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id))
        )
        users = {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_({r.user_id for r in rows})))}
        programmes = {
            p.id: p
            for p in db.session.scalars(
                db.select(Programme).where(Programme.id.in_({r.programme_id for r in rows if r.programme_id}))
            )
        }
        prefs = services.preferences_of(set(users))
        jobs: list[Job] = []
        digests: dict[int, list[Notification]] = {}
        for row in rows:
            user = users[row.user_id]
            if row.sending_at is not None:
                jobs.append(
                    Job(
                        [row.id],
                        None,
                        row.attempts,
                        {"status": UNKNOWN, "finished_at": now, "last_error": "interrupted while sending"},
                    )
                )
                self.stats["unknown"] += 1
            elif not user.email or user.erased:
                jobs.append(
                    Job(
                        [row.id], None, row.attempts, {"status": FAILED, "finished_at": now, "last_error": "no address"}
                    )
                )
                self.stats["failed"] += 1
            elif not wants(row.kind, prefs[user.id]):
                jobs.append(Job([row.id], None, row.attempts, {"status": SKIPPED, "finished_at": now}))
                self.stats["skipped"] += 1
            elif row.digest:
                digests.setdefault(user.id, []).append(row)
            else:
                message = self._message(user, [row], programmes)
                jobs.append(Job([row.id], message, row.attempts + 1))
        for user_id, held in digests.items():
            message = self._message(users[user_id], held, programmes)
            jobs.append(Job([r.id for r in held], message, max(r.attempts for r in held) + 1))
        db.session.commit()
        return jobs

    def _message(self, user: User, rows: list[Notification], programmes: dict) -> Message:
        language = language_of(user.language, user.locale)
        token = services.unsubscribe_token(user.id)
        unsubscribe_url = f"{self.base_url}/mail/unsubscribe/{token}"
        settings_url = f"{self.base_url}/mail/preferences"
        with force_locale(language):
            parts = []
            for row in rows:
                programme = programmes.get(row.programme_id)
                context = {
                    **row.params,
                    "programme": programme.name if programme else self.sender_name,
                    "moodle_url": (programme.moodle_url if programme else None) or "",
                    "name": user.display_name,
                }
                parts.append(_render(row.kind, context))
            if len(rows) == 1 and not rows[0].digest:
                subject, body = parts[0]
            else:
                subject = gettext("Your day in the mentoring programme: %(n)s items", n=len(rows))
                body = "\n\n".join(f"{s}\n\n{b}" for s, b in parts)
            footer = render_template("mail/footer.html", unsubscribe_url=unsubscribe_url, settings_url=settings_url)
        attachment = _ics(rows[0]) if len(rows) == 1 and rows[0].kind == "event_tomorrow" else None
        return compose(
            sender=self.sender,
            sender_name=self.sender_name,
            to=user.email,
            subject=subject,
            rendered=body + "\n\n" + footer,
            language=language,
            message_id=message_id(rows[0].key, self.domain),
            unsubscribe_url=unsubscribe_url,
            attachment=attachment,
        )


def _render(kind: str, context: dict) -> tuple[str, str]:
    subject = render_template(f"mail/{kind}.html", part="subject", **context).strip()
    body = render_template(f"mail/{kind}.html", part="body", **context).strip()
    return " ".join(subject.split()), body


def _ics(row: Notification) -> tuple[str, bytes] | None:
    from datetime import datetime

    from icalendar import Calendar, Event

    starts = row.params.get("starts")
    if not isinstance(starts, str):
        return None
    calendar = Calendar()
    calendar.add("prodid", "-//Tulanet mentoring//mail//")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"{row.key}@tulanet")
    event.add("summary", str(row.params.get("title") or ""))
    event.add("dtstart", datetime.fromisoformat(starts))
    if row.params.get("place"):
        event.add("location", str(row.params["place"]))
    calendar.add_component(event)
    return "event.ics", calendar.to_ical()


def start_in_process(app, idle: float = 2.0) -> threading.Thread:
    """The embedded worker: one daemon thread per process, for the zero-setup default."""

    def loop() -> None:
        with app.app_context():
            worker = MailWorker()
            stop = app.extensions["mail_stop"]
            while not stop.is_set():
                try:
                    worker.run(stop, idle=idle)
                except Exception:
                    log.exception("mail worker stopped; starting again")
                    db.session.rollback()
                    stop.wait(idle)
                finally:
                    db.session.remove()

    thread = threading.Thread(target=loop, name="mail-worker", daemon=True)
    thread.start()
    return thread
