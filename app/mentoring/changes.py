"""Changing a meeting that counts: a member proposes a correction or removal
(``propose_correction``, ``propose_deletion``), the other attendees confirm or decline it, the
proposer may withdraw it; a facilitator changes it at once with a reason the members see
(``facilitator_correct``, ``facilitator_delete``). Every step is audited and recounts; the group's
row is locked first, as in :mod:`.services`. Also the reminders of meetings waiting for an answer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.audit import record
from app.core.clock import utcnow
from app.core.db import db
from app.core.refusals import Refused
from app.groups.models import PUBLISHED, MentoringGroup

from ..notifications import services as notifications
from . import rules
from .models import (
    Meeting,
    MeetingAttestation,
    MeetingChange,
)
from .services import (
    MeetingInput,
    _allow,
    _check,
    _flushed,
    _refuse,
    _remove,
    _require_meetings_open,
    _rewrite,
    lock_group,
    member_ids,
    pending_change,
    recount,
)

# --------------------------------------------------------------------------------------------
# Changing a counted meeting: proposed by a member, confirmed by the others; or a facilitator's
# --------------------------------------------------------------------------------------------


def _audit_change(action: str, change: MeetingChange, actor_id: int) -> None:
    # Ids and codes only: a facilitator's reason stays on the change, not in the log.
    db.session.flush()
    group = db.session.get_one(MentoringGroup, change.group_id)
    record(
        action,
        actor=actor_id,
        course=group.programme.course_id,
        target=f"mentoring_meeting_change:{change.id}",
        details={
            "meeting_id": change.meeting_id,
            "group_id": change.group_id,
            "kind": change.kind,
            "status": change.status,
        },
    )


def _new_change(
    meeting: Meeting, user_id: int, kind: str, values: dict[str, Any] | None = None, **fields: Any
) -> MeetingChange:
    """A change to propose, not yet in the session."""
    values = values or {}
    return MeetingChange(
        group_id=meeting.group_id,
        meeting_id=meeting.id,
        meeting_starts_at=meeting.starts_at,
        kind=kind,
        proposed_by_id=user_id,
        confirmers=sorted(rules.change_confirmers(meeting.attendee_ids(), values.get("attendee_ids", ()), user_id)),
        confirmed_ids=[],
        **values,
        **fields,
    )


def remind_waiting_meetings(_sender: object, now: datetime) -> None:
    """Remind, once, each attendee whose answer a meeting logged over three days ago still
    waits for (in groups still running)."""
    logged_before = now - rules.REMIND_AFTER
    waiting = db.session.execute(
        select(Meeting, MeetingAttestation.user_id)
        .join(MeetingAttestation, MeetingAttestation.meeting_id == Meeting.id)
        .join(MentoringGroup, MentoringGroup.id == Meeting.group_id)
        .where(
            MeetingAttestation.status == rules.PENDING,
            Meeting.created_at <= logged_before,
            MentoringGroup.status == PUBLISHED,
        )
        .options(selectinload(Meeting.group))
    ).all()
    for meeting, user_id in waiting:
        notifications.meeting_reminder(
            meeting.group.programme, meeting.id, meeting.logged_by_id, user_id, meeting.starts_at
        )


def nudge_pair(group: MentoringGroup, today: date) -> int:
    """Mail the members of a pair at risk a nudge (at most one a day); how many were queued."""
    return notifications.at_risk_nudge(group.programme, group.id, member_ids(group), today)


def _ask_confirmers(meeting: Meeting, change: MeetingChange, proposer_id: int) -> None:
    notifications.meeting_change(
        meeting.group.programme, change.id, proposer_id, list(change.confirmers), meeting.starts_at
    )


def propose_deletion(meeting: Meeting, user_id: int) -> MeetingChange:
    """An attendee proposes to remove a counted meeting; it stays counted until everyone else
    confirms the removal."""
    lock_group(meeting.group_id)
    _allow(meeting, user_id, "propose")
    change = _new_change(meeting, user_id, rules.DELETE)
    if not _flushed(lambda: db.session.add(change)):
        raise Refused("change_pending")  # another proposal won a parallel request
    _audit_change("mentoring.change_proposed", change, user_id)
    _ask_confirmers(meeting, change, user_id)
    return change


def propose_correction(
    meeting: Meeting, user_id: int, data: MeetingInput
) -> tuple[MeetingChange | None, rules.MeetingCheck]:
    """An attendee proposes new values for a counted meeting; the meeting keeps its values and
    counts as it is until everyone the correction touches confirms. Returns (change, check);
    refuses as ``log_meeting`` does."""
    group = meeting.group
    lock_group(group.id)
    _allow(meeting, user_id, "propose")
    check = _check(group, user_id, data, exclude_id=meeting.id)
    if not check.ok:
        raise _refuse(check.problems)
    change = _new_change(meeting, user_id, rules.CORRECT, _values(check, data))
    if not _flushed(lambda: db.session.add(change)):
        raise Refused("change_pending")
    _audit_change("mentoring.change_proposed", change, user_id)
    _ask_confirmers(meeting, change, user_id)
    return change, check


def _values(check: rules.MeetingCheck, data: MeetingInput) -> dict[str, Any]:
    return {
        "starts_at": check.starts_at,
        "duration_minutes": data.duration_minutes,
        "mode": data.mode,
        "attendee_ids": sorted(set(data.attendee_ids)),
    }


def _change_of(change: MeetingChange, user_id: int, action: str) -> Meeting:
    """Lock, reload and check a pending change; returns its meeting."""
    lock_group(change.group_id)
    db.session.refresh(change)
    meeting = change.meeting
    if change.status != rules.CHANGE_PENDING or meeting is None:
        _require_meetings_open(db.session.get_one(MentoringGroup, change.group_id))
        raise Refused("change_decided")
    _allow(meeting, user_id, action)
    return meeting


def confirm_change(change: MeetingChange, user_id: int) -> bool:
    """Confirm a proposed change; the last confirmation applies it. Returns True if applied."""
    meeting = _change_of(change, user_id, "confirm_change")
    change.confirmed_ids = sorted(set(change.confirmed_ids) | {user_id})
    agreed = rules.change_agreed(change.as_rule())
    if agreed:
        change.status = rules.CHANGE_APPLIED
        change.decided_by_id = user_id
        change.decided_at = utcnow()
    _audit_change("mentoring.change_confirmed", change, user_id)  # its status tells whether it applied
    if agreed:
        _apply(change, meeting, agreed=True)
    return agreed


def decline_change(change: MeetingChange, user_id: int) -> None:
    """Decline a proposed change: the meeting stays as it was; the proposer is told."""
    _close_change(change, user_id, "decline_change", rules.CHANGE_DECLINED, "mentoring.change_declined")


def withdraw_change(change: MeetingChange, user_id: int) -> None:
    """The proposer takes their proposal back."""
    _close_change(change, user_id, "withdraw_change", rules.CHANGE_WITHDRAWN, "mentoring.change_withdrawn")


def _close_change(change: MeetingChange, user_id: int, action: str, status: str, audit_action: str) -> None:
    """End a proposal without applying it, once ``action`` is allowed to this member."""
    _change_of(change, user_id, action)
    change.status = status
    change.decided_by_id = user_id
    change.decided_at = utcnow()
    db.session.flush()
    _audit_change(audit_action, change, user_id)


def _apply(change: MeetingChange, meeting: Meeting, *, agreed: bool) -> None:
    """Carry out a change. An agreed correction counts at once for everyone it names (all of
    them confirmed it); a facilitator's keeps the answers of the attendees who remain and asks
    anyone it adds."""
    programme = meeting.group.programme
    if change.kind == rules.DELETE:
        change.meeting = None  # the change stays, telling the members what happened
        db.session.flush()
        _remove(meeting)
        return
    before = meeting.attendee_ids()
    wanted = set(change.attendee_ids)

    def apply() -> None:
        now = utcnow()
        _rewrite(
            meeting,
            change.starts_at,
            change.duration_minutes,
            change.mode,
            wanted,
            lambda attendee: MeetingAttestation(
                user_id=attendee,
                status=rules.CONFIRMED if agreed else rules.PENDING,
                answered_at=now if agreed else None,
            ),
        )

    if not _flushed(apply):
        raise Refused("change_conflict")
    recount(programme, before | wanted)


def _override(
    meeting: Meeting, staff_id: int, reason: str, kind: str, values: dict[str, Any] | None = None
) -> MeetingChange:
    superseded = pending_change(meeting)
    now = utcnow()
    if superseded is not None:
        superseded.status = rules.CHANGE_SUPERSEDED
        superseded.decided_by_id = staff_id
        superseded.decided_at = now
        db.session.flush()  # frees the one-pending slot
    change = _new_change(
        meeting,
        staff_id,
        kind,
        values,
        reason=reason,
        status=rules.CHANGE_OVERRIDE,
        decided_by_id=staff_id,
        decided_at=now,
    )
    change.confirmers = []
    db.session.add(change)
    db.session.flush()
    _audit_change("mentoring.meeting_changed_by_facilitator", change, staff_id)
    _apply(change, meeting, agreed=False)
    return change


def _override_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    problem = rules.override_problem(reason)
    if problem:
        raise Refused(problem, max=rules.OVERRIDE_REASON_MAX)
    return reason


def facilitator_delete(meeting: Meeting, staff_id: int, reason: str) -> MeetingChange:
    """A facilitator removes a meeting at once, with a reason the members see."""
    reason = _override_reason(reason)
    lock_group(meeting.group_id)
    db.session.refresh(meeting)
    return _override(meeting, staff_id, reason, rules.DELETE)


def facilitator_correct(
    meeting: Meeting, staff_id: int, data: MeetingInput, reason: str
) -> tuple[MeetingChange | None, rules.MeetingCheck]:
    """A facilitator corrects a meeting at once, with a reason the members see. Returns
    (change, check); refuses as ``log_meeting`` does."""
    reason = _override_reason(reason)
    group = meeting.group
    lock_group(group.id)
    db.session.refresh(meeting)
    check = _check(group, None, data, exclude_id=meeting.id)
    if not check.ok:
        raise _refuse(check.problems)
    return _override(meeting, staff_id, reason, rules.CORRECT, _values(check, data)), check


def group_changes(group_id: int) -> list[MeetingChange]:
    """The group's changes of counted meetings, newest first."""
    return list(
        db.session.scalars(
            db.select(MeetingChange)
            .where(MeetingChange.group_id == group_id)
            .order_by(MeetingChange.created_at.desc(), MeetingChange.id.desc())
        )
    )
