"""Database rows ⇄ the pure matcher's dataclasses, and the facilitator's matching operations.

Every function takes a ``Programme`` the caller has already scoped to the viewer's course, and
leaves committing to the caller (one request = one transaction).

Who is "matched": a person in a published group, or in a locked draft. Recomputing suggestions
replaces the unlocked drafts and keeps the rest; published groups' members take no part.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.audit import record
from app.core.clock import utcnow
from app.core.db import db
from app.core.refusals import Refused
from app.groups import meetings
from app.groups import services as group_services
from app.groups.models import (
    DISSOLVED,
    DRAFT,
    MATCHED,
    SOUNDING_OUT,
    VISIBLE,
    WITHDRAWN,
    GroupMember,
    MentoringGroup,
)

from ..notifications import services as notifications
from ..programme import services as programme_services
from ..programme.models import Programme, Registration
from . import rules, snapshot
from .engine import types as engine_types
from .engine.checks import HARD_PROBLEM_CODES, group_problems
from .engine.explain import evaluate_group
from .engine.reasons import REASON_CODES
from .engine.solver import match

#: An edit the facilitator cannot make (409) or must first confirm (200: the page asks): the
#: refusal's ``problems`` say why, as reasons; ``overridable`` whether confirming makes it anyway.
GROUP_HAS_PROBLEMS = "group_has_problems"

# The matcher's view of the registrations, by registration id.
Cohort = dict[int, engine_types.Registration]


# --------------------------------------------------------------------------------------------------
# Rows → dataclasses


def active_registrations(programme: Programme) -> list[Registration]:
    # The people with them: to_rules and the matching page name everyone (one query, not one each).
    return list(
        db.session.scalars(
            db.select(Registration)
            .where(Registration.programme_id == programme.id, Registration.withdrawn_at.is_(None))
            .options(selectinload(Registration.user), selectinload(Registration.organisation))
            .order_by(Registration.id)
        )
    )


def to_rules(
    registrations: list[Registration],
    rematched: dict[int, frozenset[int]] | None = None,
    tipped: dict[int, int] | None = None,
) -> dict[int, engine_types.Registration]:
    """The registrations as the matcher sees them, by registration id.

    A named counterpart or an excluded person is a user; the matcher works on registrations, so
    users without an (active) registration in this programme drop out of both. ``rematched``
    (user id -> user ids) adds the people a sounding-out rematch parted them from; ``tipped``
    (nominator -> colleague, app.programme's tips) counts a tipped colleague who joined as the
    nominator's wish when they named no one on the roster.
    """
    by_user = {r.user_id: r.id for r in registrations}
    rematched = rematched or {}
    tipped = tipped or {}
    out: dict[int, engine_types.Registration] = {}
    for r in registrations:
        out[r.id] = engine_types.Registration(
            id=r.id,
            name=r.user.display_name or str(r.user_id),
            organisation=r.organisation.code if r.organisation else "",
            role=r.role_wish,
            forms=r.forms,
            themes_offered=r.themes_offered,
            themes_wanted=r.themes_wanted,
            goals=r.goals,
            languages=r.languages,
            capacity=r.capacity if r.capacity in (1, 2) else 1,
            nominated=_nominated(by_user, r, tipped),
            must_not_pair=frozenset(
                by_user[u] for u in set(r.must_not_pair) | rematched.get(r.user_id, frozenset()) if u in by_user
            ),
        )
    return out


def settings_of(programme: Programme) -> engine_types.MatchingSettings:
    return engine_types.MatchingSettings(prefer_cross_organisation=programme.prefer_cross_organisation)


def to_rules_group(group: MentoringGroup) -> engine_types.Group:
    return engine_types.Group(
        form=engine_types.Form(group.form),
        members=tuple(engine_types.Member(m.registration_id, engine_types.Role(m.role)) for m in group.members),
        locked=group.locked,
    )


def reasons_json(reasons: Iterable[engine_types.Reason]) -> list[dict[str, Any]]:
    return [{"code": r.code, "params": dict(r.params)} for r in reasons]


def reasons_of(data: list[dict[str, Any]]) -> tuple[engine_types.Reason, ...]:
    return tuple(engine_types.Reason(d["code"], d.get("params") or {}) for d in data if d.get("code") in REASON_CODES)


# --------------------------------------------------------------------------------------------------
# Queries


def groups(programme: Programme, *statuses: str) -> list[MentoringGroup]:
    query = db.select(MentoringGroup).where(MentoringGroup.programme_id == programme.id)
    if statuses:
        query = query.where(MentoringGroup.status.in_(statuses))
    return list(db.session.scalars(query.order_by(MentoringGroup.id)))


def group_in(programme: Programme, group_id: int, status: str | None = DRAFT) -> MentoringGroup | None:
    """A group of ``programme`` (by default only a draft), or None: ids from forms are untrusted."""
    group = db.session.get(MentoringGroup, group_id)
    if group is None or group.programme_id != programme.id or (status and group.status != status):
        return None
    return group


def published_group_of(programme: Programme, user_id: int) -> MentoringGroup | None:
    """The user's published (sounding out, agreed or ended) group in ``programme``; drafts are never returned."""
    return db.session.scalar(
        select(MentoringGroup)
        .join(GroupMember)
        .where(
            MentoringGroup.programme_id == programme.id,
            MentoringGroup.status.in_((SOUNDING_OUT, *VISIBLE)),
            GroupMember.user_id == user_id,
        )
        .order_by(MentoringGroup.published_at.desc())
        .limit(1)
    )


def ended_match_of(programme: Programme, user_id: int) -> MentoringGroup | None:
    """The user's latest match that will not go on: dissolved by a rematch request or withdrawn by
    a facilitator (to tell them kindly while they wait for a new one)."""
    return db.session.scalar(
        select(MentoringGroup)
        .join(GroupMember)
        .where(
            MentoringGroup.programme_id == programme.id,
            MentoringGroup.status.in_((DISSOLVED, WITHDRAWN)),
            GroupMember.user_id == user_id,
        )
        .order_by(MentoringGroup.ended_at.desc(), MentoringGroup.id.desc())
        .limit(1)
    )


def is_matched(programme: Programme, registration: Registration) -> bool:
    """Whether the registration's match is published, sounding out or agreed (then it can no longer be edited)."""
    return bool(
        db.session.scalar(
            db.select(db.func.count(GroupMember.id))
            .join(MentoringGroup)
            .where(
                MentoringGroup.programme_id == programme.id,
                MentoringGroup.status.in_(MATCHED),
                GroupMember.registration_id == registration.id,
            )
        )
        > 0
    )


# --------------------------------------------------------------------------------------------------
# Computing suggestions


def _nominated(by_user: dict[int, int], r: Registration, tipped: dict[int, int]) -> int | None:
    wish = r.counterpart_user_id or tipped.get(r.user_id)
    return by_user.get(wish) if wish is not None and wish != r.user_id else None


def cohort_rules(programme: Programme, registrations: list[Registration]) -> dict[int, engine_types.Registration]:
    """``to_rules`` with the programme's rematch exclusions and tip nominations."""
    return to_rules(
        registrations,
        group_services.rematch_exclusions(programme.id),
        programme_services.tip_nominations(programme.id),
    )


def taken_by_published(programme: Programme) -> set[int]:
    """Registrations in published groups, in one query: a programme has thousands of groups."""
    return set(
        db.session.scalars(
            select(GroupMember.registration_id)
            .join(MentoringGroup, GroupMember.group_id == MentoringGroup.id)
            .where(MentoringGroup.programme_id == programme.id, MentoringGroup.status.in_(MATCHED))
        )
    )


def match_unplaced(
    programme: Programme, cohort: Cohort, taken: set[int], locked: list[engine_types.Group]
) -> engine_types.MatchingResult:
    """The matcher on everyone not in a published group; the published take no part but count
    in the unmatched reasons (their mentors are taken, not missing)."""
    return match(
        [r for rid, r in cohort.items() if rid not in taken],
        settings_of(programme),
        locked,
        published=[r for rid, r in cohort.items() if rid in taken],
    )


def compute_suggestions(programme: Programme) -> engine_types.MatchingResult:
    """Replace the unlocked drafts by the matcher's suggestions for everyone not yet matched.

    Locked drafts are kept (and re-scored); members of published groups take no part.
    """
    for group in groups(programme, DRAFT):
        if not group.locked:
            db.session.delete(group)
    db.session.flush()
    taken = taken_by_published(programme)
    everyone = active_registrations(programme)
    by_id = {r.id: r for r in everyone if r.id not in taken}
    cohort = cohort_rules(programme, everyone)
    locked_rows = [g for g in groups(programme, DRAFT) if all(m.registration_id in by_id for m in g.members)]
    result = match_unplaced(programme, cohort, taken, [to_rules_group(g) for g in locked_rows])
    for row, evaluated in zip(locked_rows, result.groups[: len(locked_rows)], strict=True):  # locked groups come first
        row.score, row.reasons = evaluated.score, reasons_json(evaluated.reasons)
    for suggestion in result.suggestions:
        _new_group(programme, suggestion, by_id)
    db.session.flush()
    unmatched = {str(u.registration_id): reasons_json(u.reasons) for u in result.unmatched}
    snapshot.store(programme, snapshot.fingerprint(programme), unmatched)
    record(
        "matching.compute",
        course=programme.course_id,
        target=f"programme:{programme.id}",
        details={"groups": len(result.suggestions), "unmatched": len(result.unmatched)},
    )
    return result


def _new_group(
    programme: Programme, group: engine_types.Group, by_id: dict[int, Registration], locked: bool = False
) -> MentoringGroup:
    row = MentoringGroup(
        programme_id=programme.id,
        form=group.form.value,
        status=DRAFT,
        locked=locked,
        score=group.score,
        reasons=reasons_json(group.reasons),
    )
    for member in group.members:
        registration = by_id[member.registration_id]
        row.members.append(
            GroupMember(user_id=registration.user_id, registration_id=registration.id, role=member.role.value)
        )
    db.session.add(row)
    return row


def placeable(programme: Programme) -> tuple[list[Registration], dict[int, int]]:
    """Whom a hand-made group may take (active, not in a published group) and the draft each is
    in now (registration id → group id)."""
    taken = taken_by_published(programme)
    in_draft = {m.registration_id: g.id for g in groups(programme, DRAFT) for m in g.members}
    return [r for r in active_registrations(programme) if r.id not in taken], in_draft


# --------------------------------------------------------------------------------------------------
# Hand edits (every edited group is locked: a recomputation keeps it)


def _evaluate(
    programme: Programme, cohort: Cohort, form: str, members: list[tuple[int, str]]
) -> tuple[engine_types.Group, tuple[engine_types.Reason, ...]]:
    group = engine_types.Group(
        engine_types.Form(form), tuple(engine_types.Member(rid, engine_types.Role(role)) for rid, role in members)
    )
    evaluated = evaluate_group(list(cohort.values()), group.form, group.members, settings_of(programme), locked=True)
    return evaluated, group_problems(cohort, group)


def _guard(problems: tuple[engine_types.Reason, ...], override: bool) -> None:
    hard = tuple(p for p in problems if p.code in HARD_PROBLEM_CODES)
    if hard:
        raise Refused(GROUP_HAS_PROBLEMS, 409, problems=hard, overridable=False)
    if problems and not override:
        raise Refused(GROUP_HAS_PROBLEMS, 200, problems=problems, overridable=True)


def _apply(row: MentoringGroup, evaluated: engine_types.Group) -> None:
    row.form, row.score, row.reasons, row.locked = (
        evaluated.form.value,
        evaluated.score,
        reasons_json(evaluated.reasons),
        True,
    )


def _cohort_for(programme: Programme) -> tuple[dict[int, Registration], Cohort]:
    registrations = active_registrations(programme)
    return {r.id: r for r in registrations}, cohort_rules(programme, registrations)


def set_locked(programme: Programme, group: MentoringGroup, locked: bool) -> None:
    group.locked = locked
    record(
        "matching.lock" if locked else "matching.unlock",
        course=programme.course_id,
        target=f"mentoring_group:{group.id}",
    )


def delete_draft(programme: Programme, group: MentoringGroup) -> None:
    record(
        "matching.delete",
        course=programme.course_id,
        target=f"mentoring_group:{group.id}",
        details={"registration_ids": [m.registration_id for m in group.members]},
    )
    db.session.delete(group)


def _pair_form(cohort: Cohort, mentor_id: int, aktori_id: int) -> str:
    """The form of a mentor-aktori pair: traditional if both accept it, else reverse if both do."""
    both = cohort[mentor_id].forms & cohort[aktori_id].forms
    return (
        "reverse" if engine_types.Form.TRADITIONAL not in both and engine_types.Form.REVERSE in both else "traditional"
    )


def _shrink(programme: Programme, cohort: Cohort, group: MentoringGroup, leaving: list[GroupMember]) -> None:
    """``leaving`` leave ``group``: a group of three becomes a pair, fewer than two dissolve it."""
    if len(group.members) - len(leaving) < 2:
        db.session.delete(group)
        return
    for member in leaving:
        group.members.remove(member)
    rest = [(m.registration_id, m.role) for m in group.members]
    mentor = next((rid for rid, role in rest if role == "mentor"), None)
    aktori = next((rid for rid, role in rest if role == "aktori"), None)
    form = _pair_form(cohort, mentor, aktori) if mentor and aktori else group.form
    _apply(group, _evaluate(programme, cohort, form, rest)[0])


def remove_member(programme: Programme, group: MentoringGroup, member: GroupMember) -> None:
    """Split one person off: a group of three becomes a pair, a pair is dissolved."""
    record(
        "matching.split",
        course=programme.course_id,
        target=f"mentoring_group:{group.id}",
        details={"registration_id": member.registration_id},
    )
    _shrink(programme, _cohort_for(programme)[1], group, [member])


def swap(programme: Programme, first: GroupMember, second: GroupMember, *, override: bool = False) -> None:
    """Exchange two people between two draft groups; each takes the other's role."""
    _, cohort = _cohort_for(programme)
    a, b = first.group, second.group
    if a.id == b.id:
        raise ValueError("both people are in the same group")
    plans = []
    for row, leaving, coming in ((a, first, second), (b, second, first)):
        members = [(coming.registration_id if m.id == leaving.id else m.registration_id, m.role) for m in row.members]
        plans.append((row, *_evaluate(programme, cohort, row.form, members)))
    _guard(tuple(p for _, _, problems in plans for p in problems), override)
    first.role, second.role = second.role, first.role
    first.group, second.group = b, a
    for row, evaluated, _ in plans:
        _apply(row, evaluated)
    record(
        "matching.swap",
        course=programme.course_id,
        target=f"mentoring_group:{a.id},mentoring_group:{b.id}",
        details={"registration_ids": [first.registration_id, second.registration_id], "override": override},
    )


def save_group(
    programme: Programme,
    form: str,
    members: list[tuple[int, str]],
    *,
    group: MentoringGroup | None = None,
    override: bool = False,
) -> MentoringGroup:
    """Create a draft group by hand (or redo ``group``): ``members`` are (registration id, role).

    People taken from other drafts leave them; a draft left with fewer than two is dissolved.
    Must-not-pair can never be overridden; other problems need ``override``.
    """
    by_id, cohort = _cohort_for(programme)
    ids = [rid for rid, _ in members]
    taken = taken_by_published(programme)
    if len(set(ids)) != len(ids) or any(rid not in by_id or rid in taken for rid in ids):
        raise ValueError("a member is repeated, not registered, or already in a published group")
    evaluated, problems = _evaluate(programme, cohort, form, members)
    _guard(problems, override)
    for other in groups(programme, DRAFT):
        if group is not None and other.id == group.id:
            continue
        leaving = [m for m in other.members if m.registration_id in ids]
        if leaving:
            _shrink(programme, cohort, other, leaving)
    db.session.flush()
    if group is None:
        group = _new_group(programme, evaluated, by_id, locked=True)
    else:
        group.members.clear()
        db.session.flush()
        for rid, role in members:
            group.members.append(GroupMember(user_id=by_id[rid].user_id, registration_id=rid, role=role))
        _apply(group, evaluated)
    db.session.flush()
    record(
        "matching.edit",
        course=programme.course_id,
        target=f"mentoring_group:{group.id}",
        details={"registration_ids": ids, "form": form, "override": override and bool(problems)},
    )
    return group


def publish(programme: Programme, selected: list[MentoringGroup]) -> int:
    """Publish drafts: their members see the match and start sounding out whether it fits, until
    the programme's kickoff by default (app.groups.rules). Returns how many."""
    now = utcnow()
    _, cohort = _cohort_for(programme)
    published: list[int] = []
    for group in selected:
        if group.status != DRAFT:
            continue
        if any(p.code in HARD_PROBLEM_CODES for p in group_problems(cohort, to_rules_group(group))):
            continue
        group.status, group.published_at, group.locked = SOUNDING_OUT, now, True
        group.sounding_deadline = programme.kickoff
        published.append(group.id)
        notifications.match_published(programme, group)
    if published:
        record(
            "matching.publish",
            course=programme.course_id,
            target=f"programme:{programme.id}",
            details={"group_ids": published},
        )
    return len(published)


def withdrawal_refusal(group: MentoringGroup) -> str | None:
    return rules.withdrawal_refusal(group.status, meetings.has_met(group))


def withdraw(programme: Programme, group: MentoringGroup, by_user_id: int) -> None:
    """Take a published match back before its members have met: they are told (never why) and
    return to matching. Serialised with the members' sounding-out answers and meeting logs."""
    group_services.lock(group)
    refusal = withdrawal_refusal(group)
    if refusal:
        raise Refused(refusal, 409)
    before = group.status
    group.status, group.ended_at, group.ended_by_id, group.locked = WITHDRAWN, utcnow(), by_user_id, False
    notifications.match_withdrawn(programme, group)
    record(
        "matching.withdraw",
        course=programme.course_id,
        target=f"mentoring_group:{group.id}",
        details={"status": before, "registration_ids": [m.registration_id for m in group.members]},
    )


# --------------------------------------------------------------------------------------------------
# A participant's registration changes


def registration_changed(programme: Programme, registration: Registration) -> None:
    """Re-score the drafts holding ``registration`` after its owner edited it; a draft that now
    pairs people who must not be paired is dissolved (that rule is never overridden)."""
    _, cohort = _cohort_for(programme)
    for group in groups(programme, DRAFT):
        if not any(m.registration_id == registration.id for m in group.members):
            continue
        current = to_rules_group(group)
        if any(p.code in HARD_PROBLEM_CODES for p in group_problems(cohort, current)):
            db.session.delete(group)
            continue
        evaluated = evaluate_group(
            list(cohort.values()), current.form, current.members, settings_of(programme), locked=group.locked
        )
        group.score, group.reasons = evaluated.score, reasons_json(evaluated.reasons)


def withdrawn(programme: Programme, registration: Registration) -> None:
    """Dissolve the drafts holding a withdrawn registration (its other members become unmatched)."""
    for group in groups(programme, DRAFT):
        if any(m.registration_id == registration.id for m in group.members):
            db.session.delete(group)
