"""The facilitator's matching page: a page of the drafts with their problems, of the published
groups and of the unmatched with their reasons, loading only the people it names; the reasons
come from the stored snapshot (``snapshot``) while nothing they depend on has changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from app.core.db import db
from app.groups.models import DRAFT, MATCHED, GroupMember, MentoringGroup

from ..people.models import User
from ..programme.models import Programme, Registration
from . import snapshot
from .engine import types as engine_types
from .engine.checks import group_problems
from .models import MatchingSnapshot
from .services import (
    active_registrations,
    cohort_rules,
    match_unplaced,
    reasons_json,
    reasons_of,
    taken_by_published,
    to_rules_group,
)


@dataclass
class DraftView:
    group: MentoringGroup
    problems: tuple[engine_types.Reason, ...]


PUBLISHED_PAGE_SIZE = 50  # a programme of 10,000 has 5,000 published pairs
UNMATCHED_PAGE_SIZE = 50
DRAFTS_PAGE_SIZE = 20  # a card each, with its actions


@dataclass
class MatchingState:
    drafts: list[DraftView]  # one page of them (all of them with ``draft_page=None``)
    published: list[MentoringGroup]  # one page of them, by id
    unmatched: list[tuple[Registration, tuple[engine_types.Reason, ...] | None]]  # one page; None: could be placed now
    registrations: dict[int, Registration]  # those the page names
    published_count: int
    more_published: bool
    draft_count: int = 0
    more_drafts: bool = False
    unmatched_count: int = 0  # all of them (the filter aside)
    unmatched_shown: int = 0  # those the filter keeps
    more_unmatched: bool = False
    active_count: int = 0
    renewed: bool = False  # the unmatched reasons were computed now (and stored)


def _unmatched_reasons(
    programme: Programme, all_drafts: Callable[[], list[MentoringGroup]]
) -> tuple[dict[int, tuple[engine_types.Reason, ...] | None], bool]:
    """Why each free person is unmatched, and whether that was computed now. From the snapshot
    when nothing changed since; else the matcher runs once with every current group held fixed
    (so the reasons reflect the facilitator's edits) and the snapshot is renewed. ``None``: the
    matcher could place them now."""
    mark = snapshot.fingerprint(programme)
    stored = db.session.get(MatchingSnapshot, programme.id)
    if stored is not None and stored.fingerprint == mark:
        return {int(rid): None if data is None else reasons_of(data) for rid, data in stored.unmatched.items()}, False
    drafts, taken, registrations = all_drafts(), taken_by_published(programme), active_registrations(programme)
    in_drafts = {m.registration_id for g in drafts for m in g.members}
    free_ids = [r.id for r in registrations if r.id not in taken and r.id not in in_drafts]
    unmatched: dict[int, tuple[engine_types.Reason, ...] | None] = {}
    if free_ids:
        cohort = cohort_rules(programme, registrations)
        result = match_unplaced(programme, cohort, taken, [to_rules_group(g) for g in drafts])
        reasons = {u.registration_id: u.reasons for u in result.unmatched}
        unmatched = {rid: reasons.get(rid) for rid in free_ids}
    snapshot.store(programme, mark, {str(rid): None if r is None else reasons_json(r) for rid, r in unmatched.items()})
    return unmatched, True


def _named(programme: Programme, search: str) -> set[int]:
    """Active registrations whose person's name contains ``search`` (case-insensitively)."""
    pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    full = func.coalesce(User.given_name, "") + " " + func.coalesce(User.family_name, "")
    return set(
        db.session.scalars(
            select(Registration.id)
            .join(User, User.id == Registration.user_id)
            .where(
                Registration.programme_id == programme.id,
                Registration.withdrawn_at.is_(None),
                or_(User.name.ilike(pattern, escape="\\"), full.ilike(pattern, escape="\\")),
            )
        )
    )


def _registrations(ids: Iterable[int]) -> dict[int, Registration]:
    """The registrations the page names, with their people and organisations (one query each)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.session.scalars(
        select(Registration)
        .where(Registration.id.in_(wanted))
        .options(selectinload(Registration.user), selectinload(Registration.organisation))
    )
    return {r.id: r for r in rows}


def matching_state(
    programme: Programme,
    page: int = 1,
    *,
    draft_page: int | None = 1,
    unmatched_page: int = 1,
    search: str = "",
) -> MatchingState:
    """A page of the drafts with their problems now, a page of the published groups, and a page
    of who is unmatched and why (``search``: a part of their name). Only the people on the page
    are loaded, and the reasons come from the stored snapshot while nothing has changed (see
    ``_unmatched_reasons``); when ``renewed``, the caller commits."""
    active_count = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.programme_id == programme.id, Registration.withdrawn_at.is_(None)
        )
    )
    published_query = select(MentoringGroup).where(
        MentoringGroup.programme_id == programme.id, MentoringGroup.status.in_(MATCHED)
    )
    published = list(
        db.session.scalars(
            published_query.order_by(MentoringGroup.id)
            .offset((page - 1) * PUBLISHED_PAGE_SIZE)
            .limit(PUBLISHED_PAGE_SIZE + 1)
        )
    )
    published_count = db.session.scalar(select(func.count()).select_from(published_query.subquery())) or 0
    # Drafts whose members are all still registered (a withdrawal dissolves them at once).
    drafts_query = select(MentoringGroup).where(
        MentoringGroup.programme_id == programme.id,
        MentoringGroup.status == DRAFT,
        ~exists().where(
            GroupMember.group_id == MentoringGroup.id,
            or_(
                GroupMember.registration_id.is_(None),
                ~GroupMember.registration_id.in_(
                    select(Registration.id).where(
                        Registration.programme_id == programme.id, Registration.withdrawn_at.is_(None)
                    )
                ),
            ),
        ),
    )
    draft_count = db.session.scalar(select(func.count()).select_from(drafts_query.subquery())) or 0
    ordered = drafts_query.order_by(MentoringGroup.id)
    if draft_page is not None:
        ordered = ordered.offset((draft_page - 1) * DRAFTS_PAGE_SIZE).limit(DRAFTS_PAGE_SIZE)
    shown = list(db.session.scalars(ordered))
    more_drafts = draft_page is not None and draft_count > draft_page * DRAFTS_PAGE_SIZE
    reasons, renewed = _unmatched_reasons(programme, lambda: list(db.session.scalars(drafts_query)))
    needle = search.strip()
    kept = sorted(reasons if not needle else reasons.keys() & _named(programme, needle))
    start = (unmatched_page - 1) * UNMATCHED_PAGE_SIZE
    listed_ids = kept[start : start + UNMATCHED_PAGE_SIZE]
    by_id = _registrations(
        [*listed_ids, *(m.registration_id for g in [*shown, *published] for m in g.members if m.registration_id)]
    )
    # Problems need only the shown drafts' members (must-not-pair is between members).
    cohort = cohort_rules(programme, [by_id[m.registration_id] for g in shown for m in g.members])
    return MatchingState(
        [DraftView(g, group_problems(cohort, to_rules_group(g))) for g in shown],
        published[:PUBLISHED_PAGE_SIZE],
        [(by_id[rid], reasons[rid]) for rid in listed_ids if rid in by_id],
        by_id,
        published_count,
        len(published) > PUBLISHED_PAGE_SIZE,
        draft_count=draft_count,
        more_drafts=more_drafts,
        unmatched_count=len(reasons),
        unmatched_shown=len(kept),
        more_unmatched=len(kept) > start + UNMATCHED_PAGE_SIZE,
        active_count=active_count or 0,
        renewed=renewed,
    )
