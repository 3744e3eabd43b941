"""The gradebook delivery worker: sends queued scores (``lti_score_outbox``) to the platforms.

A worker claims a batch of score keys (one participant's scores for one line item) with a lease:
on PostgreSQL the candidate keys are locked ``FOR UPDATE SKIP LOCKED`` so concurrent workers
take different keys; on any database the lease is set by a conditional update, so a key has one
owner at a time. For each key the latest pending score is sent (older pending ones are
superseded) with a timestamp strictly later than the last one sent.

No HTTP call is made while a database transaction is open: the batch is read and planned in one
short transaction, then each key is sent with none open and its outcome recorded, with the
key's lease released, in a short transaction of its own. A key whose platform answers badly (an
error, a page that is not what AGS promises, no answer) gets a retryable failure with a reason
code and never holds back, or rolls back, the other keys of the batch. A worker killed
mid-delivery leaves its lease to expire: the next worker re-sends the same score with the same
timestamp, which the platform either stores or refuses with 409 because it already has it, so
nothing is lost and nothing counted twice.
"""

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, or_, text
from sqlalchemy.orm import selectinload

from app.core.clock import utcnow
from app.core.db import db, insert
from app.core.outbox import backoff_seconds, claim

from ..people.models import Enrolment, User
from .gradebook import sync_targets, target_links
from .models import (
    DELIVERED,
    FAILED,
    PENDING,
    SUPERSEDED,
    TOOL_ITEM,
    CourseServices,
    LineItem,
    ResourceLink,
    ScoreKey,
    ScoreOutbox,
)
from .outbound import OutboundRefused, excerpt, fetch, platform_origins
from .rules import (
    is_retryable,
    iso_timestamp,
    parse_retry_after,
    resource_tag,
    send_timestamp,
    service_url,
)
from .tokens import ServiceError, TokenService, require_scope
from .vocabulary import AGS_SCOPES, LINEITEM_TYPE, LINEITEMS_TYPE, SCOPE_LINEITEM, SCOPE_SCORE, SCORE_TYPE

log = logging.getLogger(__name__)


class Rerouted(Exception):
    """The score's line item turned out to be a placement's: its scores were queued there."""


@dataclass
class Job:
    """One key's score to send, planned from the database and carried without a session."""

    key_id: int
    row_id: int
    course_id: int
    resource: str
    link_id: int
    url: str | None  # the line item's URL; None: the tool's own item, still to be found or created
    label: str | None
    score_maximum: float
    body: dict
    timestamp: datetime
    given_at: datetime
    attempts: int


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
        self._services: dict[int, CourseServices] = {}
        self._postgresql: bool | None = None
        self._tool_items: dict[tuple, str] = {}

    # --- claiming ---

    def claim(self) -> list[int]:
        """Lease a batch of due keys; returns their ids (the lease is committed)."""
        now = utcnow()
        due = (
            db.select(ScoreOutbox.key_id)
            .where(ScoreOutbox.status == PENDING, ScoreOutbox.next_attempt_at <= now)
            .group_by(ScoreOutbox.key_id)
            .order_by(func.min(ScoreOutbox.id))
            .limit(self.batch * 2)
        )
        candidates = db.select(ScoreKey.id).where(ScoreKey.id.in_(due)).order_by(ScoreKey.id).limit(self.batch)
        if self._postgresql is None:
            self._postgresql = db.session.get_bind().dialect.name == "postgresql"
        return claim(ScoreKey, candidates, self.id, self.lease, now)

    # --- delivering ---

    def run_once(self) -> int:
        """Claim a batch of keys and deliver each on its own; returns how many keys were claimed."""
        key_ids = self.claim()
        if not key_ids:
            db.session.rollback()
            return 0
        try:
            jobs = self._plan(key_ids)
        except Exception:
            db.session.rollback()
            log.exception("gradebook delivery could not plan its batch")
            raise
        for job in jobs:
            self._deliver(job)
        self._record_unsent()
        return len(key_ids)

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
        count = db.session.scalar(db.select(func.count()).select_from(ScoreOutbox).where(ScoreOutbox.status == PENDING))
        db.session.rollback()
        return count

    def _plan(self, key_ids: list[int]) -> list[Job]:
        """Read the batch and decide, in one short transaction: what each key sends where,
        which rows are superseded, which keys have nothing to send (their lease is released)."""
        now = utcnow()
        keys = db.session.scalars(db.select(ScoreKey).where(ScoreKey.id.in_(key_ids)).order_by(ScoreKey.id)).all()
        rows = db.session.scalars(
            db.select(ScoreOutbox)
            .where(ScoreOutbox.key_id.in_(key_ids), ScoreOutbox.status == PENDING)
            .order_by(ScoreOutbox.created_at, ScoreOutbox.id)
        ).all()
        by_key: dict[int, list[ScoreOutbox]] = {}
        for row in rows:
            by_key.setdefault(row.key_id, []).append(row)
        subjects = dict(
            db.session.execute(
                db.select(Enrolment.id, User.subject)
                .join(User, User.id == Enrolment.user_id)
                .where(Enrolment.id.in_({r.enrolment_id for r in rows}))
            ).all()
        )
        links = {
            link.id: link
            for link in db.session.scalars(
                db.select(ResourceLink).where(ResourceLink.id.in_({k.link_id for k in keys} - {TOOL_ITEM}))
            )
        }
        self._load_services({k.course_id for k in keys})
        # A course whose token or line item failed in this batch: its other keys fail the same
        # way without asking the platform again, and are recorded together at the end.
        self._broken: dict[int | tuple[int, str], ServiceError] = {}
        self._next_attempt: dict[int | tuple[int, str], datetime] = {}  # when the key that broke it is tried again
        self._unsent: list[tuple[Job, ServiceError]] = []
        self._tool_items = {
            (item.course_id, item.resource): item.url
            for item in db.session.scalars(
                db.select(LineItem).where(
                    LineItem.course_id.in_({k.course_id for k in keys}), LineItem.url.is_not(None)
                )
            )
        }
        targets: dict[tuple, list[int]] = {}
        jobs = []
        for key in keys:
            pending = by_key.get(key.id, [])
            latest = pending[-1] if pending else None
            if latest is None or latest.next_attempt_at > now:
                self._release(key)
                continue
            where = (key.course_id, key.resource)
            if where not in targets:
                targets[where] = target_links(*where)
            if key.link_id not in targets[where]:
                # A placement appeared or went since the score was queued: it goes where the
                # course's scores go now (the tool's own item keeps its history).
                for row in pending:
                    self._finish(row, SUPERSEDED, now)
                sync_targets(key.course_id, key.resource, key.user_id)
                self._release(key)
                continue
            for row in pending[:-1]:
                self._finish(row, SUPERSEDED, now)
            if key.last_given_at is not None and latest.created_at <= key.last_given_at:
                # A resent score older than one already delivered must not overwrite it.
                self._finish(latest, SUPERSEDED, now)
                self._release(key)
                continue
            services = self._services.get(key.course_id)
            if services is None or not services.lineitems_url:
                latest.attempts += 1
                self._fail(latest, ServiceError("no_gradebook"))
                self._release(key)
                continue
            jobs.append(self._job(key, latest, subjects, links))
        db.session.commit()
        return jobs

    def _job(self, key: ScoreKey, row: ScoreOutbox, subjects: dict, links: dict) -> Job:
        timestamp = send_timestamp(row.created_at, key.last_timestamp)
        body = {
            "userId": subjects[row.enrolment_id],
            "scoreGiven": row.score_given,
            "scoreMaximum": row.score_maximum,
            "activityProgress": row.activity_progress,
            "gradingProgress": row.grading_progress,
            "timestamp": iso_timestamp(timestamp),
        }
        if row.comment:
            body["comment"] = row.comment
        if key.link_id == TOOL_ITEM:
            url = self._tool_items.get((key.course_id, key.resource))
        else:
            url = links[key.link_id].lineitem_url
        return Job(
            key_id=key.id,
            row_id=row.id,
            course_id=key.course_id,
            resource=key.resource,
            link_id=key.link_id,
            url=url,
            label=row.label,
            score_maximum=row.score_maximum,
            body=body,
            timestamp=timestamp,
            given_at=row.created_at,
            attempts=row.attempts + 1,
        )

    def _load_services(self, course_ids: set[int]) -> None:
        """The batch's courses' service endpoints, detached from the session: the HTTP calls
        use them with no transaction open."""
        self._services = {}
        found = db.session.scalars(
            db.select(CourseServices)
            .where(CourseServices.course_id.in_(course_ids))
            .options(selectinload(CourseServices.platform))
        ).all()
        for services in found:
            if services.platform in db.session:  # courses of one platform share its row
                db.session.expunge(services.platform)
            db.session.expunge(services)
            self._services[services.course_id] = services

    def _deliver(self, job: Job) -> None:
        """Send one key's score with no transaction open, then record the outcome in its own."""
        services = self._services[job.course_id]
        broken = self._broken.get(job.course_id) or (
            None if job.url else self._broken.get((job.course_id, job.resource))
        )
        if broken is not None:
            self._unsent.append((job, broken))
            return
        outcome: ServiceError | bool | None
        try:
            # The token comes from memory, the database (a read, closed here) or the platform:
            # get it before the score so that no request goes out inside a transaction.
            self._unless_broken(job.course_id, lambda: self.tokens.token(services.platform, AGS_SCOPES))
            db.session.commit()
            url = job.url or self._unless_broken(
                (job.course_id, job.resource), lambda: self._tool_line_item(services, job)
            )
            outcome = self._post(services, url, job)
        except ServiceError as error:
            db.session.rollback()
            outcome = error
        except Rerouted:
            outcome = None
        except Exception as exc:
            db.session.rollback()
            log.exception("gradebook delivery of one score crashed", extra={"key_id": job.key_id})
            outcome = ServiceError("delivery_crashed", error=exc.__class__.__name__)
        try:
            self._record(job, outcome)
            db.session.commit()
        except Exception:
            # The lease expires and the score is sent again (a 409 if it had arrived).
            db.session.rollback()
            log.exception("gradebook delivery could not record an outcome", extra={"key_id": job.key_id})

    def _record_unsent(self) -> None:
        """The keys that failed without a call of their own: nothing of theirs reached the
        platform, so one transaction records them all (if it fails, their leases expire). The
        course's keys outside the batch, which wait on the same token or grade column, wait as
        long as the key that failed: they would only fail the same way."""
        if not self._unsent and not self._next_attempt:
            return
        try:
            for job, error in self._unsent:
                self._record(job, error)
            for what, when in self._next_attempt.items():
                keys = db.select(ScoreKey.id).where(ScoreKey.course_id == (what if isinstance(what, int) else what[0]))
                if not isinstance(what, int):
                    keys = keys.where(ScoreKey.resource == what[1], ScoreKey.link_id == TOOL_ITEM)
                db.session.execute(
                    db.update(ScoreOutbox)
                    .where(
                        ScoreOutbox.key_id.in_(keys), ScoreOutbox.status == PENDING, ScoreOutbox.next_attempt_at < when
                    )
                    .values(next_attempt_at=when),
                    execution_options={"synchronize_session": False},
                )
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("gradebook delivery could not record failures", extra={"keys": len(self._unsent)})
        self._unsent = []

    def _unless_broken(self, what, call):
        if what in self._broken:
            raise self._broken[what]
        try:
            return call()
        except ServiceError as error:
            self._broken[what] = error
            raise

    def _record(self, job: Job, outcome: "ServiceError | bool | None") -> None:
        """Store one key's outcome and release its lease (statements by id: the record is two
        updates). ``outcome``: True for a 409, False for stored, None for rerouted, or the failure."""
        if self._postgresql:
            # An outcome lost in a crash only means sending the score again, which the platform
            # answers with 409: the record need not wait for its WAL flush.
            db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        now = utcnow()
        key: dict[str, Any] = {"locked_by": None, "locked_until": None}
        if outcome is None:
            row: dict[str, Any] = {"status": SUPERSEDED, "finished_at": now}
            self.stats["superseded"] += 1
        elif isinstance(outcome, ServiceError):
            row = {"attempts": job.attempts, "sent_timestamp": job.timestamp, **self._failure(job.attempts, outcome)}
            for what in (job.course_id, (job.course_id, job.resource)):
                if self._broken.get(what) is outcome and outcome.retryable and outcome.code != "line_item_pending":
                    self._next_attempt.setdefault(what, row["next_attempt_at"])
            if outcome.code == "line_item_gone" and job.link_id == TOOL_ITEM:
                # The tool's line item was deleted in the platform: find or create it again.
                self._tool_items.pop((job.course_id, job.resource), None)
                db.session.execute(db.delete(LineItem).filter_by(course_id=job.course_id, resource=job.resource))
        else:
            row = {
                "attempts": job.attempts,
                "sent_timestamp": job.timestamp,
                "last_status": 409 if outcome else 200,
                "last_error": ServiceError("already_held", 409).stored() if outcome else None,
                "status": DELIVERED,
                "finished_at": now,
            }
            key.update(last_timestamp=job.timestamp, last_given_at=job.given_at)
            self.stats["delivered"] += 1
        db.session.execute(
            db.update(ScoreOutbox).where(ScoreOutbox.id == job.row_id).values(**row),
            execution_options={"synchronize_session": False},
        )
        db.session.execute(
            db.update(ScoreKey).where(ScoreKey.id == job.key_id, ScoreKey.locked_by == self.id).values(**key),
            execution_options={"synchronize_session": False},
        )

    def _fail(self, row: ScoreOutbox, error: ServiceError) -> None:
        for column, value in self._failure(row.attempts, error).items():
            setattr(row, column, value)

    def _failure(self, attempts: int, error: ServiceError) -> dict[str, Any]:
        """A failed attempt's columns: retried after a backoff, or failed for good."""
        values: dict[str, Any] = {"last_status": error.status, "last_error": error.stored()}
        if error.retryable:
            self.stats["retries"] += 1
            delay = backoff_seconds(attempts, error.retry_after, **self._base())
            values["next_attempt_at"] = utcnow() + timedelta(seconds=delay)
        else:
            self.stats["failed"] += 1
            values.update(status=FAILED, finished_at=utcnow())
        return values

    @staticmethod
    def _release(key: ScoreKey) -> None:
        key.locked_by = None
        key.locked_until = None

    def _base(self) -> dict:
        return {} if self.backoff_base is None else {"base": self.backoff_base}

    def _finish(self, row: ScoreOutbox, status: str, now) -> None:
        row.status = status
        row.finished_at = now
        self.stats["delivered" if status == DELIVERED else "superseded"] += 1

    def _post(self, services: CourseServices, url: str, job: Job) -> bool:
        """Send one score; True when the platform answered 409 (it has this or a later one)."""
        response = self._call(
            services, "POST", service_url(url, "/scores"), SCOPE_SCORE, json=job.body, content_type=SCORE_TYPE
        )
        if response.status_code == 409:
            self.stats["conflicts"] += 1
            return True
        if response.status_code == 404:
            raise ServiceError("line_item_gone" if job.link_id == TOOL_ITEM else "placement_gone", 404)
        self._raise_for(response, "score")
        # AGS answers a score with no body or JSON; a page in its place (a login or maintenance
        # page answered with 200) means the score did not reach the gradebook.
        if response.content and not _is_json(response):
            raise ServiceError("score_malformed", response.status_code, problem=_not_json(response))
        return False

    # --- the tool's own line item: claim → commit → call → record ---

    def _tool_line_item(self, services: CourseServices, job: Job) -> str:
        """The URL of the tool's line item for the job's resource, found or created once per
        course: the unique (course, resource) row decides which worker calls the platform."""
        where = (job.course_id, job.resource)
        if where in self._tool_items:
            return self._tool_items[where]
        now = utcnow()
        match = (LineItem.course_id == job.course_id, LineItem.resource == job.resource)
        db.session.execute(
            insert(LineItem)
            .values(
                course_id=job.course_id,
                resource=job.resource,
                claimed_by=self.id,
                claimed_until=now + self.lease,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["course_id", "resource"])
        )
        db.session.execute(
            db.update(LineItem)
            .where(*match, LineItem.url.is_(None), or_(LineItem.claimed_until.is_(None), LineItem.claimed_until < now))
            .values(claimed_by=self.id, claimed_until=now + self.lease),
            execution_options={"synchronize_session": False},
        )
        url, owner = db.session.execute(db.select(LineItem.url, LineItem.claimed_by).where(*match)).one()
        db.session.commit()
        if url is None and owner != self.id:
            raise ServiceError("line_item_pending")  # another worker is creating it: try again soon
        if url is None:
            try:
                found, placed = self._find_line_item(services, job)
                if found is None and placed and self._adopt(job, placed):
                    raise Rerouted()
                data = found or self._create_line_item(services, job)
            except ServiceError:
                # Give the claim up with the failure, so the next attempt, by any worker, claims it.
                db.session.rollback()
                db.session.execute(
                    db.delete(LineItem).where(*match, LineItem.claimed_by == self.id, LineItem.url.is_(None))
                )
                db.session.commit()
                raise
            db.session.execute(
                db.update(LineItem)
                .where(*match, LineItem.claimed_by == self.id)
                .values(
                    url=data["id"],
                    label=data.get("label"),
                    score_maximum=_number(data.get("scoreMaximum")),
                    claimed_by=None,
                    claimed_until=None,
                ),
                execution_options={"synchronize_session": False},
            )
            db.session.commit()
            url = data["id"]
        self._tool_items[where] = url
        return url

    def _find_line_item(self, services: CourseServices, job: Job) -> tuple[dict | None, list[dict]]:
        """Look for the tool's own item (``resourceId`` and ``tag``: a worker that died after
        creating it is not repeated) and for items of placed activities with this resource id
        ("My mentoring" placed by deep linking but not launched yet); no transaction is open."""
        url = services.lineitems_url
        query = "resource_id=" + quote(job.resource, safe="")
        found = self._call(
            services, "GET", url + ("&" if "?" in url else "?") + query, SCOPE_LINEITEM, accept=LINEITEMS_TYPE
        )
        self._raise_for(found, "line_item_search")
        tag = resource_tag(job.resource)
        items = [
            i
            for i in _json(found, "line_item_search", list)
            if isinstance(i, dict) and i.get("resourceId") == job.resource and _is_url(i.get("id"))
        ]
        own = [i for i in items if i.get("tag") == tag and not i.get("resourceLinkId")]
        placed = [i for i in items if i.get("resourceLinkId") and not i.get("tag")]
        return (own[0] if own else None), placed

    def _adopt(self, job: Job, placed: list[dict]) -> bool:
        """Record placed activities the search found as the course's placements (their current
        scores are queued to them) and give up the claim; False when none of them is graded."""
        from .placements import adopt

        adopted = adopt(
            job.course_id,
            job.resource,
            [(str(i["resourceLinkId"])[:255], i["id"][:1024], i.get("label")) for i in placed],
        )
        if adopted:
            db.session.execute(
                db.delete(LineItem).where(
                    LineItem.course_id == job.course_id,
                    LineItem.resource == job.resource,
                    LineItem.url.is_(None),
                    LineItem.claimed_by == self.id,
                )
            )
        db.session.commit()
        return adopted

    def _create_line_item(self, services: CourseServices, job: Job) -> dict:
        """Create the tool's own line item, with ``resourceId`` and ``tag``; no transaction is open."""
        created = self._call(
            services,
            "POST",
            services.lineitems_url,
            SCOPE_LINEITEM,
            json={
                "label": job.label or job.resource,
                "scoreMaximum": job.score_maximum,
                "resourceId": job.resource,
                "tag": resource_tag(job.resource),
            },
            content_type=LINEITEM_TYPE,
        )
        self._raise_for(created, "line_item_creation")
        data = _json(created, "line_item_creation", dict)
        if not _is_url(data.get("id")):
            raise ServiceError("line_item_creation_malformed", created.status_code, problem="id")
        return data

    def _call(
        self, services: CourseServices, method: str, url: str, scope: str, *, json=None, content_type=None, accept=None
    ):
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
                    log.warning(
                        "gradebook call refused (%s): %s %s: %s",
                        response.status_code,
                        method,
                        url.partition("?")[0],
                        excerpt(response),
                    )
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


def _media_type(response) -> str:
    return (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def _is_json(response) -> bool:
    media = _media_type(response)
    return media == "application/json" or media.endswith("+json")


def _json(response, what: str, kind: type):
    """The answer's JSON of the ``kind`` AGS promises, or a retryable ``<what>_malformed``
    failure naming the problem (an HTML page answered with 200, not JSON, the wrong shape)."""
    if not _is_json(response):
        raise ServiceError(f"{what}_malformed", response.status_code, problem=_not_json(response))
    try:
        data = response.json()
    except ValueError:
        raise ServiceError(f"{what}_malformed", response.status_code, problem="JSON") from None
    if not isinstance(data, kind):
        raise ServiceError(f"{what}_malformed", response.status_code, problem="JSON")
    return data


def _not_json(response) -> str:
    """What a non-JSON answer is, in a fixed word: the platform's own text is never stored."""
    return "text/html" if _media_type(response) == "text/html" else "Content-Type"


def _is_url(value) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


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
