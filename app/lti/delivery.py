"""The gradebook delivery worker: sends queued scores (``lti_score_outbox``) to the platforms.

A worker claims a batch of score keys (one participant's scores for one resource) with a lease:
on PostgreSQL the candidate keys are locked ``FOR UPDATE SKIP LOCKED`` so concurrent workers
take different keys; on any database the lease is set by a conditional update, so a key has one
owner at a time. For each key the latest pending score is sent (older pending ones are
superseded) with a timestamp strictly later than the last one sent; the result and the key's
new timestamp commit together. A worker killed mid-delivery leaves its lease to expire: the next
worker re-sends the same score with the same timestamp, which the platform either stores or
refuses with 409 because it already has it, so nothing is lost and nothing counted twice.
"""
import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

import requests
from sqlalchemy import func, or_

from app.core.db import db
from ..people.models import Enrolment, User
from .models import (
    DELIVERED,
    FAILED,
    PENDING,
    SUPERSEDED,
    CourseServices,
    LineItem,
    ScoreKey,
    ScoreOutbox,
)
from app.core.clock import utcnow
from .outbound import OutboundRefused, excerpt, fetch, platform_origins
from .rules import backoff_seconds, is_retryable, iso_timestamp, parse_retry_after, send_timestamp, service_url
from .tokens import ServiceError, TokenService, require_scope

log = logging.getLogger(__name__)

SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPE_LINEITEM = SCOPE + "lineitem"
SCOPE_SCORE = SCOPE + "score"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_SCORE)
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


class Worker:
    """One delivery worker. ``run_once`` delivers one batch; ``run`` loops until stopped."""

    def __init__(
        self,
        tokens: TokenService,
        *,
        batch: int = 50,
        lease_seconds: int = 60,
        backoff_base: float | None = None,
        timeout: float = 10,
        worker_id: str | None = None,
    ):
        self.tokens = tokens
        self.http = tokens.http
        self.batch = batch
        self.lease = timedelta(seconds=lease_seconds)
        self.backoff_base = backoff_base
        self.timeout = timeout
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stats = {"delivered": 0, "superseded": 0, "failed": 0, "retries": 0, "conflicts": 0}

    # --- claiming ---

    def claim(self) -> list[ScoreKey]:
        now = utcnow()
        due = (
            db.select(ScoreOutbox.key_id)
            .where(ScoreOutbox.status == PENDING, ScoreOutbox.next_attempt_at <= now)
            .group_by(ScoreOutbox.key_id)
            .order_by(func.min(ScoreOutbox.id))
            .limit(self.batch * 2)
        )
        free = or_(ScoreKey.locked_until.is_(None), ScoreKey.locked_until < now)
        query = db.select(ScoreKey.id).where(ScoreKey.id.in_(due), free).order_by(ScoreKey.id).limit(self.batch)
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = db.session.scalars(query).all()
        if not ids:
            db.session.rollback()
            return []
        # Conditional, so that on a database without row locks (SQLite) two workers that read
        # the same free keys cannot both take them: the second update finds them leased.
        db.session.execute(
            db.update(ScoreKey)
            .where(ScoreKey.id.in_(ids), free)
            .values(locked_by=self.id, locked_until=now + self.lease),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
        return db.session.scalars(
            db.select(ScoreKey).where(ScoreKey.id.in_(ids), ScoreKey.locked_by == self.id)
        ).all()

    def release(self, key: ScoreKey) -> None:
        key.locked_by = None
        key.locked_until = None

    # --- delivering ---

    def run_once(self) -> int:
        """Claim a batch of keys and deliver them; the batch's results commit together (a crash
        before the commit only means re-sending scores the platform answers with 409)."""
        keys = self.claim()
        if not keys:
            return 0
        rows = db.session.scalars(
            db.select(ScoreOutbox)
            .where(ScoreOutbox.key_id.in_([k.id for k in keys]), ScoreOutbox.status == PENDING)
            .order_by(ScoreOutbox.created_at, ScoreOutbox.id)
        ).all()
        by_key: dict[int, list[ScoreOutbox]] = {}
        for row in rows:
            by_key.setdefault(row.key_id, []).append(row)
        self._subjects = dict(
            db.session.execute(
                db.select(Enrolment.id, User.subject)
                .join(User, User.id == Enrolment.user_id)
                .where(Enrolment.id.in_({r.enrolment_id for r in rows}))
            ).all()
        )
        self._services: dict[int, CourseServices | None] = {}
        self._line_items: dict[tuple, LineItem] = {}
        try:
            # No autoflush: the batch's writes go in one short transaction at the end, so the
            # database (SQLite's single writer above all) is not held while waiting on HTTP.
            with db.session.no_autoflush:
                for key in keys:
                    self.deliver_key(key, by_key.get(key.id, []))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("gradebook delivery crashed")
            raise
        return len(keys)

    def run(self, stop: threading.Event | None = None, idle: float = 1.0, until_empty: bool = False) -> None:
        stop = stop or threading.Event()
        while not stop.is_set():
            done = self.run_once()
            if done:
                continue
            if until_empty and not self.pending():
                return
            stop.wait(idle if not until_empty else min(idle, 0.05))

    @staticmethod
    def pending() -> int:
        return db.session.scalar(db.select(func.count()).select_from(ScoreOutbox).where(ScoreOutbox.status == PENDING))

    def deliver_key(self, key: ScoreKey, rows: list[ScoreOutbox]) -> None:
        """Send the latest of one key's pending ``rows`` (oldest first); the caller commits."""
        try:
            self._deliver_latest(key, rows)
        finally:
            # Released only together with the outcome: anything that commits midway (a token
            # request) must not free the key while its score is in flight.
            self.release(key)

    def _deliver_latest(self, key: ScoreKey, rows: list[ScoreOutbox]) -> None:
        now = utcnow()
        latest = rows[-1] if rows else None
        if latest is None or latest.next_attempt_at > now:
            return
        for row in rows[:-1]:
            self._finish(row, SUPERSEDED, now)
        if key.last_given_at is not None and latest.created_at <= key.last_given_at:
            # A resent score older than one already delivered must not overwrite it.
            self._finish(latest, SUPERSEDED, now)
            return
        timestamp = send_timestamp(latest.created_at, key.last_timestamp)
        latest.attempts += 1
        latest.sent_timestamp = timestamp
        try:
            conflict = self._post(latest, timestamp)
        except ServiceError as error:
            latest.last_status = error.status
            latest.last_error = error.stored()
            if error.retryable:
                self.stats["retries"] += 1
                delay = backoff_seconds(latest.attempts, error.retry_after, **self._base())
                latest.next_attempt_at = utcnow() + timedelta(seconds=delay)
            else:
                self.stats["failed"] += 1
                latest.status = FAILED
                latest.finished_at = utcnow()
            return
        latest.last_status = 409 if conflict else 200
        latest.last_error = ServiceError("already_held", 409).stored() if conflict else None
        self._finish(latest, DELIVERED, utcnow())
        key.last_timestamp = timestamp
        key.last_given_at = latest.created_at

    def _base(self) -> dict:
        return {} if self.backoff_base is None else {"base": self.backoff_base}

    def _finish(self, row: ScoreOutbox, status: str, now) -> None:
        row.status = status
        row.finished_at = now
        self.stats["delivered" if status == DELIVERED else "superseded"] += 1

    def _post(self, row: ScoreOutbox, timestamp) -> bool:
        """Send one score; True when the platform answered 409 (it has this or a later one)."""
        if row.course_id not in self._services:
            self._services[row.course_id] = db.session.scalar(db.select(CourseServices).filter_by(course_id=row.course_id))
        services = self._services[row.course_id]
        if services is None or not services.lineitems_url:
            raise ServiceError("no_gradebook")
        line_item = self.line_item(services, row)
        body = {
            "userId": self._subjects[row.enrolment_id],
            "scoreGiven": row.score_given,
            "scoreMaximum": row.score_maximum,
            "activityProgress": row.activity_progress,
            "gradingProgress": row.grading_progress,
            "timestamp": iso_timestamp(timestamp),
        }
        if row.comment:
            body["comment"] = row.comment
        response = self._call(services, "POST", service_url(line_item.url, "/scores"), SCOPE_SCORE, json=body, content_type=SCORE_TYPE)
        if response.status_code == 409:
            self.stats["conflicts"] += 1
            return True
        if response.status_code == 404:
            # The line item was deleted in the platform: find or create it again next time.
            self._line_items.pop((row.course_id, row.resource), None)
            db.session.delete(line_item)
            raise ServiceError("line_item_gone", 404)
        self._raise_for(response, "score")
        return False

    def line_item(self, services: CourseServices, row: ScoreOutbox) -> LineItem:
        """The platform's line item for the row's resource: cached, found by resource id, or created."""
        cache_key = (row.course_id, row.resource)
        if cache_key not in self._line_items:
            self._line_items[cache_key] = self._find_or_create_line_item(services, row)
        return self._line_items[cache_key]

    def _find_or_create_line_item(self, services: CourseServices, row: ScoreOutbox) -> LineItem:
        item = db.session.scalar(db.select(LineItem).filter_by(course_id=row.course_id, resource=row.resource))
        if item is not None:
            return item
        require_scope(self.tokens.token(services.platform, AGS_SCOPES), SCOPE_LINEITEM)
        # The key lease is per participant, so two workers may look for the same column at once:
        # lock the course's services row (PostgreSQL) or take SQLite's write lock first, then look.
        lock = db.select(CourseServices).filter_by(id=services.id)
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(lock.with_for_update())
        else:
            db.session.execute(db.update(CourseServices).where(CourseServices.id == services.id).values(updated_at=CourseServices.updated_at))
        item = db.session.scalar(db.select(LineItem).filter_by(course_id=row.course_id, resource=row.resource))
        if item is not None:
            return item
        url = services.lineitems_url
        found = self._call(services, "GET", url + ("&" if "?" in url else "?") + "resource_id=" + requests.utils.quote(row.resource, safe=""), SCOPE_LINEITEM, accept=LINEITEMS_TYPE)
        self._raise_for(found, "line_item_search")
        existing = [i for i in found.json() if isinstance(i, dict) and i.get("resourceId") == row.resource and i.get("id")]
        if existing:
            data = existing[0]
        else:
            created = self._call(
                services,
                "POST",
                url,
                SCOPE_LINEITEM,
                json={"label": row.label or row.resource, "scoreMaximum": row.score_maximum, "resourceId": row.resource},
                content_type=LINEITEM_TYPE,
            )
            self._raise_for(created, "line_item_creation")
            data = created.json()
        item = LineItem(course_id=row.course_id, resource=row.resource, url=data["id"], label=data.get("label"), score_maximum=data.get("scoreMaximum"))
        db.session.add(item)
        db.session.flush()
        return item

    def _call(self, services: CourseServices, method: str, url: str, scope: str, *, json=None, content_type=None, accept=None):
        """One service request with the shared token; a 401 refreshes the token once. Only to
        the platform's own origins (``outbound.fetch``): the token goes nowhere else."""
        token = self.tokens.token(services.platform, AGS_SCOPES)
        require_scope(token, scope)
        origins = platform_origins(services.platform)
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {token.value}"}
            if content_type:
                headers["Content-Type"] = content_type
            if accept:
                headers["Accept"] = accept
            try:
                response = fetch(method, url, origins=origins, json=json, headers=headers, session=self.http)
            except OutboundRefused as refusal:
                raise ServiceError.refused(refusal) from refusal
            if response.status_code != 401 or attempt == 2:
                if response.status_code >= 400 and response.status_code != 409:  # 409: already held
                    # The platform's words go to the log only, never into the stored reason.
                    log.warning("gradebook call refused (%s): %s %s: %s", response.status_code, method, url.partition("?")[0], excerpt(response))
                return response
            token = self.tokens.token(services.platform, AGS_SCOPES, stale=token.value)
        return response

    @staticmethod
    def _raise_for(response, what: str) -> None:
        """``what``: score, line_item_search or line_item_creation (names the reason)."""
        status = response.status_code
        if status < 300:
            return
        reason = response.text[:300].strip()
        retry_after = parse_retry_after(response.headers.get("Retry-After"), utcnow())
        raise ServiceError(
            f"{what}_refused",
            status,
            retryable=is_retryable(status),
            retry_after=retry_after,
            reason=reason or "–",
        )


def status_counts() -> dict:
    """Outbox rows by state, over all courses (``flask --app app gradebook status``)."""
    counts = dict(db.session.execute(db.select(ScoreOutbox.status, func.count()).group_by(ScoreOutbox.status)).all())
    return {s: counts.get(s, 0) for s in (PENDING, FAILED, DELIVERED, SUPERSEDED)}


def start_in_process(app, idle: float = 2.0) -> threading.Thread:
    """The embedded worker: one daemon thread per process, for the zero-setup default."""

    def loop():
        with app.app_context():
            worker = Worker(app.extensions["lti_tokens"], backoff_base=app.config.get("GRADEBOOK_BACKOFF_BASE"))
            stop = app.extensions["gradebook_stop"]
            while not stop.is_set():
                try:
                    worker.run(stop, idle=idle)
                except Exception:  # logged in run_once; keep the thread alive
                    db.session.rollback()
                    stop.wait(idle)
                finally:
                    db.session.remove()

    thread = threading.Thread(target=loop, name="gradebook-worker", daemon=True)
    thread.start()
    return thread


