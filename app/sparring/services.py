"""Sparring groups' data: who may be placed and where they are, and the membership changes.

Functions here read and write in the caller's transaction and flush, never commit or roll back;
the route commits. A unique-constraint violation (a parallel request placed the same person)
comes back as ``Refused(GROUPS_CHANGED)``, after which the route rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core.audit import record
from app.core.auth import STAFF
from app.core.clock import utcnow
from app.core.db import db
from app.core.refusals import Refused
from app.groups.models import ENDED, GroupMember, MentoringGroup

from ..people.models import Enrolment, User
from ..programme.models import Registration
from . import rules
from .models import (
    AKTORIS,
    MENTORS,
    SparringGroup,
    SparringMaterial,
    SparringMember,
    SparringPost,
    SparringSession,
    SparringThread,
)

#: Who may sit in a group for each audience: by their role in their pair, or their wish if unmatched.
AUDIENCE_ROLES = {MENTORS: ("mentor", "peer", "any"), AKTORIS: ("aktori", "peer", "any")}


GROUPS_CHANGED = "groups_changed"  # a parallel request changed the members first (the unique constraint refused ours)


def groups_of(user_id: int, programme_id: int) -> list[SparringGroup]:
    """The groups (archived ones too) a person belongs to in a programme."""
    return list(
        db.session.scalars(
            db.select(SparringGroup)
            .join(SparringMember, SparringMember.group_id == SparringGroup.id)
            .where(SparringMember.user_id == user_id, SparringGroup.programme_id == programme_id)
            .order_by(SparringGroup.name)
        )
    )


def pair_roles(programme_id: int) -> dict[int, tuple[int, str]]:
    """user id → (mentoring group id, role) for everyone in a pair or group that has not ended."""
    rows = db.session.execute(
        db.select(GroupMember.user_id, GroupMember.group_id, GroupMember.role)
        .join(MentoringGroup, MentoringGroup.id == GroupMember.group_id)
        .where(MentoringGroup.programme_id == programme_id, MentoringGroup.status != ENDED)
        .order_by(MentoringGroup.id)
    )
    return {user_id: (group_id, role) for user_id, group_id, role in rows}


def registered(programme_id: int) -> list[Registration]:
    return list(
        db.session.scalars(
            db.select(Registration)
            .options(selectinload(Registration.user), selectinload(Registration.organisation))
            .join(User, User.id == Registration.user_id)
            .where(Registration.programme_id == programme_id, Registration.withdrawn_at.is_(None))
            .order_by(User.family_name, User.given_name, User.id)
        )
    )


def placements(programme_id: int) -> dict[int, SparringGroup]:
    """user id → the open (not archived) group they are in."""
    rows = db.session.execute(
        db.select(SparringMember.user_id, SparringGroup)
        .join(SparringGroup, SparringGroup.id == SparringMember.group_id)
        .where(SparringGroup.programme_id == programme_id, SparringGroup.archived_at.is_(None))
    )
    return {user_id: group for user_id, group in rows}


class Candidate:
    """A registered participant as the group pages show them."""

    def __init__(self, registration: Registration, pair: tuple[int, str] | None):
        self.registration = registration
        self.user = registration.user
        self.pair = pair[0] if pair else None
        self.role = pair[1] if pair else registration.role_wish
        self.organisation = registration.organisation

    def fits(self, audience: str) -> bool:
        return self.role in AUDIENCE_ROLES[audience]

    def as_rule_person(self) -> rules.Person:
        return rules.Person(self.user.id, self.organisation.code if self.organisation else None, self.pair)


def candidates(programme_id: int) -> dict[int, Candidate]:
    pairs = pair_roles(programme_id)
    return {r.user_id: Candidate(r, pairs.get(r.user_id)) for r in registered(programme_id)}


def staff_people(course_id: int) -> list[User]:
    return list(
        db.session.scalars(
            db.select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(
                Enrolment.course_id == course_id,
                Enrolment.role.in_(STAFF),
                Enrolment.active.is_(True),
            )
            .order_by(User.family_name, User.given_name, User.id)
        )
    )


def open_groups(programme_id: int) -> list[SparringGroup]:
    return list(
        db.session.scalars(
            db.select(SparringGroup)
            .where(SparringGroup.programme_id == programme_id, SparringGroup.archived_at.is_(None))
            .order_by(SparringGroup.audience, SparringGroup.name, SparringGroup.id)
        )
    )


def _flush_members() -> None:
    try:
        db.session.flush()
    except IntegrityError as error:
        raise Refused(GROUPS_CHANGED) from error


def add_members(group: SparringGroup, user_ids: list[int]) -> None:
    """Add people the caller checked were unplaced; refuses with ``GROUPS_CHANGED`` if a
    parallel request placed one of them since."""
    for user_id in user_ids:
        db.session.add(SparringMember(group_id=group.id, user_id=user_id))
    record("sparring.members_added", target=f"sparring_group:{group.id}", details={"user_ids": user_ids})
    _flush_members()


def place(programme_id: int, audience: str, placement: dict[int, int]) -> None:
    """Store the assignment helper's placement (user id → group id); refuses
    with ``GROUPS_CHANGED`` if a parallel request placed one of them since."""
    for user_id, group_id in placement.items():
        db.session.add(SparringMember(group_id=group_id, user_id=user_id))
    if placement:
        record(
            "sparring.members_assigned",
            target=f"programme:{programme_id}",
            details={"audience": audience, "placement": {str(k): v for k, v in placement.items()}},
        )
    _flush_members()


def create_group(programme_id: int, name: str, audience: str, facilitator_id: int | None) -> SparringGroup:
    group = SparringGroup(programme_id=programme_id, name=name, audience=audience, facilitator_id=facilitator_id)
    db.session.add(group)
    db.session.flush()
    record(
        "sparring.group_created",
        target=f"sparring_group:{group.id}",
        details={"audience": audience, "facilitator_id": facilitator_id},
    )
    return group


def move_member(member: SparringMember, target: SparringGroup) -> None:
    record(
        "sparring.member_moved",
        target=f"user:{member.user_id}",
        details={"from_group_id": member.group_id, "to_group_id": target.id},
    )
    member.group_id = target.id
    db.session.flush()


def remove_member(member: SparringMember) -> None:
    record("sparring.member_removed", target=f"user:{member.user_id}", details={"group_id": member.group_id})
    db.session.delete(member)
    db.session.flush()


def archive(group: SparringGroup) -> None:
    """Archived, a group is read-only and frees its members for other groups."""
    group.archived_at = utcnow()
    record("sparring.group_archived", target=f"sparring_group:{group.id}")
    db.session.flush()


def reopen(group: SparringGroup) -> None:
    """The caller checked that none of its members sits in another open group."""
    group.archived_at = None
    record("sparring.group_reopened", target=f"sparring_group:{group.id}")
    db.session.flush()


def delete_session(item: SparringSession) -> None:
    db.session.delete(item)
    record("sparring.session_deleted", target=f"sparring_group:{item.group_id}", details={"session_id": item.id})
    db.session.flush()


def delete_material(item: SparringMaterial) -> None:
    db.session.delete(item)
    record("sparring.material_deleted", target=f"sparring_group:{item.group_id}", details={"material_id": item.id})
    db.session.flush()


def delete_post(post: SparringPost, by_id: int) -> None:
    """Soft delete: hidden from everyone, kept for the audit trail; the thread goes with its last post."""
    post.deleted_at = utcnow()
    post.deleted_by_id = by_id
    record(
        "sparring.post_deleted",
        target=f"sparring_post:{post.id}",
        details={"group_id": post.thread.group_id, "thread_id": post.thread_id, "author_id": post.author_id},
    )
    if all(p.deleted_at is not None for p in post.thread.posts):
        post.thread.deleted_at = post.deleted_at
        post.thread.deleted_by_id = by_id
    db.session.flush()


def delete_thread(thread: SparringThread, by_id: int) -> None:
    """Soft delete, as for posts."""
    thread.deleted_at = utcnow()
    thread.deleted_by_id = by_id
    record(
        "sparring.thread_deleted",
        target=f"sparring_thread:{thread.id}",
        details={"group_id": thread.group_id, "author_id": thread.author_id},
    )
    db.session.flush()


# --------------------------------------------------------------------------------------------
# The groups' pages and their writes
# --------------------------------------------------------------------------------------------


def programme_groups(programme_id: int) -> list[SparringGroup]:
    """The programme's groups, open ones first, by name."""
    return list(
        db.session.scalars(
            db.select(SparringGroup)
            .where(SparringGroup.programme_id == programme_id)
            .order_by(SparringGroup.archived_at.is_not(None), SparringGroup.name, SparringGroup.id)
        )
    )


def save_settings(group: SparringGroup, name: str, facilitator_id: int | None) -> None:
    group.name = name
    if group.facilitator_id != facilitator_id:
        group.facilitator_id = facilitator_id
        record(
            "sparring.facilitator_set", target=f"sparring_group:{group.id}", details={"facilitator_id": facilitator_id}
        )
    db.session.flush()


@dataclass(frozen=True)
class Space:
    """What a group's space shows, apart from its members."""

    sessions: list[SparringSession]
    materials: list[SparringMaterial]
    threads: list[SparringThread]
    post_counts: dict[int, int]  # thread id → posts not removed


def space(group: SparringGroup) -> Space:
    sessions = db.session.scalars(
        db.select(SparringSession).where(SparringSession.group_id == group.id).order_by(SparringSession.starts_at)
    )
    materials = db.session.scalars(
        db.select(SparringMaterial).where(SparringMaterial.group_id == group.id).order_by(SparringMaterial.id)
    )
    threads = db.session.scalars(
        db.select(SparringThread)
        .where(SparringThread.group_id == group.id, SparringThread.deleted_at.is_(None))
        .order_by(SparringThread.created_at.desc(), SparringThread.id.desc())
    )
    counts = db.session.execute(
        db.select(SparringPost.thread_id, db.func.count(SparringPost.id))
        .join(SparringThread, SparringThread.id == SparringPost.thread_id)
        .where(SparringThread.group_id == group.id, SparringPost.deleted_at.is_(None))
        .group_by(SparringPost.thread_id)
    ).all()
    return Space(list(sessions), list(materials), list(threads), {thread_id: n for thread_id, n in counts})


def group_session(group: SparringGroup, session_id: int) -> SparringSession | None:
    item = db.session.get(SparringSession, session_id)
    return item if item is not None and item.group_id == group.id else None


def group_material(group: SparringGroup, material_id: int) -> SparringMaterial | None:
    item = db.session.get(SparringMaterial, material_id)
    return item if item is not None and item.group_id == group.id else None


def visible_thread(group: SparringGroup, thread_id: int) -> SparringThread | None:
    thread = db.session.get(SparringThread, thread_id)
    if thread is None or thread.group_id != group.id or thread.deleted_at is not None:
        return None
    return thread


def visible_post(group: SparringGroup, post_id: int) -> SparringPost | None:
    post = db.session.get(SparringPost, post_id)
    if post is None or post.deleted_at is not None or visible_thread(group, post.thread_id) is None:
        return None
    return post


def add_session(
    group: SparringGroup, starts_at: datetime, duration_minutes: int, video_url: str | None, agenda: str
) -> SparringSession:
    item = SparringSession(
        group_id=group.id, starts_at=starts_at, duration_minutes=duration_minutes, video_url=video_url, agenda=agenda
    )
    db.session.add(item)
    db.session.flush()
    return item


def add_material(
    group: SparringGroup, kind: str, module_id: str | None, title: str, body: str, by_id: int
) -> SparringMaterial:
    item = SparringMaterial(
        group_id=group.id, kind=kind, module_id=module_id, title=title, body=body, created_by_id=by_id
    )
    db.session.add(item)
    db.session.flush()
    return item


def start_thread(group: SparringGroup, author_id: int, title: str, body: str) -> SparringThread:
    thread = SparringThread(group_id=group.id, title=title, author_id=author_id)
    thread.posts.append(SparringPost(author_id=author_id, body=body))
    db.session.add(thread)
    db.session.flush()
    return thread


def reply(thread: SparringThread, author_id: int, body: str) -> SparringPost:
    post = SparringPost(thread_id=thread.id, author_id=author_id, body=body)
    db.session.add(post)
    db.session.flush()
    return post


def edit_post(post: SparringPost, body: str) -> None:
    post.body = body
    post.edited_at = utcnow()
    db.session.flush()
