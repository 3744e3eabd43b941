"""The gradebook service other parts of the tool call (LTI Assignment and Grade Services).

``publish_score`` only queues: it adds an outbox row to the caller's database session, so the
score commits (or rolls back) together with the change that caused it. The delivery worker
(``app/lti/delivery.py``; ``flask --app app gradebook work``) sends queued scores to the
platform. Scores go to the course's graded placements (``target_links``; see
``app/lti/placements.py``) or the tool's own line item. ``course_summary`` and ``resend`` serve
the administrators' sync view, ``placements`` the facilitators' view of the grade items.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func

from app.core.clock import utcnow
from app.core.db import db, insert, rowcount

from ..people.models import Course, Enrolment, User
from .models import (
    DELIVERED,
    FAILED,
    PENDING,
    SUPERSEDED,
    TOOL_ITEM,
    LineItem,
    ResourceLink,
    ScoreKey,
    ScoreOutbox,
)
from .rules import UNGRADED_KINDS, ScoreRejected, check_score, parse_target
from .tokens import stored_reason

__all__ = [
    "publish_score",
    "sync_targets",
    "target_links",
    "course_summary",
    "failing_deliveries",
    "FailingDeliveries",
    "placements",
    "resend",
    "ScoreRejected",
    "SyncSummary",
    "FailedScore",
    "Placement",
    "LastDelivery",
]


def publish_score(
    participant: Enrolment,
    resource: str,
    score_given: float,
    score_maximum: float,
    activity_progress: str,
    grading_progress: str,
    comment: str | None = None,
    *,
    label: str | None = None,
) -> ScoreOutbox:
    """Queue a score for ``participant`` (an Enrolment) on the tool's graded ``resource``.

    ``resource`` is a stable id of what is graded, e.g. ``f"mentoring:{programme.id}"``. The
    score goes to the line item of every graded placement of that resource in the course
    (``ResourceLink.resource``); a course without one gets a line item the tool creates at
    delivery (with ``resourceId`` and ``tag``), labelled ``label``.
    ``activity_progress`` is one of Initialized, Started, InProgress, Submitted, Completed;
    ``grading_progress`` one of FullyGraded, Pending, PendingManual, Failed, NotReady (Moodle
    stores a grade only for FullyGraded). The time of the call (UTC) is the score's timestamp.

    Adds the rows to ``db.session`` without committing and returns the first; raises
    ``ScoreRejected`` (a ValueError) for a score no platform would accept. Only the latest
    pending score of a participant for a line item is sent: earlier pending ones are superseded.
    """
    check_score(score_given, score_maximum, activity_progress, grading_progress)
    if not resource or len(resource) > 255:
        raise ScoreRejected("resource must be a non-empty id of at most 255 characters")
    if participant.id is None:
        db.session.flush()
    score = {
        "enrolment_id": participant.id,
        "label": label,
        "score_given": float(score_given),
        "score_maximum": float(score_maximum),
        "activity_progress": activity_progress,
        "grading_progress": grading_progress,
        "comment": comment,
        "created_at": utcnow(),
    }
    rows = [
        _queue(participant.course_id, participant.user_id, resource, link_id, score)
        for link_id in target_links(participant.course_id, resource)
    ]
    return rows[0]


def target_links(course_id: int, resource: str) -> list[int]:
    """Where a course's scores for ``resource`` go: the ids of its graded placements, or
    ``[TOOL_ITEM]`` (the tool's own line item) when it has none."""
    links = db.session.scalars(
        db.select(ResourceLink.id)
        .where(ResourceLink.course_id == course_id, ResourceLink.resource == resource)
        .order_by(ResourceLink.id)
    ).all()
    return list(links) or [TOOL_ITEM]


def _queue(course_id: int, user_id: int, resource: str, link_id: int, score: dict) -> ScoreOutbox:
    db.session.execute(
        insert(ScoreKey)
        .values(course_id=course_id, user_id=user_id, resource=resource, link_id=link_id)
        .on_conflict_do_nothing(index_elements=["course_id", "user_id", "resource", "link_id"])
    )
    key_id = db.session.scalar(
        db.select(ScoreKey.id).filter_by(course_id=course_id, user_id=user_id, resource=resource, link_id=link_id)
    )
    row = ScoreOutbox(
        key_id=key_id,
        course_id=course_id,
        resource=resource,
        status=PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
        **score,
    )
    db.session.add(row)
    return row


def sync_targets(course_id: int, resource: str, user_id: int | None = None) -> int:
    """Queue each participant's current score for ``resource`` (the latest given, whatever
    became of it) to every current target that has not got it or a later one: called when a
    placement appears or goes, so that it holds the current scores. ``user_id``: only that
    person. Returns how many scores were queued; the caller commits."""
    targets = target_links(course_id, resource)
    query = (
        db.select(ScoreOutbox, ScoreKey.user_id, ScoreKey.link_id)
        .join(ScoreKey, ScoreKey.id == ScoreOutbox.key_id)
        .where(ScoreKey.course_id == course_id, ScoreKey.resource == resource)
    )
    if user_id is not None:
        query = query.where(ScoreKey.user_id == user_id)
    latest: dict[int, ScoreOutbox] = {}
    held: dict[tuple, datetime] = {}
    for row, uid, link_id in db.session.execute(query).all():
        if uid not in latest or (row.created_at, row.id) > (latest[uid].created_at, latest[uid].id):
            latest[uid] = row
        if (uid, link_id) not in held or row.created_at > held[(uid, link_id)]:
            held[(uid, link_id)] = row.created_at
    queued = 0
    for uid, row in latest.items():
        score = {column: getattr(row, column) for column in SCORE_COLUMNS}
        for link_id in targets:
            if (uid, link_id) in held and held[(uid, link_id)] >= row.created_at:
                continue
            _queue(course_id, uid, resource, link_id, score)
            queued += 1
    return queued


SCORE_COLUMNS = (
    "enrolment_id",
    "label",
    "score_given",
    "score_maximum",
    "activity_progress",
    "grading_progress",
    "comment",
    "created_at",
)


@dataclass(frozen=True)
class FailedScore:
    id: int
    person: str
    resource: str
    score_given: float
    score_maximum: float
    given_at: datetime
    attempts: int
    status_code: int | None
    reason: str  # in words, in the reader's language (never the platform's own words)


@dataclass(frozen=True)
class SyncSummary:
    pending: int
    failed: int
    delivered: int  # includes scores superseded by a later one that was delivered
    superseded: int
    last_delivered_at: datetime | None
    failures: list[FailedScore]


def course_summary(course_id: int) -> SyncSummary:
    """Gradebook sync status of one course: counts by state and each failed score's reason."""
    counts = dict(
        db.session.execute(
            db.select(ScoreOutbox.status, func.count())
            .where(ScoreOutbox.course_id == course_id)
            .group_by(ScoreOutbox.status)
        ).all()
    )
    last = db.session.scalar(
        db.select(func.max(ScoreOutbox.finished_at)).where(
            ScoreOutbox.course_id == course_id, ScoreOutbox.status == DELIVERED
        )
    )
    rows = db.session.execute(
        db.select(ScoreOutbox, User)
        .join(Enrolment, Enrolment.id == ScoreOutbox.enrolment_id)
        .join(User, User.id == Enrolment.user_id)
        .where(ScoreOutbox.course_id == course_id, ScoreOutbox.status == FAILED)
        .order_by(ScoreOutbox.id)
    ).all()
    failures = [
        FailedScore(
            id=row.id,
            person=user.display_name or user.subject,
            resource=row.resource,
            score_given=row.score_given,
            score_maximum=row.score_maximum,
            given_at=row.created_at,
            attempts=row.attempts,
            status_code=row.last_status,
            reason=stored_reason(row.last_error),
        )
        for row, user in rows
    ]
    return SyncSummary(
        pending=counts.get(PENDING, 0),
        failed=counts.get(FAILED, 0),
        delivered=counts.get(DELIVERED, 0) + counts.get(SUPERSEDED, 0),
        superseded=counts.get(SUPERSEDED, 0),
        last_delivered_at=last,
        failures=failures,
    )


@dataclass(frozen=True)
class FailingDeliveries:
    course_id: int
    course_title: str
    count: int  # scores given more than the period ago, tried and still not in the gradebook
    first_id: int  # the oldest of them: it names the episode, which lasts until it is delivered


def failing_deliveries(now: datetime, longer_than: timedelta = timedelta(days=1)) -> list[FailingDeliveries]:
    """The courses whose gradebook delivery has been failing for longer than ``longer_than``:
    scores given before then that were tried and are still not delivered (failed for good, or
    waiting for another try). Scores never tried yet (no worker running) are not failures."""
    failing = db.or_(ScoreOutbox.status == FAILED, db.and_(ScoreOutbox.status == PENDING, ScoreOutbox.attempts > 0))
    rows = db.session.execute(
        db.select(ScoreOutbox.course_id, Course.title, func.count(), func.min(ScoreOutbox.id))
        .join(Course, Course.id == ScoreOutbox.course_id)
        .where(failing, ScoreOutbox.created_at < now - longer_than)
        .group_by(ScoreOutbox.course_id, Course.title)
        .order_by(ScoreOutbox.course_id)
    ).all()
    return [FailingDeliveries(course_id, title or "", count, first_id) for course_id, title, count, first_id in rows]


def resend(course_id: int, row_id: int | None = None) -> int:
    """Queue failed scores of a course again: one row (``row_id``) or all failed rows.

    Scoped to ``course_id``: a row of another course is not touched. Returns how many rows were
    queued (0 when ``row_id`` is not a failed row of this course). A resent score older than
    one already delivered is superseded at delivery, never sent over a newer grade. The caller
    commits.
    """
    query = db.update(ScoreOutbox).where(ScoreOutbox.course_id == course_id, ScoreOutbox.status == FAILED)
    if row_id is not None:
        query = query.where(ScoreOutbox.id == row_id)
    now = utcnow()
    return rowcount(
        db.session.execute(
            query.values(status=PENDING, attempts=0, next_attempt_at=now, finished_at=None),
            execution_options={"synchronize_session": False},
        )
    )


@dataclass(frozen=True)
class LastDelivery:
    status: str  # pending (tried, waiting to try again), delivered or failed
    at: datetime  # when it was delivered or refused, else when it was last tried
    attempts: int
    status_code: int | None
    reason: str  # in words, in the reader's language


@dataclass(frozen=True)
class Placement:
    """A line item the tool writes (or wrote) to: a placed activity's own, or the tool's."""

    link_id: int | None  # the ResourceLink; None for a line item the tool created
    title: str | None
    kind: str  # mentoring, hand (added by hand), content, tools, sparring, or tool_item
    target: str | None
    resource: str | None  # the tool resource it receives now, None when it receives nothing
    choice: bool | None  # a facilitator's switch (None: the rule decides)
    line_item: str | None
    waiting: int
    last: LastDelivery | None


def placements(course_id: int) -> list[Placement]:
    """Every placed activity of the course and every line item the tool created, with what
    each receives, its line item and its last delivery: the facilitators' gradebook view."""
    result = []
    links = db.session.scalars(
        db.select(ResourceLink).where(ResourceLink.course_id == course_id).order_by(ResourceLink.id)
    ).all()
    for link in links:
        parsed = parse_target(link.target)
        kind = parsed[0] if parsed is not None and parsed[0] in UNGRADED_KINDS + ("mentoring",) else "hand"
        keys = db.select(ScoreKey.id).where(ScoreKey.course_id == course_id, ScoreKey.link_id == link.id)
        result.append(
            Placement(
                link.id,
                link.title,
                kind,
                link.target,
                link.resource,
                link.graded,
                link.lineitem_url,
                *_deliveries(keys),
            )
        )
    for item in db.session.scalars(db.select(LineItem).where(LineItem.course_id == course_id).order_by(LineItem.id)):
        keys = db.select(ScoreKey.id).where(
            ScoreKey.course_id == course_id, ScoreKey.resource == item.resource, ScoreKey.link_id == TOOL_ITEM
        )
        in_use = item.resource if target_links(course_id, item.resource) == [TOOL_ITEM] else None
        result.append(Placement(None, item.label, "tool_item", None, in_use, None, item.url, *_deliveries(keys)))
    return result


def _deliveries(keys) -> tuple[int, LastDelivery | None]:
    waiting = db.session.scalar(
        db.select(func.count())
        .select_from(ScoreOutbox)
        .where(ScoreOutbox.key_id.in_(keys), ScoreOutbox.status == PENDING)
    )
    row = db.session.scalar(
        db.select(ScoreOutbox)
        .where(ScoreOutbox.key_id.in_(keys), ScoreOutbox.attempts > 0)
        .order_by(ScoreOutbox.id.desc())
        .limit(1)
    )
    if row is None:
        return waiting, None
    last = LastDelivery(
        status=row.status,
        at=row.finished_at or row.next_attempt_at,
        attempts=row.attempts,
        status_code=row.last_status,
        reason=stored_reason(row.last_error),
    )
    return waiting, last
