"""Sounding out a published group: the members' answers, and what a rematch leaves behind.

Services flush and never commit; the route owns the transaction.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.core.audit import record
from app.core.clock import utcnow
from app.core.db import db
from app.core.refusals import Refused

from . import rules
from .models import DISSOLVED, PUBLISHED, SOUNDING_OUT, GroupMember, MentoringGroup
from .signals import group_agreed


def answers_of(group: MentoringGroup) -> dict[int, str | None]:
    return {m.user_id: m.sounding_answer for m in group.members}


def lock(group: MentoringGroup) -> None:
    """Serialise answers: two members answering at once must both be seen by the last one."""
    db.session.execute(db.select(MentoringGroup.id).where(MentoringGroup.id == group.id).with_for_update())
    db.session.refresh(group)
    for member in group.members:
        db.session.refresh(member)


def answer(group: MentoringGroup, user_id: int, choice: str, reason: str = "") -> str:
    """Record ``user_id``'s answer; the group becomes agreed, or a rematch request parts the
    requester from it as the rules say. Returns the state of ``group`` after the answer."""
    lock(group)
    try:
        outcome = rules.answer(group.status, answers_of(group), user_id, choice)
    except ValueError:
        raise Refused("sounding_answered", 409) from None
    member = next(m for m in group.members if m.user_id == user_id)
    member.sounding_answer, member.answered_at = choice, utcnow()
    member.sounding_reason = (reason.strip() or None) if choice == rules.REMATCH else None
    state = outcome.state
    if choice == rules.REMATCH:
        state = _part(group, member)
    else:
        group.status = state
        if state == PUBLISHED:
            group.agreed_at = utcnow()
    db.session.flush()
    if state == PUBLISHED:
        group_agreed.send(group)  # meetings logged while sounding out count now
    record(
        f"groups.sounding.{choice}",
        course=group.programme.course_id,
        target=f"mentoring_group:{group.id}",
        details={"state": state},
    )
    db.session.flush()
    return state


def _part(group: MentoringGroup, requester: GroupMember) -> str:
    """A rematch request: the whole group dissolves, or (in a group of three whose others still form
    a group) only the requester leaves. Then a dissolved copy keeps who was parted from whom, with the
    requester's reason, so matching keeps them apart and the facilitators see it."""
    parting = rules.part({m.user_id: m.role for m in group.members}, answers_of(group), requester.user_id)
    now = utcnow()
    if not parting.staying:
        group.status, group.ended_at, group.ended_by_id, group.locked = DISSOLVED, now, requester.user_id, False
        return DISSOLVED
    parted = MentoringGroup(
        programme_id=group.programme_id,
        form=group.form,
        status=DISSOLVED,
        reasons=[],
        published_at=group.published_at,
        sounding_deadline=group.sounding_deadline,
        ended_at=now,
        ended_by_id=requester.user_id,
        members=[
            GroupMember(
                user_id=m.user_id, registration_id=m.registration_id, role=m.role, sounding_answer=m.sounding_answer
            )
            for m in group.members
            if m is not requester
        ],
    )
    db.session.add(parted)
    requester.group = parted
    if group.form == "group":  # a mentor with the one aktori left is a pair
        group.form = "traditional"
    group.status = parting.state
    if parting.state == PUBLISHED:
        group.agreed_at = now
    return parting.state


def rematch_exclusions(programme_id: int) -> dict[int, frozenset[int]]:
    """Who must not be paired again with whom in the programme, after rematch requests."""
    dissolved = db.session.scalars(
        db.select(MentoringGroup).where(MentoringGroup.programme_id == programme_id, MentoringGroup.status == DISSOLVED)
    )
    return rules.rematch_exclusions(
        ([m.user_id for m in group.members if m.sounding_answer == rules.REMATCH], [m.user_id for m in group.members])
        for group in dissolved
    )


def last_dissolved_for(programme_id: int, user_id: int) -> MentoringGroup | None:
    """The user's latest group dissolved by a rematch request (to tell them kindly)."""
    return db.session.scalar(
        select(MentoringGroup)
        .join(GroupMember)
        .where(
            MentoringGroup.programme_id == programme_id,
            MentoringGroup.status == DISSOLVED,
            GroupMember.user_id == user_id,
        )
        .order_by(MentoringGroup.ended_at.desc())
        .limit(1)
    )


def someone_left(group: MentoringGroup, user_id: int) -> bool:
    """Whether another member asked to leave ``group`` while sounding out (and the rest go on): the
    dissolved copy made then shares the group's publication."""
    parted = last_dissolved_for(group.programme_id, user_id)
    return parted is not None and parted.published_at == group.published_at and parted.ended_by_id != user_id


@dataclass(frozen=True)
class SoundingRow:
    """A group sounding out or dissolved, for the facilitators: who has not answered, why a rematch."""

    group: MentoringGroup
    waiting: list[GroupMember]
    rematch: GroupMember | None
    past_deadline: bool


def sounding_rows(programme_id: int, today: date) -> list[SoundingRow]:
    groups = db.session.scalars(
        db.select(MentoringGroup)
        .where(MentoringGroup.programme_id == programme_id, MentoringGroup.status.in_((SOUNDING_OUT, DISSOLVED)))
        .order_by(MentoringGroup.status.desc(), MentoringGroup.id)
    )
    rows = []
    for group in groups:
        waiting_ids = set(rules.waiting_for(answers_of(group)))
        rows.append(
            SoundingRow(
                group=group,
                waiting=[m for m in group.members if m.user_id in waiting_ids],
                rematch=next((m for m in group.members if m.sounding_answer == rules.REMATCH), None),
                past_deadline=group.status == SOUNDING_OUT and rules.past_deadline(group.sounding_deadline, today),
            )
        )
    return rows
