"""Changes to a pair's agreement, meetings, checklists and status, each in the caller's
transaction (services flush, routes commit), and the gradebook score that follows a change in
counted meetings or in the required number N.

A meeting that counts changes only with the other side (:mod:`.changes`); the facilitators' view
of the pairs is :mod:`.progress`. Who may do what is decided by ``rules.meeting_actions``; every
step is audited.

Concurrency: every change to a group's meetings first locks the group's row
(``SELECT … FOR UPDATE`` on PostgreSQL), then writes, then recounts. Two members confirming at
the same moment are therefore serialised, and the second recount sees the first one's answer;
on SQLite the database's single writer lock does the same, because each change writes before it
recounts. Unique constraints (one answer per attendee, one meeting per group and start, one
version number per agreement, one acceptance per member and version) back this up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.clock import utc_to_helsinki, utcnow
from app.core.db import db, rowcount
from app.core.i18n import catalogue, normalise_locale
from app.core.labels import LANGUAGE_LABELS
from app.core.msgid import N_
from app.core.refusals import Refused
from app.groups import rules as group_rules
from app.groups.models import ENDED, PUBLISHED, GroupMember, MentoringGroup

from ..lti.gradebook import publish_score
from ..notifications import services as notifications
from ..people.models import Enrolment, User
from ..programme.models import Programme
from . import rules
from .models import (
    AGREEMENT_SECTIONS,
    Agreement,
    AgreementAcceptance,
    AgreementVersion,
    ChecklistTick,
    Meeting,
    MeetingAttestation,
    MeetingChange,
    MeetingCount,
)

log = logging.getLogger(__name__)

# The grade item the tool creates is named in the programme's main language (``main_language``).
GRADEBOOK_LABEL = N_("Mentoring")
END_REASON_MAX = 2000
AGREEMENT_SECTION_MAX = 5000


def resource_id(programme: Programme) -> str:
    """The graded activity's resource id in the gradebook (one per programme)."""
    return f"mentoring:{programme.id}"


# --------------------------------------------------------------------------------------------
# Finding a member's groups
# --------------------------------------------------------------------------------------------


def member_groups(user_id: int, programme_id: int) -> list[MentoringGroup]:
    """The groups this person belongs to in the programme that participants may see: the
    active one first, then ended ones, newest first."""
    groups = db.session.scalars(
        db.select(MentoringGroup)
        .join(GroupMember, GroupMember.group_id == MentoringGroup.id)
        .where(
            GroupMember.user_id == user_id,
            MentoringGroup.programme_id == programme_id,
            MentoringGroup.visible_to_participants,
        )
    ).all()
    return sorted(groups, key=lambda g: (g.status != PUBLISHED, -(g.published_at or g.created_at).timestamp()))


def member_ids(group: MentoringGroup) -> list[int]:
    return [m.user_id for m in group.members]


def _flushed(change: Callable[[], object]) -> bool:
    """Make ``change`` and flush it in a savepoint. On a unique-constraint violation (a parallel
    request won) only ``change`` is undone and False returned: the caller's earlier work in the
    transaction stays, for the route to commit or roll back."""
    try:
        with db.session.begin_nested():  # flushes the caller's pending work first, outside the savepoint
            change()
    except IntegrityError:
        return False
    return True


def lock_group(group_id: int) -> None:
    db.session.execute(db.select(MentoringGroup.id).where(MentoringGroup.id == group_id).with_for_update())


# --------------------------------------------------------------------------------------------
# Meetings
# --------------------------------------------------------------------------------------------


@dataclass
class MeetingInput:
    day: date | None
    at: time | None
    duration_minutes: int | None
    mode: str | None
    attendee_ids: list[int]


MEETING_HAS_PROBLEMS = "meeting_has_problems"  # Refused(..., problems=(rules.Problem, ...))


def _refuse(problems: tuple[rules.Problem, ...]) -> Refused:
    return Refused(MEETING_HAS_PROBLEMS, problems=problems)


def _require_active(group: MentoringGroup) -> None:
    if group.status != PUBLISHED:
        raise Refused("group_ended")


def _require_meetings_open(group: MentoringGroup) -> None:
    """Meetings are logged and confirmed from the first conversation (sounding out) on."""
    if group.status not in group_rules.MEETINGS_OPEN:
        raise Refused("group_ended")


def _taken(group: MentoringGroup, exclude_id: int | None) -> list[tuple[datetime, int]]:
    """(start, minutes) of the group's other meetings and of their pending corrections."""
    other = Meeting.id != (exclude_id or -1)
    spans = list(
        db.session.execute(
            db.select(Meeting.starts_at, Meeting.duration_minutes).where(Meeting.group_id == group.id, other)
        ).all()
    )
    spans += db.session.execute(
        db.select(MeetingChange.starts_at, MeetingChange.duration_minutes).where(
            MeetingChange.group_id == group.id,
            MeetingChange.status == rules.CHANGE_PENDING,
            MeetingChange.kind == rules.CORRECT,
            MeetingChange.meeting_id != (exclude_id or -1),
        )
    ).all()
    return [tuple(span) for span in spans]


def _check(
    group: MentoringGroup, user_id: int | None, data: MeetingInput, exclude_id: int | None = None
) -> rules.MeetingCheck:
    programme = group.programme
    # The first conversation (sounding out) comes before the kickoff; it is a meeting too.
    published_on = utc_to_helsinki(group.published_at).date() if group.published_at else programme.kickoff
    return rules.check_meeting(
        day=data.day,
        at=data.at,
        duration_minutes=data.duration_minutes,
        mode=data.mode,
        attendee_ids=data.attendee_ids,
        member_ids=member_ids(group),
        logger_id=user_id,
        kickoff=min(programme.kickoff, published_on),
        closing=programme.closing,
        min_minutes=programme.min_meeting_minutes,
        max_minutes=programme.max_meeting_minutes,
        now=utcnow(),
        taken=_taken(group, exclude_id),
    )


def log_meeting(group: MentoringGroup, user_id: int, data: MeetingInput) -> tuple[Meeting, rules.MeetingCheck]:
    """Log a meeting; the logger's entry is their confirmation. Returns (meeting, check: its
    notes); refuses with ``MEETING_HAS_PROBLEMS`` and the check's problems."""
    _require_meetings_open(group)
    lock_group(group.id)
    check = _check(group, user_id, data)
    if not check.ok:
        raise _refuse(check.problems)
    now = utcnow()
    meeting = Meeting(
        group_id=group.id,
        starts_at=check.starts_at,
        duration_minutes=data.duration_minutes,
        mode=data.mode,
        logged_by_id=user_id,
    )
    for attendee in sorted(set(data.attendee_ids)):
        mine = attendee == user_id
        meeting.attestations.append(
            MeetingAttestation(
                user_id=attendee,
                status=rules.CONFIRMED if mine else rules.PENDING,
                answered_at=now if mine else None,
            )
        )
    if not _flushed(lambda: db.session.add(meeting)):
        # Someone logged the same start in a parallel request.
        raise _refuse((rules.Problem("time", "duplicate"),))
    recount(group.programme, meeting.attendee_ids())
    notifications.meeting_waiting(group.programme, meeting.id, user_id, meeting.attendee_ids(), meeting.starts_at)
    return meeting, check


def correct_meeting(meeting: Meeting, user_id: int, data: MeetingInput) -> tuple[Meeting | None, rules.MeetingCheck]:
    """The logger corrects a meeting that does not count yet: everyone else is asked again."""
    group = meeting.group
    lock_group(group.id)
    _allow(meeting, user_id, "edit")
    check = _check(group, user_id, data, exclude_id=meeting.id)
    if not check.ok:
        raise _refuse(check.problems)
    before = meeting.attendee_ids()
    wanted = set(data.attendee_ids)

    def correct() -> None:
        now = utcnow()
        _rewrite(
            meeting,
            check.starts_at,
            data.duration_minutes,
            data.mode,
            wanted,
            lambda attendee: MeetingAttestation(user_id=attendee),
        )
        for attestation in meeting.attestations:
            mine = attestation.user_id == user_id
            attestation.status = rules.CONFIRMED if mine else rules.PENDING
            attestation.answered_at = now if mine else None
            attestation.reason = None

    if not _flushed(correct):
        raise _refuse((rules.Problem("time", "duplicate"),))
    recount(group.programme, before | wanted)
    return meeting, check


def _rewrite(
    meeting: Meeting,
    starts_at: datetime | None,
    duration_minutes: int | None,
    mode: str | None,
    wanted: set[int],
    attestation_for: Callable[[int], MeetingAttestation],
) -> None:
    """Give the meeting new values and attendees: those no longer wanted lose their attestation,
    new ones get ``attestation_for(user_id)``, the others keep theirs."""
    meeting.starts_at = starts_at
    meeting.duration_minutes = duration_minutes
    meeting.mode = mode
    meeting.revision += 1
    for attestation in list(meeting.attestations):
        if attestation.user_id not in wanted:
            meeting.attestations.remove(attestation)
    present = meeting.attendee_ids()
    for attendee in sorted(wanted - present):
        meeting.attestations.append(attestation_for(attendee))


def pending_change(meeting: Meeting) -> MeetingChange | None:
    return db.session.scalar(
        select(MeetingChange).where(
            MeetingChange.meeting_id == meeting.id, MeetingChange.status == rules.CHANGE_PENDING
        )
    )


def actions_for(meeting: Meeting, user_id: int, change: MeetingChange | None = None) -> rules.MeetingActions:
    """What this member may do with the meeting (``change``: its pending change, if known)."""
    return rules.meeting_actions(
        user_id,
        logger_id=meeting.logged_by_id,
        answers=meeting.answers(),
        change=change.as_rule() if change is not None else None,
        active=meeting.group.status in group_rules.MEETINGS_OPEN,
    )


def _allow(meeting: Meeting, user_id: int, action: str) -> MeetingChange | None:
    """Refuse, with the most telling reason, what ``rules.meeting_actions`` does not allow.
    Call with the group locked. Returns the meeting's pending change."""
    _require_meetings_open(meeting.group)
    db.session.refresh(meeting)
    change = pending_change(meeting)
    if getattr(actions_for(meeting, user_id, change), action):
        return change
    if action in ("confirm_change", "decline_change", "withdraw_change"):
        raise Refused("change_decided" if change is None else "not_confirmer")
    answers = meeting.answers()
    if user_id not in answers:
        raise Refused("not_attendee")
    if change is not None:
        raise Refused("change_pending")
    counted = rules.meeting_state(answers) == rules.COUNTED
    if counted and action != "confirm":
        raise Refused("meeting_counted")
    if action == "dispute":
        raise Refused("logger_cannot_dispute")
    if action in ("edit", "delete"):
        raise Refused("not_logger")
    raise Refused("not_attendee")


def _my_attestation(meeting: Meeting, user_id: int) -> MeetingAttestation:
    for attestation in meeting.attestations:
        if attestation.user_id == user_id:
            return attestation
    raise Refused("not_attendee")


def confirm_meeting(meeting: Meeting, user_id: int) -> bool:
    """Confirm one's attendance. Idempotent: returns False when it was already confirmed."""
    _require_meetings_open(meeting.group)
    lock_group(meeting.group_id)
    db.session.refresh(meeting)
    attestation = _my_attestation(meeting, user_id)
    changed = rowcount(
        db.session.execute(
            db.update(MeetingAttestation)
            .where(MeetingAttestation.id == attestation.id, MeetingAttestation.status != rules.CONFIRMED)
            .values(status=rules.CONFIRMED, reason=None, answered_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    if not changed:
        return False
    db.session.expire(meeting)
    recount(meeting.group.programme, meeting.attendee_ids())
    return True


def dispute_meeting(meeting: Meeting, user_id: int, reason: str) -> bool:
    """Dispute a meeting that does not count yet, with a short reason; the logger corrects it
    and all confirm again. A counted meeting is not disputed: its change is proposed."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise Refused("reason_missing")
    if len(reason) > rules.DISPUTE_REASON_MAX:
        raise Refused("reason_too_long", max=rules.DISPUTE_REASON_MAX)
    lock_group(meeting.group_id)
    _allow(meeting, user_id, "dispute")
    attestation = _my_attestation(meeting, user_id)
    if attestation.status == rules.DISPUTED and attestation.reason == reason:
        return False
    attestation.status = rules.DISPUTED
    attestation.reason = reason
    attestation.answered_at = utcnow()
    db.session.flush()
    recount(meeting.group.programme, meeting.attendee_ids())
    notifications.meeting_disputed(meeting.group.programme, meeting.id, meeting.logged_by_id, meeting.starts_at, reason)
    return True


def delete_meeting(meeting: Meeting, user_id: int) -> None:
    """The logger removes a meeting logged by mistake, before it counts."""
    lock_group(meeting.group_id)
    _allow(meeting, user_id, "delete")
    _remove(meeting)


def _remove(meeting: Meeting) -> None:
    attendees = meeting.attendee_ids()
    programme = meeting.group.programme
    db.session.delete(meeting)
    db.session.flush()
    recount(programme, attendees)


# --------------------------------------------------------------------------------------------
# Counting and the gradebook
# --------------------------------------------------------------------------------------------


def counted_for(programme_id: int, user_ids: Iterable[int]) -> dict[int, int]:
    """Counted meetings of these people in the programme, over all its agreed or ended groups (a
    rematched member keeps the meetings of their earlier pair; meetings of a group still sounding
    out count once it is agreed, for its members then). Reads the answers straight from the
    database, never from objects loaded before the group was locked."""
    user_ids = set(user_ids)
    attended = db.select(MeetingAttestation.meeting_id).where(MeetingAttestation.user_id.in_(list(user_ids)))
    rows = db.session.execute(
        db.select(MeetingAttestation.meeting_id, MeetingAttestation.user_id, MeetingAttestation.status)
        .join(Meeting, Meeting.id == MeetingAttestation.meeting_id)
        .join(MentoringGroup, MentoringGroup.id == Meeting.group_id)
        .join(
            GroupMember,
            (GroupMember.group_id == Meeting.group_id) & (GroupMember.user_id == MeetingAttestation.user_id),
        )
        .where(
            MentoringGroup.programme_id == programme_id,
            MentoringGroup.status.in_(group_rules.MEETINGS_COUNT),
            MeetingAttestation.meeting_id.in_(attended),
        )
    )
    answers: dict[int, dict[int, str]] = {}
    for meeting_id, user_id, status in rows:
        answers.setdefault(meeting_id, {})[user_id] = status
    counts = rules.counted_meetings(answers.values())
    return {uid: counts.get(uid, 0) for uid in user_ids}


def recount(programme: Programme, user_ids: Iterable[int]) -> set[int]:
    """Recount these people's meetings; store every changed count and queue every changed score
    (counted meetings, or N since the last score). Returns whose score was queued."""
    db.session.flush()
    counts = counted_for(programme.id, user_ids)
    rows = {
        row.user_id: row
        for row in db.session.scalars(
            db.select(MeetingCount).where(
                MeetingCount.programme_id == programme.id, MeetingCount.user_id.in_(list(counts))
            )
        )
    }
    now = utcnow()
    required = programme.required_meetings
    queued = set()
    for user_id, counted in sorted(counts.items()):
        row = rows.get(user_id)
        if row is None:
            if counted == 0:
                continue  # nothing was ever sent and nothing changed
            row = MeetingCount(programme_id=programme.id, user_id=user_id, counted=0)
            db.session.add(row)
        before = rules.completion_score(row.counted, row.required) if row.required else None
        score = rules.completion_score(counted, required)
        if row.counted != counted:
            row.counted = counted
            row.updated_at = now
        row.completed_at = (row.completed_at or now) if score.completed else None
        if score != before:  # beyond N the gradebook has nothing new to learn
            row.required = required
            _publish(programme, user_id, score)
            queued.add(user_id)
    return queued


def recount_group(group: MentoringGroup) -> set[int]:
    """A group was agreed: the meetings its members logged while sounding out count now."""
    return recount(group.programme, member_ids(group))


def recount_programme(programme: Programme) -> set[int]:
    """Recount everyone of the programme who has a count or attended a logged meeting, e.g.
    after N changed; queues only the scores that change. Returns whose score was queued."""
    people = set(db.session.scalars(db.select(MeetingCount.user_id).where(MeetingCount.programme_id == programme.id)))
    people |= set(
        db.session.scalars(
            db.select(MeetingAttestation.user_id)
            .join(Meeting, Meeting.id == MeetingAttestation.meeting_id)
            .join(MentoringGroup, MentoringGroup.id == Meeting.group_id)
            .where(MentoringGroup.programme_id == programme.id)
        )
    )
    return recount(programme, people) if people else set()


def score_comment(score: rules.Score, locale: str) -> str:
    """The gradebook comment in the participant's language. Loaded from the catalogue directly,
    since scores also change outside requests (demo seed, command line)."""
    text = catalogue(locale).ungettext(
        "%(given)s/%(num)s meeting confirmed", "%(given)s/%(num)s meetings confirmed", score.maximum
    )
    return text % {"given": score.given, "num": score.maximum}


def _publish(programme: Programme, user_id: int, score: rules.Score) -> None:
    enrolment = db.session.scalar(
        db.select(Enrolment).where(Enrolment.course_id == programme.course_id, Enrolment.user_id == user_id)
    )
    if enrolment is None:
        # Only enrolled people can be graded; the count is kept and sent if they enrol later.
        log.warning("no enrolment to grade", extra={"user_id": user_id, "programme_id": programme.id})
        return
    user = db.session.get_one(User, user_id)
    locale = normalise_locale(user.locale) or "fi"
    publish_score(
        enrolment,
        resource_id(programme),
        score.given,
        score.maximum,
        score.activity_progress,
        score.grading_progress,
        score_comment(score, locale),
        label=catalogue(programme.main_language).gettext(GRADEBOOK_LABEL),
    )


# --------------------------------------------------------------------------------------------
# Agreement
# --------------------------------------------------------------------------------------------


def agreement_of(group: MentoringGroup) -> Agreement | None:
    return db.session.scalar(select(Agreement).where(Agreement.group_id == group.id))


def suggested_agreement(group: MentoringGroup) -> dict[str, str]:
    """A first draft from the members' registrations and the programme's rules, in the viewer's
    language: the aktori's goals first (in peer mentoring everyone's), everyone's contact,
    the languages they share."""
    programme = group.programme
    members = list(group.members)
    order = {"aktori": 0, "peer": 1, "mentor": 2}
    goals = []
    for member in sorted(members, key=lambda m: order.get(m.role, 3)):
        text = (member.registration.goals if member.registration else "").strip()
        if text and member.role != "mentor":
            goals.append(f"{member.user.display_name}: {text}")
    contact = [
        f"{m.user.display_name}: {m.user.email or ''}".rstrip(": ")
        + (
            f" – {m.registration.meeting_preferences.strip()}"
            if m.registration and m.registration.meeting_preferences.strip()
            else ""
        )
        for m in members
    ]
    shared = None
    for member in members:
        spoken = set(member.registration.languages) if member.registration else None
        if spoken:
            shared = spoken if shared is None else shared & spoken
    languages = ", ".join(str(LANGUAGE_LABELS[c]).lower() for c in LANGUAGE_LABELS if c in (shared or {"fi"}))
    return {
        "confidentiality": _(
            "What we discuss stays between us. We do not pass on anything said in our meetings "
            "without the other's permission, and the confidentiality continues after the programme."
        ),
        "contact": "\n".join(contact),
        "time_use": _(
            "We meet at least %(count)s times during the programme, %(min)s–%(max)s minutes at a "
            "time, about once a month. Whoever logs a meeting in the tool does so within a week.",
            count=programme.required_meetings,
            min=programme.min_meeting_minutes,
            max=programme.max_meeting_minutes,
        ),
        "goals": "\n".join(goals),
        "language": _("We speak %(languages)s.", languages=languages),
    }


def save_agreement(group: MentoringGroup, user_id: int, base_number: int, texts: dict[str, str]) -> AgreementVersion:
    """Save a new version on top of version ``base_number`` (0: none yet). If someone saved
    meanwhile, raises ``Refused("agreement_conflict")`` and nothing is written. Returns the
    version (the current one when nothing changed)."""
    _require_active(group)
    cleaned = {}
    for section in AGREEMENT_SECTIONS:
        value = (texts.get(section) or "").replace("\r\n", "\n").strip()
        if len(value) > AGREEMENT_SECTION_MAX:
            raise Refused("section_too_long", section=section, max=AGREEMENT_SECTION_MAX)
        cleaned[section] = value
    if not any(cleaned.values()):
        raise Refused("agreement_empty")
    lock_group(group.id)
    agreement = agreement_of(group)
    current = agreement.current if agreement else None
    current_number = current.number if current else 0
    if base_number != current_number:
        raise Refused("agreement_conflict", number=current_number)
    if current is not None and all(getattr(current, s) == cleaned[s] for s in AGREEMENT_SECTIONS):
        return current
    version = AgreementVersion(number=current_number + 1, created_by_id=user_id, **cleaned)

    def add_version() -> None:
        new = agreement if agreement is not None else Agreement(group_id=group.id)
        db.session.add(new)
        new.versions.append(version)

    if not _flushed(add_version):
        raise Refused("agreement_conflict", number=current_number + 1)
    notifications.agreement_version(group.programme, group.id, version.number, user_id, member_ids(group))
    return version


def accept_agreement(group: MentoringGroup, user_id: int, number: int) -> bool:
    """Accept version ``number``, which must be the current one. Idempotent."""
    _require_active(group)
    agreement = agreement_of(group)
    current = agreement.current if agreement else None
    if current is None:
        raise Refused("agreement_missing")
    if current.number != number:
        raise Refused("agreement_conflict", number=current.number)
    if user_id in current.acceptor_ids():
        return False
    acceptance = AgreementAcceptance(version_id=current.id, user_id=user_id)
    return _flushed(lambda: db.session.add(acceptance))  # False: accepted in a parallel request


# --------------------------------------------------------------------------------------------
# Ending early, checklists
# --------------------------------------------------------------------------------------------


def end_group(group: MentoringGroup, user_id: int, reason: str) -> None:
    """End a pair or group before the programme ends. Counted meetings stay counted; the
    reason is for the facilitator."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused("reason_missing")
    if len(reason) > END_REASON_MAX:
        raise Refused("reason_too_long", max=END_REASON_MAX)
    _require_active(group)
    group.status = ENDED
    group.ended_at = utcnow()
    group.ended_by_id = user_id
    group.end_reason = reason


def ticked_items(group_id: int) -> dict[str, ChecklistTick]:
    return {
        t.item_id: t for t in db.session.scalars(db.select(ChecklistTick).where(ChecklistTick.group_id == group_id))
    }


def set_tick(group: MentoringGroup, user_id: int, item_id: str, ticked: bool) -> None:
    """Tick or untick one item for the whole pair. Idempotent both ways."""
    _require_active(group)
    existing = db.session.scalar(
        db.select(ChecklistTick).where(ChecklistTick.group_id == group.id, ChecklistTick.item_id == item_id)
    )
    if ticked and existing is None:
        tick = ChecklistTick(group_id=group.id, item_id=item_id, ticked_by_id=user_id)
        _flushed(lambda: db.session.add(tick))  # False: ticked by the other member at the same moment, as good
    elif not ticked and existing is not None:
        db.session.delete(existing)
