"""The gradebook service other parts of the tool call (LTI Assignment and Grade Services).

``publish_score`` only queues: it adds an outbox row to the caller's database session, so the
score commits (or rolls back) together with the change that caused it. The delivery worker
(``app/lti/delivery.py``; ``flask --app app gradebook work``) sends queued scores to the
platform. ``course_summary`` and ``resend`` serve the administrators' sync view.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func

from app.core.db import db
from ..people.models import Enrolment, User
from app.core.db import insert
from .models import DELIVERED, FAILED, PENDING, SUPERSEDED, ScoreKey, ScoreOutbox
from app.core.clock import utcnow
from .rules import ScoreRejected, check_score
from .tokens import stored_reason

__all__ = ["publish_score", "course_summary", "resend", "ScoreRejected", "SyncSummary", "FailedScore"]


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

    ``resource`` is a stable id of what is graded, e.g. ``f"mentoring:{programme.id}"``; its line
    item is found or created on the platform at delivery, labelled ``label`` when created.
    ``activity_progress`` is one of Initialized, Started, InProgress, Submitted, Completed;
    ``grading_progress`` one of FullyGraded, Pending, PendingManual, Failed, NotReady (Moodle
    stores a grade only for FullyGraded). The time of the call (UTC) is the score's timestamp.

    Adds the row to ``db.session`` without committing; raises ``ScoreRejected`` (a ValueError)
    for a score no platform would accept. Only the latest pending score of a participant for a
    resource is sent: earlier pending ones are superseded.
    """
    check_score(score_given, score_maximum, activity_progress, grading_progress)
    if not resource or len(resource) > 255:
        raise ScoreRejected("resource must be a non-empty id of at most 255 characters")
    if participant.id is None:
        db.session.flush()
    now = utcnow()
    db.session.execute(
        insert(ScoreKey)
        .values(course_id=participant.course_id, user_id=participant.user_id, resource=resource)
        .on_conflict_do_nothing(index_elements=["course_id", "user_id", "resource"])
    )
    key_id = db.session.scalar(
        db.select(ScoreKey.id).filter_by(
            course_id=participant.course_id, user_id=participant.user_id, resource=resource
        )
    )
    row = ScoreOutbox(
        key_id=key_id,
        course_id=participant.course_id,
        enrolment_id=participant.id,
        resource=resource,
        label=label,
        score_given=float(score_given),
        score_maximum=float(score_maximum),
        activity_progress=activity_progress,
        grading_progress=grading_progress,
        comment=comment,
        created_at=now,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
    )
    db.session.add(row)
    return row


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
    return db.session.execute(
        query.values(status=PENDING, attempts=0, next_attempt_at=now, finished_at=None),
        execution_options={"synchronize_session": False},
    ).rowcount
