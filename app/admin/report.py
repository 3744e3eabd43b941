"""The completion report's queries. Everything is aggregated in SQL, so a report costs the same
few queries whether the programme has ten participants or ten thousand.

Counted meetings come from ``mentoring_meeting_count``: the number app.mentoring keeps in the
same transaction as each meeting change and sends to the gradebook, so the report and the
gradebook cannot disagree.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, case, extract, func, select
from sqlalchemy.orm import aliased

from app.core.db import db
from app.groups.models import SOUNDING_OUT, VISIBLE, GroupMember, MentoringGroup

from ..events.models import Attendance, ProgrammeEvent
from ..mentoring import rules as mentoring_rules
from ..mentoring.models import (
    Agreement,
    AgreementAcceptance,
    AgreementVersion,
    Meeting,
    MeetingAttestation,
    MeetingCount,
)
from ..people.models import User, person_name
from ..programme.models import Organisation, Programme, Registration
from . import rules

ROLES = ("mentor", "aktori", "peer")


@dataclass(frozen=True)
class Filters:
    organisation_id: int | None = None
    role: str | None = None  # the member role once matched, else the role wished for
    form: str | None = None  # the pair's or group's form (matched participants only)


@dataclass(frozen=True)
class ParticipantRow:
    user_id: int
    name: str
    email: str
    organisation_id: int | None
    role: str
    form: str | None
    matched: bool
    sounding_out: bool  # matched, the group still sounding out whether it fits
    agreement_accepted: bool
    counted: int
    completed: bool
    events_attended: int


def _accepted_groups(programme_id: int):
    """Groups of the programme whose current agreement version every member has accepted
    (app.mentoring.rules.agreement_accepted, in SQL): each member joined to their acceptance of
    the newest version, if any; the group qualifies when no member lacks one. The newest version
    is the one no later version follows (an anti-join: at 5,000 pairs a join on each agreement's
    max(number) made the planner misjudge it as 20 rows and loop over thousands)."""
    later = aliased(AgreementVersion)
    return (
        select(GroupMember.group_id)
        .join(MentoringGroup, MentoringGroup.id == GroupMember.group_id)
        .join(Agreement, Agreement.group_id == GroupMember.group_id)
        .join(AgreementVersion, AgreementVersion.agreement_id == Agreement.id)
        .where(
            ~select(later.id).where(later.agreement_id == Agreement.id, later.number > AgreementVersion.number).exists()
        )
        .outerjoin(
            AgreementAcceptance,
            and_(
                AgreementAcceptance.version_id == AgreementVersion.id,
                AgreementAcceptance.user_id == GroupMember.user_id,
            ),
        )
        .where(MentoringGroup.programme_id == programme_id)
        .group_by(GroupMember.group_id)
        .having(func.count(AgreementAcceptance.id) == func.count())
    )


def participants_subquery(programme: Programme, filters: Filters):
    """One row per active registration: organisation, role, form, matched, agreement accepted,
    counted meetings, completed and events attended."""
    pid = programme.id
    latest = (  # a person rematched after an early end: their latest published group, sounding out too
        select(GroupMember.user_id, func.max(GroupMember.group_id).label("group_id"))
        .join(MentoringGroup, MentoringGroup.id == GroupMember.group_id)
        .where(MentoringGroup.programme_id == pid, MentoringGroup.status.in_((SOUNDING_OUT, *VISIBLE)))
        .group_by(GroupMember.user_id)
        .subquery()
    )
    member = aliased(GroupMember)
    group = aliased(MentoringGroup)
    attended = (
        select(Attendance.user_id, func.count().label("n"))
        .join(ProgrammeEvent, ProgrammeEvent.id == Attendance.event_id)
        .where(ProgrammeEvent.programme_id == pid, ProgrammeEvent.cancelled_at.is_(None))
        .group_by(Attendance.user_id)
        .subquery()
    )
    required = max(1, programme.required_meetings)
    counted = func.coalesce(MeetingCount.counted, 0)
    role = func.coalesce(member.role, Registration.role_wish)
    query = (
        select(
            Registration.user_id.label("user_id"),
            User.subject,
            User.name,
            User.given_name,
            User.family_name,
            User.email,
            Registration.organisation_id.label("organisation_id"),
            role.label("role"),
            group.form.label("form"),
            case((latest.c.group_id.is_not(None), 1), else_=0).label("matched"),
            case((group.status == SOUNDING_OUT, 1), else_=0).label("sounding_out"),
            case((latest.c.group_id.in_(_accepted_groups(pid)), 1), else_=0).label("accepted"),
            counted.label("counted"),
            case((counted >= required, 1), else_=0).label("completed"),
            func.coalesce(attended.c.n, 0).label("events"),
        )
        .join(User, User.id == Registration.user_id)
        .outerjoin(latest, latest.c.user_id == Registration.user_id)
        .outerjoin(member, and_(member.user_id == latest.c.user_id, member.group_id == latest.c.group_id))
        .outerjoin(group, group.id == latest.c.group_id)
        .outerjoin(MeetingCount, and_(MeetingCount.programme_id == pid, MeetingCount.user_id == Registration.user_id))
        .outerjoin(attended, attended.c.user_id == Registration.user_id)
        .where(Registration.programme_id == pid, Registration.withdrawn_at.is_(None))
    )
    if filters.organisation_id:
        query = query.where(Registration.organisation_id == filters.organisation_id)
    if filters.role:
        query = query.where(role == filters.role)
    if filters.form:
        query = query.where(group.form == filters.form)
    return query.subquery("participants")


def summary_cells(programme: Programme, filters: Filters) -> list[rules.Cell]:
    rows = participants_subquery(programme, filters)
    result = db.session.execute(
        select(
            rows.c.organisation_id,
            rows.c.matched,
            rows.c.counted,
            func.count(),
            func.sum(rows.c.accepted),
            func.sum(rows.c.events),
        ).group_by(rows.c.organisation_id, rows.c.matched, rows.c.counted)
    )
    return [
        rules.Cell(org, bool(matched), counted, people, int(accepted or 0), int(events or 0))
        for org, matched, counted, people, accepted, events in result
    ]


def participant_rows(
    programme: Programme, filters: Filters, *, limit: int | None = None, offset: int = 0
) -> list[ParticipantRow]:
    rows = participants_subquery(programme, filters)
    query = select(rows).order_by(
        rows.c.organisation_id, rows.c.family_name, rows.c.given_name, rows.c.name, rows.c.user_id
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [
        ParticipantRow(
            user_id=r.user_id,
            name=person_name(r.subject, r.name, r.given_name, r.family_name, r.email),
            email=r.email or "",
            organisation_id=r.organisation_id,
            role=r.role,
            form=r.form,
            matched=bool(r.matched),
            sounding_out=bool(r.sounding_out),
            agreement_accepted=bool(r.accepted),
            counted=r.counted,
            completed=bool(r.completed),
            events_attended=r.events,
        )
        for r in db.session.execute(query)
    ]


def _plus_hours(column, hours: int):
    if db.session.get_bind().dialect.name == "sqlite":
        return func.datetime(column, f"+{hours} hours")
    return column + timedelta(hours=hours)


def _helsinki_month_time(utc_column):
    """A time in the same Helsinki month as ``utc_column`` (naive UTC), in SQL.

    Finnish summer time runs from the last Sunday of March to the last Sunday of October, so at
    every month boundary Helsinki is UTC+3 for April to October and UTC+2 for November to March:
    if shifting by three hours lands in April–October that is the month, else shifting by two is.
    """
    summer, winter = _plus_hours(utc_column, 3), _plus_hours(utc_column, 2)
    return case((extract("month", summer).between(4, 10), summer), else_=winter)


def counted_by_month(programme: Programme, filters: Filters) -> dict[tuple[int, int], int]:
    """Counted meetings of the filtered participants by the Helsinki month they were held: each
    counted meeting once per attendee, so the months add up to the report's total.

    One pass over the programme's attestations grouped by meeting: a meeting counts when it has
    at least two attendees and none unconfirmed (app.mentoring.rules.meeting_state), and it
    adds as many as it has attendees among the filtered participants. The counted meetings are
    summed by the hour they start before the month is worked out, so the time-zone arithmetic
    and the final grouping run over a few thousand hours, not 60,000 meetings."""
    people = select(participants_subquery(programme, filters).c.user_id)
    unconfirmed = func.sum(case((MeetingAttestation.status == mentoring_rules.CONFIRMED, 0), else_=1))
    shown = func.sum(case((MeetingAttestation.user_id.in_(people), 1), else_=0))
    per_meeting = (
        select(Meeting.starts_at.label("starts_at"), shown.label("shown"))
        .join(MeetingAttestation, MeetingAttestation.meeting_id == Meeting.id)
        .join(MentoringGroup, MentoringGroup.id == Meeting.group_id)
        .where(MentoringGroup.programme_id == programme.id)
        .group_by(Meeting.id, Meeting.starts_at)
        .having(func.count() >= 2, unconfirmed == 0)
        .subquery()
    )
    hour = _start_of_hour(per_meeting.c.starts_at)
    per_hour = select(hour.label("starts_at"), func.sum(per_meeting.c.shown).label("shown")).group_by(hour).subquery()
    local = _helsinki_month_time(per_hour.c.starts_at)
    year, month = extract("year", local), extract("month", local)
    result = db.session.execute(select(year, month, func.sum(per_hour.c.shown)).group_by(year, month))
    return {(int(y), int(m)): int(n) for y, m, n in result if n}


def _start_of_hour(column):
    """The hour ``column`` falls in (Helsinki's offset from UTC is whole hours)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H:00:00", column)
    return func.date_trunc("hour", column)


def organisations(programme: Programme) -> Sequence[Organisation]:
    return db.session.scalars(
        select(Organisation)
        .where(Organisation.programme_id == programme.id)
        .order_by(Organisation.position, Organisation.code)
    ).all()
