"""The mentoring rules as pure functions: which meetings count, the gradebook score, what a
logged meeting may look like, who may change a meeting and how, Helsinki wall-clock times, and
what waits for a member.

No database, no request, no clock: callers pass ``now`` and ``today``. The web layer turns the
problem and reminder codes returned here into words.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from app.core.clock import NonexistentTime, helsinki_to_utc

# How a meeting was held. No field anywhere asks what was discussed.
MODES = ("video", "phone", "in_person")

# One attendee's answer to a logged meeting. The logger's own entry is their confirmation.
PENDING = "pending"
CONFIRMED = "confirmed"
DISPUTED = "disputed"
ANSWERS = (PENDING, CONFIRMED, DISPUTED)

# Meeting states as members and facilitators see them.
COUNTED = "counted"

# A duration longer than a working day is a typing mistake, not a mentoring meeting.
MAX_DURATION_MINUTES = 8 * 60
DISPUTE_REASON_MAX = 500

# The programme's reminders and at-risk flags.
QUIET_WEEKS = 6
AGREEMENT_BEFORE_MEETING = 3  # the agreement should be accepted before the third meeting
AGREEMENT_GRACE_DAYS = 21  # facilitators' flag: unaccepted three weeks after publication
REMIND_AFTER = timedelta(days=3)  # a meeting still unanswered this long after it was logged: one mail

# Gradebook vocabulary (LTI AGS).
IN_PROGRESS = "InProgress"
COMPLETED = "Completed"
FULLY_GRADED = "FullyGraded"


# --------------------------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------------------------


def meeting_state(answers: Mapping[int, str]) -> str:
    """``counted`` once every attendee (at least two) has confirmed; ``disputed`` if anyone
    disputed; otherwise ``pending``."""
    values = list(answers.values())
    if DISPUTED in values:
        return DISPUTED
    if len(values) >= 2 and all(v == CONFIRMED for v in values):
        return COUNTED
    return PENDING


def counted_meetings(meetings: Iterable[Mapping[int, str]]) -> Counter[int]:
    """Counted meetings per person. Each meeting is its attendees' answers (user id → answer);
    a counted meeting counts for its attendees only, so a group member who was absent gets
    nothing for it, and peers, mentors and aktoris count alike."""
    counts: Counter[int] = Counter()
    for answers in meetings:
        if meeting_state(answers) == COUNTED:
            counts.update(answers.keys())
    return counts


@dataclass(frozen=True)
class Score:
    """One gradebook score as LTI AGS wants it."""

    given: int
    maximum: int
    activity_progress: str
    grading_progress: str

    @property
    def completed(self) -> bool:
        return self.activity_progress == COMPLETED


def completion_score(counted: int, required: int) -> Score:
    """Counted meetings over N, capped at N. Always FullyGraded: Moodle keeps no grade otherwise,
    and partial progress must show as, e.g., 4/6."""
    required = max(1, required)
    given = max(0, min(counted, required))
    progress = COMPLETED if given >= required else IN_PROGRESS
    return Score(given, required, progress, FULLY_GRADED)


# --------------------------------------------------------------------------------------------
# A logged meeting: what is refused and what is only noted
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One reason to refuse (``field`` names the form field; ``params`` fill the message)."""

    field: str
    code: str
    # ``dataclasses.field``: the class's own ``field`` attribute hides the imported name for a type checker.
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class MeetingCheck:
    starts_at: datetime | None  # naive UTC, when the date and time were usable
    problems: tuple[Problem, ...]
    notes: tuple[Problem, ...]  # accepted, but shown to the members

    @property
    def ok(self) -> bool:
        return not self.problems


def check_meeting(
    *,
    day: date | None,
    at: time | None,
    duration_minutes: int | None,
    mode: str | None,
    attendee_ids: Iterable[int],
    member_ids: Iterable[int],
    logger_id: int | None,
    kickoff: date,
    closing: date,
    min_minutes: int,
    max_minutes: int,
    now: datetime,
    taken: Iterable[tuple[datetime, int]] = (),
) -> MeetingCheck:
    """Check a meeting as logged or corrected. ``now`` is naive UTC; ``taken`` are the (start,
    minutes) spans of the group's other meetings and of their pending corrections, since the same
    members cannot be in two meetings at once. ``logger_id`` None: a facilitator's correction,
    which need not include its author."""
    problems: list[Problem] = []
    notes: list[Problem] = []
    starts_at = None
    if day is None:
        problems.append(Problem("date", "date_missing"))
    if at is None:
        problems.append(Problem("time", "time_missing"))
    if day is not None and at is not None:
        try:
            starts_at = helsinki_to_utc(day, at)
        except NonexistentTime:
            problems.append(Problem("time", "time_nonexistent"))
    if starts_at is not None:
        if starts_at > now:
            problems.append(Problem("date", "in_future"))
        elif day is None or day < kickoff or day > closing:
            problems.append(Problem("date", "outside_programme", {"start": kickoff, "end": closing}))
        else:
            clash = overlapping(starts_at, duration_minutes if duration_minutes and duration_minutes > 0 else 1, taken)
            if clash is not None:
                problems.append(Problem("time", "duplicate" if clash == starts_at else "overlap", {"start": clash}))
    if duration_minutes is None:
        problems.append(Problem("duration", "duration_missing"))
    elif duration_minutes <= 0:
        problems.append(Problem("duration", "duration_not_positive"))
    elif duration_minutes > MAX_DURATION_MINUTES:
        problems.append(Problem("duration", "duration_absurd", {"max": MAX_DURATION_MINUTES}))
    elif not min_minutes <= duration_minutes <= max_minutes:
        notes.append(Problem("duration", "duration_outside_bounds", {"min": min_minutes, "max": max_minutes}))
    if mode not in MODES:
        problems.append(Problem("mode", "mode_unknown"))
    attendees = set(attendee_ids)
    members = set(member_ids)
    if not attendees <= members:
        problems.append(Problem("attendees", "attendee_not_member"))
    elif logger_id is not None and logger_id not in attendees:
        problems.append(Problem("attendees", "logger_absent"))
    elif len(attendees) < 2:
        problems.append(Problem("attendees", "too_few_attendees"))
    return MeetingCheck(starts_at, tuple(problems), tuple(notes))


def overlapping(starts_at: datetime, minutes: int, taken: Iterable[tuple[datetime, int]]) -> datetime | None:
    """The start of the first span in ``taken`` that shares time with this one (a meeting ending
    at 10:00 and one starting at 10:00 do not overlap), or None."""
    ends_at = starts_at + timedelta(minutes=minutes)
    for other_start, other_minutes in sorted(taken):
        if other_start < ends_at and starts_at < other_start + timedelta(minutes=other_minutes):
            return other_start
    return None


def outside_bounds(duration_minutes: int, min_minutes: int, max_minutes: int) -> bool:
    return not min_minutes <= duration_minutes <= max_minutes


# --------------------------------------------------------------------------------------------
# Changing a meeting: who may do what
# --------------------------------------------------------------------------------------------

# A change to a counted meeting is proposed and waits for the other attendees; a facilitator's
# change applies at once, with a reason.
DELETE = "delete"
CORRECT = "correct"
CHANGE_KINDS = (DELETE, CORRECT)
CHANGE_PENDING = "pending"
CHANGE_APPLIED = "applied"  # every other attendee confirmed it
CHANGE_DECLINED = "declined"  # an attendee declined: the meeting stays as it was
CHANGE_WITHDRAWN = "withdrawn"  # its proposer took it back
CHANGE_SUPERSEDED = "superseded"  # a facilitator changed the meeting meanwhile
CHANGE_OVERRIDE = "facilitator"  # a facilitator's own change, applied at once
CHANGE_STATUSES = (
    CHANGE_PENDING,
    CHANGE_APPLIED,
    CHANGE_DECLINED,
    CHANGE_WITHDRAWN,
    CHANGE_SUPERSEDED,
    CHANGE_OVERRIDE,
)
OVERRIDE_REASON_MAX = 1000


@dataclass(frozen=True)
class PendingChange:
    """A proposed change of a counted meeting, as the permission rules need it."""

    proposer_id: int
    confirmers: frozenset[int]  # who must confirm it (see ``change_confirmers``)
    confirmed: frozenset[int]  # who already did


def change_confirmers(attendees: Iterable[int], new_attendees: Iterable[int], proposer_id: int) -> frozenset[int]:
    """Everyone whose count the change touches, except its proposer: the meeting's attendees
    (their count would drop) and, for a correction, anyone it adds (their attendance is
    attested by confirming)."""
    return frozenset(set(attendees) | set(new_attendees)) - {proposer_id}


def change_agreed(change: PendingChange) -> bool:
    """A proposed change applies once every confirmer has confirmed it."""
    return change.confirmers <= change.confirmed


@dataclass(frozen=True)
class MeetingActions:
    """What one member may do with one meeting. Decided here, shown by the template and
    enforced by the services, so the page never offers what the server would refuse."""

    confirm: bool = False  # confirm their attendance
    dispute: bool = False
    edit: bool = False  # correct it directly (not yet counted; its logger)
    delete: bool = False  # remove it directly (not yet counted; its logger)
    propose: bool = False  # propose a correction or removal (counted; any attendee)
    confirm_change: bool = False
    decline_change: bool = False
    withdraw_change: bool = False


def meeting_actions(
    viewer_id: int, *, logger_id: int | None, answers: Mapping[int, str], change: PendingChange | None, active: bool
) -> MeetingActions:
    """What ``viewer_id`` may do with a meeting (``answers``: its attendees' answers; ``change``:
    its pending proposal, if any).

    A meeting that does not count yet is its logger's to correct or remove, and the others'
    to confirm or dispute. Once it counts, nobody changes it alone: any attendee may propose a
    correction or removal, which waits for everyone else it touches, one proposal at a time; its
    proposer may withdraw it. An ended pair's meetings are read-only."""
    if not active:
        return MeetingActions()
    if change is not None:
        waiting_for_me = viewer_id in change.confirmers and viewer_id not in change.confirmed
        return MeetingActions(
            confirm_change=waiting_for_me,
            decline_change=waiting_for_me,
            withdraw_change=viewer_id == change.proposer_id,
        )
    if viewer_id not in answers:
        return MeetingActions()
    if meeting_state(answers) == COUNTED:
        return MeetingActions(propose=True)
    logger = viewer_id == logger_id
    return MeetingActions(
        confirm=not logger and answers[viewer_id] != CONFIRMED,
        dispute=not logger,
        edit=logger,
        delete=logger,
    )


def override_problem(reason: str) -> str | None:
    """A facilitator's change needs a stated reason, kept with the change and shown to members."""
    if not reason:
        return "reason_missing"
    if len(reason) > OVERRIDE_REASON_MAX:
        return "reason_too_long"
    return None


# --------------------------------------------------------------------------------------------
# Agreement
# --------------------------------------------------------------------------------------------


def agreement_accepted(acceptors: Iterable[int], member_ids: Iterable[int]) -> bool:
    """A version is in force once every current member has accepted it."""
    members = set(member_ids)
    return bool(members) and members <= set(acceptors)


# --------------------------------------------------------------------------------------------
# What waits for a member, and facilitators' at-risk flags
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    urgent: bool = False


@dataclass(frozen=True)
class PairFacts:
    """What the reminders need to know about one pair or group, seen by one member."""

    active: bool  # published, not ended
    published_on: date | None
    has_agreement: bool
    agreement_accepted: bool  # the current version, by everyone
    accepted_by_me: bool
    meetings_logged: int  # not disputed
    awaiting_me: int  # meetings I attended and have not answered
    disputed_mine: int  # meetings I logged that someone disputed
    last_meeting_on: date | None  # the latest meeting that is not disputed
    last_counted_on: date | None
    counted_for_me: int
    required: int
    closing: date
    changes_awaiting_me: int = 0  # proposed changes of counted meetings that wait for my answer


def reminders(facts: PairFacts, today: date) -> list[Reminder]:
    """What waits for this member, most pressing first."""
    out: list[Reminder] = []
    if facts.awaiting_me:
        out.append(Reminder("confirm_meetings", {"count": facts.awaiting_me}, urgent=True))
    if facts.changes_awaiting_me and facts.active:  # an ended pair's meetings no longer change
        out.append(Reminder("answer_changes", {"count": facts.changes_awaiting_me}, urgent=True))
    if facts.disputed_mine:
        out.append(Reminder("correct_disputed", {"count": facts.disputed_mine}, urgent=True))
    if not facts.active:
        return out
    late = facts.meetings_logged >= AGREEMENT_BEFORE_MEETING - 1
    if not facts.has_agreement:
        out.append(Reminder("write_agreement", urgent=late))
    elif not facts.accepted_by_me:
        out.append(Reminder("accept_agreement", urgent=late))
    if today <= facts.closing and facts.counted_for_me < facts.required:
        since = facts.last_meeting_on or facts.published_on
        if since is not None and today - since >= timedelta(weeks=QUIET_WEEKS):
            out.append(Reminder("no_meeting_weeks", {"weeks": QUIET_WEEKS}, urgent=True))
        elif facts.last_meeting_on is None:
            out.append(Reminder("log_first_meeting"))
    return out


def at_risk(facts: PairFacts, today: date) -> list[str]:
    """Facilitators' flags for one pair: no confirmed meeting in six weeks, agreement
    unaccepted three weeks after publication."""
    flags: list[str] = []
    if not facts.active or facts.published_on is None or today > facts.closing:
        return flags
    since = facts.last_counted_on or facts.published_on
    if today - since >= timedelta(weeks=QUIET_WEEKS):
        flags.append("quiet")
    if not facts.agreement_accepted and today - facts.published_on >= timedelta(days=AGREEMENT_GRACE_DAYS):
        flags.append("agreement_unaccepted")
    return flags
