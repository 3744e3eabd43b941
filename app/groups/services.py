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


def answers_of(group: MentoringGroup) -> dict[int, str | None]:
    return {m.user_id: m.sounding_answer for m in group.members}


def lock(group: MentoringGroup) -> None:
    """Serialise answers: two members answering at once must both be seen by the last one."""
    db.session.execute(db.select(MentoringGroup.id).where(MentoringGroup.id == group.id).with_for_update())
    db.session.refresh(group)
    for member in group.members:
        db.session.refresh(member)


def answer(group: MentoringGroup, user_id: int, choice: str, reason: str = "") -> str:
    """Record ``user_id``'s answer; the group becomes agreed or dissolved as the rules say.
    Returns the group's state after the answer."""
    lock(group)
    try:
        outcome = rules.answer(group.status, answers_of(group), user_id, choice)
    except ValueError:
        raise Refused("sounding_answered", 409) from None
    member = next(m for m in group.members if m.user_id == user_id)
    member.sounding_answer, member.answered_at = choice, utcnow()
    member.sounding_reason = (reason.strip() or None) if choice == rules.REMATCH else None
    group.status = outcome.state
    if outcome.state == PUBLISHED:
        group.agreed_at = utcnow()
    elif outcome.state == DISSOLVED:
        group.ended_at, group.ended_by_id, group.locked = utcnow(), user_id, False
    record(
        f"groups.sounding.{choice}",
        course=group.programme.course_id,
        target=f"mentoring_group:{group.id}",
        details={"state": outcome.state},
    )
    db.session.flush()
    return outcome.state


def rematch_exclusions(programme_id: int) -> dict[int, frozenset[int]]:
    """Who must not be paired again with whom in the programme, after rematch requests."""
    dissolved = db.session.scalars(
        db.select(MentoringGroup).where(MentoringGroup.programme_id == programme_id, MentoringGroup.status == DISSOLVED)
    )
    return rules.rematch_exclusions([m.user_id for m in group.members] for group in dissolved)


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
