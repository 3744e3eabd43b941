"""What waits for a member, and the facilitators' view of the pairs: each pair's facts (meetings,
agreement, counts) and the progress list, a page at a time with its filters, computed in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from app.core.clock import utc_to_helsinki
from app.core.db import db
from app.groups.models import ENDED, PUBLISHED, SOUNDING_OUT, VISIBLE, GroupMember, MentoringGroup

from ..people.models import User
from ..programme.models import Programme
from . import rules
from .models import (
    Agreement,
    AgreementVersion,
    Meeting,
    MeetingAttestation,
    MeetingChange,
)
from .services import (
    agreement_of,
    counted_for,
    member_ids,
)

# --------------------------------------------------------------------------------------------
# What waits for a member; facilitators' view of a pair
# --------------------------------------------------------------------------------------------


_LOAD = object()


def pair_facts(
    group: MentoringGroup, user_id: int | None, meetings: list[Meeting] | None = None, agreement: object = _LOAD
) -> rules.PairFacts:
    """The reminders' input for one member (``user_id``) or, for facilitators, the pair.
    ``meetings`` and ``agreement`` may come preloaded (the facilitators' overview)."""
    programme = group.programme
    if meetings is None:
        meetings = group_meetings(group.id)
    if agreement is _LOAD:
        agreement = agreement_of(group)
    current = agreement.current if isinstance(agreement, Agreement) else None
    acceptors = current.acceptor_ids() if current else set()
    live = [m for m in meetings if m.state != rules.DISPUTED]
    counted = [m for m in meetings if m.state == rules.COUNTED]
    counted_for_me = 0
    changes_awaiting_me = 0
    if user_id is not None:
        counted_for_me = counted_for(programme.id, [user_id])[user_id]
        pending = db.session.scalars(
            db.select(MeetingChange).where(
                MeetingChange.group_id == group.id, MeetingChange.status == rules.CHANGE_PENDING
            )
        )
        changes_awaiting_me = sum(1 for c in pending if user_id in c.confirmers and user_id not in c.confirmed_ids)
    return rules.PairFacts(
        active=group.status == PUBLISHED,
        published_on=group.published_at.date() if group.published_at else None,
        has_agreement=current is not None,
        agreement_accepted=current is not None and rules.agreement_accepted(acceptors, member_ids(group)),
        accepted_by_me=user_id in acceptors,
        meetings_logged=len(live),
        awaiting_me=sum(1 for m in meetings if user_id is not None and m.answers().get(user_id) == rules.PENDING),
        disputed_mine=sum(1 for m in meetings if m.logged_by_id == user_id and m.state == rules.DISPUTED),
        last_meeting_on=max((m.local_start.date() for m in live), default=None),
        last_counted_on=max((m.local_start.date() for m in counted), default=None),
        counted_for_me=counted_for_me,
        required=programme.required_meetings,
        closing=programme.closing,
        changes_awaiting_me=changes_awaiting_me,
    )


PROGRESS_STATUSES = {"active": PUBLISHED, "sounding_out": SOUNDING_OUT, "ended": ENDED}


@dataclass(frozen=True)
class ProgressFilters:
    """What the facilitators' progress view narrows the programme's pairs and groups to."""

    status: str | None = None  # a key of PROGRESS_STATUSES
    form: str | None = None
    name: str = ""  # part of a member's name or e-mail address


def _meeting_dates(ids: list[int]) -> dict[int, tuple[int, datetime | None, datetime | None]]:
    """Per group: meetings not disputed, and the start (UTC) of the latest of them and of the
    latest counted one, aggregated in SQL by rules.meeting_state (disputed if anyone disputed;
    counted once every attendee, at least two, confirmed), so no meeting is loaded."""
    answers = MeetingAttestation.status
    disputed = func.sum(case((answers == rules.DISPUTED, 1), else_=0))
    unconfirmed = func.sum(case((answers == rules.CONFIRMED, 0), else_=1))
    per_meeting = (
        select(
            Meeting.group_id.label("group_id"),
            Meeting.starts_at.label("starts_at"),
            case((disputed > 0, 0), else_=1).label("live"),
            case((and_(disputed == 0, unconfirmed == 0, func.count() >= 2), 1), else_=0).label("counted"),
        )
        .join(MeetingAttestation, MeetingAttestation.meeting_id == Meeting.id)
        .where(Meeting.group_id.in_(ids))
        .group_by(Meeting.id, Meeting.group_id, Meeting.starts_at)
        .subquery()
    )
    live = func.sum(per_meeting.c.live)
    rows = db.session.execute(
        select(
            per_meeting.c.group_id,
            live,
            func.max(case((per_meeting.c.live == 1, per_meeting.c.starts_at))),
            func.max(case((per_meeting.c.counted == 1, per_meeting.c.starts_at))),
        ).group_by(per_meeting.c.group_id)
    )
    return {group_id: (int(n or 0), last, counted) for group_id, n, last, counted in rows}


def _local_date(value: datetime | None) -> date | None:
    return utc_to_helsinki(value).date() if value else None


def progress_page(
    programme: Programme, filters: ProgressFilters, limit: int, offset: int = 0
) -> list[tuple[MentoringGroup, rules.PairFacts]]:
    """The published (sounding out or agreed) or ended groups of a programme that match
    ``filters`` (``limit`` of them from ``offset``, by id), each with the pair's facts as
    :func:`pair_facts` gives them to facilitators, in a fixed number of queries whatever the
    cohort's size. Meetings are aggregated in SQL: a page of 100 pairs has 1,200 of them."""
    statuses = (PROGRESS_STATUSES[filters.status],) if filters.status else (SOUNDING_OUT, *VISIBLE)
    query = db.select(MentoringGroup).where(
        MentoringGroup.programme_id == programme.id, MentoringGroup.status.in_(statuses)
    )
    if filters.form:
        query = query.where(MentoringGroup.form == filters.form)
    if filters.name:
        matching = (
            select(GroupMember.group_id)
            .join(User, User.id == GroupMember.user_id)
            .where(
                or_(
                    *(
                        column.icontains(filters.name, autoescape=True)
                        for column in (User.name, User.given_name, User.family_name, User.email)
                    )
                )
            )
        )
        query = query.where(MentoringGroup.id.in_(matching))
    groups = db.session.scalars(
        query.options(selectinload(MentoringGroup.members).joinedload(GroupMember.user))
        .order_by(MentoringGroup.id)
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [group.id for group in groups]
    dates = _meeting_dates(ids)
    agreements = {
        a.group_id: a
        for a in db.session.scalars(
            db.select(Agreement)
            .where(Agreement.group_id.in_(ids))
            .options(selectinload(Agreement.versions).selectinload(AgreementVersion.acceptances))
        )
    }
    page = []
    for group in groups:
        logged, last, counted = dates.get(group.id, (0, None, None))
        agreement = agreements.get(group.id)
        current = agreement.current if agreement else None
        page.append(
            (
                group,
                rules.PairFacts(
                    active=group.status == PUBLISHED,
                    published_on=group.published_at.date() if group.published_at else None,
                    has_agreement=current is not None,
                    agreement_accepted=current is not None
                    and rules.agreement_accepted(current.acceptor_ids(), member_ids(group)),
                    accepted_by_me=False,
                    meetings_logged=logged,
                    awaiting_me=0,
                    disputed_mine=0,
                    last_meeting_on=_local_date(last),
                    last_counted_on=_local_date(counted),
                    counted_for_me=0,
                    required=programme.required_meetings,
                    closing=programme.closing,
                ),
            )
        )
    return page


def group_meetings(group_id: int) -> list[Meeting]:
    return list(
        db.session.scalars(db.select(Meeting).where(Meeting.group_id == group_id).order_by(Meeting.starts_at.desc()))
    )
