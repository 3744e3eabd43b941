"""The evaluation's reads and writes. Services flush; the route commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.core import clock
from app.core.db import db
from app.core.refusals import Refused
from app.groups.models import GroupMember, MentoringGroup
from app.mentoring import journal
from app.mentoring.models import JournalEntry, Meeting, MeetingAttestation
from app.mentoring.rules import CONFIRMED
from app.notifications import services as notifications
from app.programme.models import Programme, Registration, Theme

from . import rules
from .models import MeetingCheckIn, Survey, SurveyParticipation, SurveyResponse

CHECKIN_DAYS = 14  # how long after confirming a meeting the check-in is offered
CHECKIN_MEETING_DAYS = 30  # and only for a meeting of the last month (not one confirmed late)


# --------------------------------------------------------------------------------------------------
# Surveys


def window(programme: Programme, kind: str) -> rules.Window:
    return rules.window(kind, programme.kickoff, programme.midpoint, programme.closing)


def survey_of(programme: Programme, kind: str) -> Survey | None:
    survey: Survey | None = db.session.scalar(db.select(Survey).filter_by(programme_id=programme.id, kind=kind))
    return survey


def questions_of(programme: Programme, kind: str) -> list[dict[str, Any]]:
    survey = survey_of(programme, kind)
    return list(survey.questions) if survey else rules.default_questions()


def _flush(refusal: str) -> None:
    """Flush; a unique constraint broken by a parallel request becomes ``Refused(refusal)`` (the
    route rolls back; each service call is one unit of work, so nothing else is lost)."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Refused(refusal, 409) from exc


def _ensure(programme: Programme, kind: str) -> Survey:
    survey = survey_of(programme, kind)
    if survey is None:
        survey = Survey(programme_id=programme.id, kind=kind, questions=rules.default_questions())
        db.session.add(survey)
        _flush("evaluation_try_again")
    return survey


def answer_count(survey: Survey | None) -> int:
    if survey is None:
        return 0
    return db.session.scalar(db.select(db.func.count()).where(SurveyResponse.survey_id == survey.id)) or 0


def save_questions(programme: Programme, kind: str, questions: list[dict[str, Any]]) -> Survey:
    survey = _ensure(programme, kind)
    if not rules.may_edit_questions(window(programme, kind), clock.helsinki_today(), answer_count(survey) > 0):
        raise Refused("evaluation_questions_locked", 409)
    survey.questions = questions
    db.session.flush()
    return survey


def has_answered(programme: Programme, kind: str, user_id: int) -> bool:
    survey = survey_of(programme, kind)
    return survey is not None and (
        db.session.scalar(db.select(SurveyParticipation.id).filter_by(survey_id=survey.id, user_id=user_id)) is not None
    )


def respondent(programme: Programme, user_id: int) -> tuple[str, int | None] | None:
    """The role and organisation a person answers as: their matched role, else the role they
    registered for; None when they take no part in the programme."""
    registration = db.session.scalar(db.select(Registration).filter_by(programme_id=programme.id, user_id=user_id))
    member_role = db.session.scalar(
        db.select(GroupMember.role)
        .join(MentoringGroup, MentoringGroup.id == GroupMember.group_id)
        .where(MentoringGroup.programme_id == programme.id, GroupMember.user_id == user_id)
        .order_by(GroupMember.id)
        .limit(1)
    )
    if member_role is None and (registration is None or not registration.active):
        return None
    role = member_role or (registration.role_wish if registration else "peer")
    if role not in ("mentor", "aktori", "peer"):
        role = "peer"  # "any role": no role of their own to slice by
    return role, registration.organisation_id if registration else None


def open_surveys(programme: Programme, user_id: int) -> list[str]:
    """The kinds of survey open today that this person may still answer."""
    today = clock.helsinki_today()
    if respondent(programme, user_id) is None:
        return []
    return [
        kind
        for kind in rules.KINDS
        if rules.state(window(programme, kind), today) == "open" and not has_answered(programme, kind, user_id)
    ]


def unanswered(programme: Programme, kind: str) -> list[int]:
    """The people who may answer the survey (see ``respondent``) and have not."""
    members = db.select(GroupMember.user_id).join(MentoringGroup, MentoringGroup.id == GroupMember.group_id)
    registered = db.select(Registration.user_id).where(
        Registration.programme_id == programme.id, Registration.withdrawn_at.is_(None)
    )
    answered = db.select(SurveyParticipation.user_id).join(Survey, Survey.id == SurveyParticipation.survey_id)
    people = set(db.session.scalars(members.where(MentoringGroup.programme_id == programme.id)))
    people |= set(db.session.scalars(registered))
    people -= set(db.session.scalars(answered.where(Survey.programme_id == programme.id, Survey.kind == kind)))
    return sorted(people)


def remind(programme: Programme, today: date | None = None) -> int:
    """Queue the survey reminders due ``today`` (``rules.reminder_stage``; default: today in
    Helsinki) for those who have not answered, through the notifications outbox; each person gets
    each reminder once, however often this runs. Returns how many were queued now."""
    today = today or clock.helsinki_today()
    queued = 0
    for kind in rules.KINDS:
        w = window(programme, kind)
        stage = rules.reminder_stage(w, today)
        if stage is not None:
            queued += notifications.survey_reminder(programme, kind, stage, w.closes, unanswered(programme, kind))
    return queued


def remind_all(today: date | None = None) -> dict[int, int]:
    """``remind`` for every programme: how many were queued now, by programme id."""
    programmes = db.session.scalars(db.select(Programme).order_by(Programme.id))
    return {programme.id: remind(programme, today) for programme in programmes}


def remind_due(_sender: object, now: datetime) -> None:
    """A receiver of the mail worker's ``mail_due``: the reminders due on ``now``'s Helsinki day,
    so nobody has to run ``flask evaluation remind``; their keys make each go once."""
    remind_all(clock.utc_to_helsinki(now).date())


def answer(programme: Programme, kind: str, user_id: int, answers: dict[str, int | str]) -> None:
    """Store the answers apart from the person; the participation row refuses a second answer
    (the unique constraint settles two tabs answering at once)."""
    if rules.state(window(programme, kind), clock.helsinki_today()) != "open":
        raise Refused("evaluation_survey_not_open", 409)
    who = respondent(programme, user_id)
    if who is None:
        raise Refused("evaluation_not_a_participant", 403)
    survey = _ensure(programme, kind)
    if has_answered(programme, kind, user_id):
        raise Refused("evaluation_already_answered", 409)
    role, organisation_id = who
    db.session.add(SurveyParticipation(survey_id=survey.id, user_id=user_id))
    db.session.add(SurveyResponse(survey_id=survey.id, role=role, organisation_id=organisation_id, answers=answers))
    _flush("evaluation_already_answered")


def responses(survey: Survey | None) -> list[rules.Response]:
    if survey is None:
        return []
    rows = db.session.scalars(db.select(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    return [rules.Response(r.role, r.organisation_id, dict(r.answers)) for r in rows]


def results(programme: Programme, kind: str, organisation: int | None = None) -> rules.Results:
    """The survey's results under the k ≥ 5 rule; ``organisation`` gives one organisation's slice
    (for the agency contacts' view once it exists) under the same rule."""
    return rules.results(questions_of(programme, kind), responses(survey_of(programme, kind)), organisation)


# --------------------------------------------------------------------------------------------------
# Meeting check-ins


def _confirmed_by(meeting: Meeting, user_id: int) -> MeetingAttestation | None:
    attestation: MeetingAttestation | None = db.session.scalar(
        db.select(MeetingAttestation).filter_by(meeting_id=meeting.id, user_id=user_id, status=CONFIRMED)
    )
    return attestation


def checkin_due(meetings: Sequence[Meeting], user_id: int) -> list[Meeting]:
    """Meetings of the last month this member confirmed in the last two weeks and has not
    checked in on."""
    now = clock.utcnow()
    since = now - timedelta(days=CHECKIN_DAYS)
    ids = [m.id for m in meetings if m.starts_at >= now - timedelta(days=CHECKIN_MEETING_DAYS)]
    if not ids:
        return []
    recent = set(
        db.session.scalars(
            db.select(MeetingAttestation.meeting_id).where(
                MeetingAttestation.meeting_id.in_(ids),
                MeetingAttestation.user_id == user_id,
                MeetingAttestation.status == CONFIRMED,
                MeetingAttestation.answered_at >= since,
            )
        )
    )
    done = set(
        db.session.scalars(
            db.select(MeetingCheckIn.meeting_id).where(
                MeetingCheckIn.user_id == user_id, MeetingCheckIn.meeting_id.in_(list(recent))
            )
        )
    )
    return [m for m in meetings if m.id in recent and m.id not in done]


def check_in(meeting: Meeting, user_id: int, pulse: int, note: str) -> None:
    """One pulse per member and meeting; the optional note goes to their private journal."""
    if _confirmed_by(meeting, user_id) is None:
        raise Refused("evaluation_checkin_not_confirmed", 409)
    if pulse not in rules.SCALE_VALUES:
        raise Refused("evaluation_checkin_pulse", 422)
    if len(note) > journal.BODY_MAX:
        raise Refused("evaluation_checkin_note_long", 422, max=journal.BODY_MAX)
    exists = db.session.scalar(db.select(MeetingCheckIn.id).filter_by(meeting_id=meeting.id, user_id=user_id))
    if exists is not None:
        raise Refused("evaluation_checkin_done", 409)
    db.session.add(MeetingCheckIn(meeting_id=meeting.id, user_id=user_id, pulse=pulse))
    if note.strip():
        programme_id = db.session.scalar(
            db.select(MentoringGroup.programme_id).where(MentoringGroup.id == meeting.group_id)
        )
        db.session.add(
            JournalEntry(
                user_id=user_id, programme_id=programme_id, prompt_id="after-meeting", body=journal.encrypt(note)
            )
        )
    _flush("evaluation_checkin_done")


def low_streak_groups(group_ids: Sequence[int]) -> set[int]:
    """The pairs whose two latest checked-in meetings were both low (``rules.low_streak``)."""
    if not group_ids:
        return set()
    rows = db.session.execute(
        db.select(Meeting.group_id, Meeting.id, MeetingCheckIn.pulse)
        .join(MeetingCheckIn, MeetingCheckIn.meeting_id == Meeting.id)
        .where(Meeting.group_id.in_(list(group_ids)))
        .order_by(Meeting.group_id, Meeting.starts_at, Meeting.id)
    ).all()
    by_group: dict[int, dict[int, list[int]]] = {}
    for group_id, meeting_id, pulse in rows:
        by_group.setdefault(group_id, {}).setdefault(meeting_id, []).append(pulse)
    return {group_id for group_id, meetings in by_group.items() if rules.low_streak(list(meetings.values()))}


def pulse_trend(programme: Programme) -> list[tuple[str, int, float | None]]:
    """The programme's check-ins per month of the meeting, averages only where K or more."""
    rows = db.session.execute(
        db.select(Meeting.starts_at, MeetingCheckIn.pulse)
        .join(MeetingCheckIn, MeetingCheckIn.meeting_id == Meeting.id)
        .join(MentoringGroup, MentoringGroup.id == Meeting.group_id)
        .where(MentoringGroup.programme_id == programme.id)
    ).all()
    by_month: dict[str, list[int]] = {}
    for starts_at, pulse in rows:
        by_month.setdefault(clock.utc_to_helsinki(starts_at).strftime("%Y-%m"), []).append(pulse)
    return rules.pulse_trend(by_month)


# --------------------------------------------------------------------------------------------------
# Themes wanted against offered


def programmes_of_course(course_id: int) -> list[Programme]:
    return list(
        db.session.scalars(db.select(Programme).where(Programme.course_id == course_id).order_by(Programme.kickoff))
    )


def wishes(programme: Programme) -> list[rules.Wish]:
    """Each active registration's themes, with the wanted themes its matched mentors offer."""
    registrations = list(
        db.session.scalars(
            db.select(Registration).where(
                Registration.programme_id == programme.id, Registration.withdrawn_at.is_(None)
            )
        )
    )
    offered_by = {r.user_id: frozenset(r.themes_offered or ()) for r in registrations}
    members = db.session.execute(
        db.select(GroupMember.group_id, GroupMember.user_id, GroupMember.role)
        .join(MentoringGroup, MentoringGroup.id == GroupMember.group_id)
        .where(MentoringGroup.programme_id == programme.id, MentoringGroup.status != "draft")
    ).all()
    role_of = {user_id: role for _g, user_id, role in members}
    groups: dict[int, list[tuple[int, str]]] = {}
    for group_id, user_id, role in members:
        groups.setdefault(group_id, []).append((user_id, role))
    supply: dict[int, frozenset[str]] = {}  # what the others in each person's groups offer
    for people in groups.values():
        for user_id, _role in people:
            others = [offered_by.get(o, frozenset()) for o, role in people if o != user_id and role != "aktori"]
            supply[user_id] = supply.get(user_id, frozenset()).union(*others)
    result = []
    for r in registrations:
        wanted = frozenset(r.themes_wanted or ())
        role = role_of.get(r.user_id, r.role_wish)
        result.append(
            rules.Wish(
                role, r.organisation_id, wanted, offered_by[r.user_id], wanted & supply.get(r.user_id, frozenset())
            )
        )
    return result


def themes_report(programme: Programme, organisation: int | None = None) -> list[rules.ThemeRow]:
    codes = db.session.scalars(
        db.select(Theme.code).where(Theme.programme_id == programme.id).order_by(Theme.position, Theme.id)
    )
    return rules.themes(wishes(programme), list(codes), organisation)
