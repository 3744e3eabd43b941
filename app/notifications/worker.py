"""The mail worker: sends the outbox (``mail_outbox``) to the SMTP server, a batch at a time.

It claims a batch of due rows with a lease (``app.core.outbox.claim``), then in one short
transaction reads and renders them and marks each as being sent (``sending_at``). It sends the
batch over one SMTP connection with no transaction open and records every outcome in one more
commit. A worker killed mid-batch leaves that batch's marked rows in doubt: they are found with
``sending_at`` set once the lease runs out and marked "unknown", never sent again. A worker stops
sending before its own lease ends, so no other worker takes a row it is still sending. A 4xx
answer (or a lost connection) is tried again after a backoff; a 5xx answer fails that one
message with the server's reason and holds back no other.
"""

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from babel.support import NullTranslations, Translations
from flask import current_app
from flask_babel import get_domain
from jinja2 import Template, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from sqlalchemy import Row

from app.core.clock import utcnow
from app.core.db import db, rowcount
from app.core.outbox import backoff_seconds, claim

from ..people.models import User
from ..programme.models import Programme
from . import services
from .mailer import MailRefused, Outgoing, SmtpMailer, compose, message_id
from .models import FAILED, PENDING, SENT, SKIPPED, UNKNOWN, Notification
from .rules import language_of, localise, parse_mail_url, wants
from .signals import mail_due

SCHEDULE_SECONDS = 60
_TOKEN_SLOT = "UNSUBSCRIBETOKENSLOT"

log = logging.getLogger(__name__)


@dataclass
class Job:
    row_ids: list[int]
    message: Outgoing
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
        after_send: Callable[[Outgoing], None] | None = None,
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
        self._catalogues: dict[str, NullTranslations] = {}
        self._footers: dict[str, str] = {}
        self._templates: dict[str, Template] = {}
        self._next_schedule = 0.0

    def run_once(self) -> int:
        """One batch: claim it, render it and mark it as being sent (one commit), send it over
        one connection, record every outcome (one commit)."""
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
        try:
            jobs, deadline = self._plan(ids)
            done: list[Job] = []
            for job in jobs:
                if time.monotonic() >= deadline:
                    break  # the lease is running out: the rest go back to the queue unsent
                try:
                    self.mailer.send(job.message)
                    job.outcome = {"status": SENT, "last_status": 250, "last_error": None}
                    self.stats["sent"] += len(job.row_ids)
                    done.append(job)
                    if self.after_send is not None:
                        self.after_send(job.message)
                except MailRefused as refused:
                    job.outcome = self._failure(job.attempts, refused)
                    done.append(job)
            self._record(done, [job for job in jobs if not job.outcome])
        finally:
            db.session.rollback()
        return len(ids)

    def run(self, stop: threading.Event | None = None, idle: float = 1.0, until_empty: bool = False) -> None:
        stop = stop or threading.Event()
        try:
            while not stop.is_set():
                if time.monotonic() >= self._next_schedule:
                    self.run_scheduled(utcnow())
                if self.run_once():
                    continue
                if until_empty and not self.pending():
                    return
                stop.wait(idle if not until_empty else min(idle, 0.05))
        finally:
            self.mailer.close()

    def run_scheduled(self, now: datetime) -> None:
        """Let the areas queue their scheduled mail (``signals.mail_due``), in one commit; at most
        once a minute. Their idempotency keys make a second call queue nothing new."""
        self._next_schedule = time.monotonic() + SCHEDULE_SECONDS
        try:
            mail_due.send(now=now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("scheduled mail could not be queued; trying again in a minute")

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

    # --- one commit before the batch is sent (marks), one after (outcomes) ---

    def _record(self, done: list[Job], unsent: list[Job]) -> None:
        """Every outcome of the batch in one transaction. Only rows this worker still holds: one
        whose lease ran out and was taken by another worker was marked "unknown" by that one."""
        mine = (Notification.locked_by == self.id,)
        release = {"sending_at": None, "locked_by": None, "locked_until": None}
        now = utcnow()
        sent = [row_id for job in done if job.outcome.get("status") == SENT for row_id in job.row_ids]
        if sent:
            db.session.execute(
                db.update(Notification)
                .where(Notification.id.in_(sent), *mine)
                .values(status=SENT, finished_at=now, last_status=250, last_error=None, **release),
                execution_options={"synchronize_session": False},
            )
        for job in done:
            if job.outcome.get("status") != SENT:
                db.session.execute(
                    db.update(Notification)
                    .where(Notification.id.in_(job.row_ids), *mine)
                    .values(**job.outcome, **release),
                    execution_options={"synchronize_session": False},
                )
        unsent_ids = [row_id for job in unsent for row_id in job.row_ids]
        if unsent_ids:  # never handed to the server: due again at once, attempts as they were
            db.session.execute(
                db.update(Notification)
                .where(Notification.id.in_(unsent_ids), *mine)
                .values(attempts=Notification.attempts - 1, **release),
                execution_options={"synchronize_session": False},
            )
        if db.session.get_bind().dialect.name == "postgresql":
            # Only outcomes here: one lost in a database crash leaves the rows to be marked
            # "unknown" later. The mark before sending is always a durable commit.
            db.session.execute(db.text("SET LOCAL synchronous_commit TO OFF"))
        db.session.commit()

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

    # --- planning: read, render and mark the batch in one short transaction ---

    def _plan(self, ids: list[int]) -> tuple[list[Job], float]:
        """The batch's messages, each row marked as being sent (``sending_at``) in one commit;
        rows with nothing to send get their outcome in the same commit. Returns the jobs to send
        and the monotonic time by which sending must stop (before the lease runs out)."""
        now = utcnow()
        columns = (
            Notification.id,
            Notification.key,
            Notification.user_id,
            Notification.programme_id,
            Notification.kind,
            Notification.params,
            Notification.digest,
            Notification.attempts,
            Notification.sending_at,
        )
        rows = db.session.execute(db.select(*columns).where(Notification.id.in_(ids)).order_by(Notification.id)).all()
        users = {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_({r.user_id for r in rows})))}
        programmes = {
            p.id: p
            for p in db.session.scalars(
                db.select(Programme).where(Programme.id.in_({r.programme_id for r in rows if r.programme_id}))
            )
        }
        prefs = services.preferences_of(set(users))
        decided: dict[str, list[int]] = {}
        jobs: list[Job] = []
        digests: dict[int, list[Row]] = {}
        for row in rows:
            user = users[row.user_id]
            if row.sending_at is not None:
                decided.setdefault(UNKNOWN, []).append(row.id)
            elif not user.email or user.erased:
                decided.setdefault(FAILED, []).append(row.id)
            elif not wants(row.kind, prefs[user.id]):
                decided.setdefault(SKIPPED, []).append(row.id)
            elif row.digest:
                digests.setdefault(user.id, []).append(row)
            else:
                jobs.append(Job([row.id], self._message(user, [row], programmes), row.attempts + 1))
        for user_id, held in digests.items():
            message = self._message(users[user_id], held, programmes)
            jobs.append(Job([r.id for r in held], message, max(r.attempts for r in held) + 1))
        mine = (Notification.id.in_(ids), Notification.locked_by == self.id)
        for status, row_ids in decided.items():
            self.stats[status] += len(row_ids)
            outcome = {"status": status, "finished_at": now, "locked_by": None, "locked_until": None}
            if status == UNKNOWN:
                outcome["last_error"] = "interrupted while sending"
            elif status == FAILED:
                outcome["last_error"] = "no address"
            db.session.execute(
                db.update(Notification).where(Notification.id.in_(row_ids), *mine).values(**outcome),
                execution_options={"synchronize_session": False},
            )
        sending = [row_id for job in jobs for row_id in job.row_ids]
        if sending:
            marked = db.session.execute(
                db.update(Notification)
                .where(Notification.id.in_(sending), *mine)
                .values(sending_at=now, locked_until=now + self.lease, attempts=Notification.attempts + 1),
                execution_options={"synchronize_session": False},
            )
            if rowcount(marked) != len(sending):  # another worker took some since the claim
                ours = set(db.session.scalars(db.select(Notification.id).where(*mine, Notification.sending_at == now)))
                jobs = [job for job in jobs if set(job.row_ids) <= ours]
        db.session.commit()
        # Stop sending a little before the lease ends, so that no other worker finds a row
        # "interrupted" that this one is still about to send.
        deadline = time.monotonic() + self.lease.total_seconds() * 0.9
        return jobs, deadline

    def _message(self, user: User, rows: list[Row], programmes: dict) -> Outgoing:
        language = language_of(user.language, user.locale)
        token = services.unsubscribe_token(user.id)
        unsubscribe_url = f"{self.base_url}/mail/unsubscribe/{token}"
        translations = self._translations(language)
        gettext = _newstyle(translations.gettext)
        parts = []
        params = [{name: localise(value, translations.gettext) for name, value in row.params.items()} for row in rows]
        for row, fields in zip(rows, params, strict=True):
            programme = programmes.get(row.programme_id)
            context = {
                **fields,
                "programme": programme.name if programme else self.sender_name,
                "moodle_url": (programme.moodle_url if programme else None) or "",
                "name": user.display_name,
                "gettext": gettext,
            }
            parts.append(_render(self._template(f"mail/{row.kind}.html"), context))
        if len(rows) == 1 and not rows[0].digest:
            subject, body = parts[0]
        else:
            subject = translations.gettext("Your day in the mentoring programme: %(n)s items") % {"n": len(rows)}
            body = "\n\n".join(f"{s}\n\n{b}" for s, b in parts)
        footer = self._footer(language).replace(_TOKEN_SLOT, token)
        attachment = _ics(rows[0].key, params[0]) if len(rows) == 1 and rows[0].kind == "event_tomorrow" else None
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

    def _template(self, name: str) -> Template:
        """A compiled template, rendered without Flask's per-render context processors and
        signals (a mail's templates use only their own fields and gettext); looked up once per
        worker, not once per mail (a development server checks the file's date at each look-up)."""
        if name not in self._templates:
            self._templates[name] = current_app.jinja_env.get_template(name)
        return self._templates[name]

    def _footer(self, language: str) -> str:
        """The footer in one language, rendered once per worker with a slot for each person's
        unsubscribe token (URL-safe, so the slot needs no escaping)."""
        if language not in self._footers:
            self._footers[language] = self._template("mail/footer.html").render(
                unsubscribe_url=f"{self.base_url}/mail/unsubscribe/{_TOKEN_SLOT}",
                settings_url=f"{self.base_url}/mail/preferences",
                gettext=_newstyle(self._translations(language).gettext),
            )
        return self._footers[language]

    def _translations(self, language: str) -> NullTranslations:
        """The catalogue of one language, loaded once per worker (flask-babel's ``force_locale``
        looks it up again on every call, and does nothing outside a request)."""
        if language not in self._catalogues:
            domain = get_domain()
            self._catalogues[language] = Translations.load(
                domain.translation_directories[0], [language], domain.domain[0]
            )
        return self._catalogues[language]


def _newstyle(translate: Callable[[str], str]) -> Callable[..., str]:
    """``_()`` for a mail template in one language, as Jinja's new-style gettext: the
    translation, marked safe in an escaping template, then its ``%(name)s`` fields filled in
    (escaped)."""

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        translated: str = translate(message)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)
        return translated % variables

    return gettext


def _render(template: Template, context: dict) -> tuple[str, str]:
    subject = template.render(part="subject", **context).strip()
    body = template.render(part="body", **context).strip()
    return " ".join(subject.split()), body


def _ics(key: str, params: dict) -> tuple[str, bytes] | None:
    from icalendar import Calendar, Event

    starts = params.get("starts")
    if not isinstance(starts, str):
        return None
    calendar = Calendar()
    calendar.add("prodid", "-//Tulanet mentoring//mail//")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"{key}@tulanet")
    event.add("summary", str(params.get("title") or ""))
    moment = datetime.fromisoformat(starts)
    # In UTC, which every calendar reads; a fixed offset would be written as an unknown zone.
    event.add("dtstart", moment.astimezone(UTC) if moment.tzinfo else moment)
    if params.get("place"):
        event.add("location", str(params["place"]))
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
