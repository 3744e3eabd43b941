"""Checking results and hand-made groups against the rules, independently of the solver."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from .types import Form, Group, MatchingResult, Reason, Registration, Role


def check_result(registrations: Iterable[Registration], result: MatchingResult) -> list[str]:
    """Every rule ``result`` breaks, in words; ``[]`` if none. Locked groups are checked too.

    Checks: known and unique members, everyone placed (in a group or unmatched), group shapes,
    role wishes, capacity, forms accepted by every member (reverse needs a theme fit), a language
    shared by all members, must-not-pair, and mutual nominations dropped although the two could
    have formed a pair and neither is in a locked group.
    """
    regs = {r.id: r for r in registrations}
    problems: list[str] = []
    where: dict[Any, str] = {}
    locked_ids = set()

    def place(rid, label):
        if rid not in regs:
            problems.append(f"{label}: {rid!r} is not a registration")
        elif rid in where:
            problems.append(f"{label}: {rid!r} is also in {where[rid]}")
        else:
            where[rid] = label

    for number, group in enumerate(result.groups, 1):
        label = f"group {number} ({', '.join(map(str, group.ids))})"
        for member in group.members:
            place(member.registration_id, label)
            if group.locked:
                locked_ids.add(member.registration_id)
        members = [(regs[m.registration_id], m.role) for m in group.members if m.registration_id in regs]
        if len(members) != len(group.members):
            continue
        roles = Counter(role for _, role in members)
        shape = {
            Form.TRADITIONAL: {Role.MENTOR: 1, Role.AKTORI: 1},
            Form.REVERSE: {Role.MENTOR: 1, Role.AKTORI: 1},
            Form.GROUP: {Role.MENTOR: 1, Role.AKTORI: 2},
            Form.PEER: {Role.PEER: 2},
        }[group.form]
        if dict(roles) != shape:
            problems.append(f"{label}: {group.form.value} needs {shape}, has {dict(roles)}")
        allowed_roles = {
            Role.MENTOR: (Role.MENTOR, Role.ANY),
            Role.AKTORI: (Role.AKTORI, Role.ANY),
            Role.PEER: (Role.PEER, Role.ANY),
        }
        for r, role in members:
            if role not in allowed_roles or r.role not in allowed_roles[role]:
                problems.append(f"{label}: {r.id!r} wished {r.role.value}, not {role.value}")
            if group.form not in r.forms:
                problems.append(f"{label}: {r.id!r} does not accept {group.form.value}")
        mentor = next((r for r, role in members if role == Role.MENTOR), None)
        aktoris = [r for r, role in members if role == Role.AKTORI]
        if group.form == Form.GROUP and mentor is not None and mentor.capacity < len(aktoris):
            problems.append(f"{label}: mentor {mentor.id!r} has capacity {mentor.capacity}")
        if group.form == Form.REVERSE and mentor is not None:
            for a in aktoris:
                if not mentor.themes_offered & a.themes_wanted:
                    problems.append(f"{label}: reverse, but {mentor.id!r} offers nothing {a.id!r} wants")
        if not frozenset.intersection(*(r.languages for r, _ in members)):
            problems.append(f"{label}: no language shared by all members")
        for k, (x, _) in enumerate(members):
            for y, _ in members[k + 1 :]:
                if y.id in x.must_not_pair or x.id in y.must_not_pair:
                    problems.append(f"{label}: {x.id!r} and {y.id!r} must not be paired")
    for entry in result.unmatched:
        place(entry.registration_id, "the unmatched list")
    for rid in regs:
        if rid not in where:
            problems.append(f"{rid!r} is neither in a group nor listed as unmatched")
    for x in regs.values():
        partner = regs.get(x.nominated) if x.nominated is not None else None
        if partner is None or partner.nominated != x.id or not (x.id < partner.id):
            continue
        if x.id in locked_ids or partner.id in locked_ids:
            continue
        if where.get(x.id) == where.get(partner.id) and where.get(x.id, "").startswith("group"):
            continue
        if _could_pair(x, partner):
            problems.append(f"mutual nomination of {x.id!r} and {partner.id!r} dropped although they could pair")
    return problems


#: Problems a facilitator cannot override.
HARD_PROBLEM_CODES = frozenset({"must_not_pair"})

SHAPES = {
    Form.TRADITIONAL: {Role.MENTOR: 1, Role.AKTORI: 1},
    Form.REVERSE: {Role.MENTOR: 1, Role.AKTORI: 1},
    Form.GROUP: {Role.MENTOR: 1, Role.AKTORI: 2},
    Form.PEER: {Role.PEER: 2},
}


def group_problems(registrations: Mapping[Any, Registration], group: Group) -> tuple[Reason, ...]:
    """What is wrong with one group (made or edited by hand), as reasons the facilitator reads.

    The same rules as ``check_result`` for one group; ``registrations`` maps ids to every
    member's registration. Codes in ``HARD_PROBLEM_CODES`` may never be overridden.
    """
    members = [(registrations[m.registration_id], Role(m.role)) for m in group.members]
    form = Form(group.form)
    problems: list[Reason] = []
    if dict(Counter(role for _, role in members)) != SHAPES[form]:
        problems.append(Reason("wrong_shape", {"form": form.value}))
    for r, role in members:
        if r.role not in (role, Role.ANY):
            problems.append(Reason("role_not_wished", {"name": r.name, "role": r.role.value}))
        if form not in r.forms:
            problems.append(Reason("form_not_accepted", {"name": r.name, "form": form.value}))
    mentor = next((r for r, role in members if role == Role.MENTOR), None)
    aktoris = [r for r, role in members if role == Role.AKTORI]
    if mentor is not None and len(aktoris) > mentor.capacity:
        problems.append(Reason("over_capacity", {"name": mentor.name}))
    if form == Form.REVERSE and mentor is not None:
        for a in aktoris:
            if not mentor.themes_offered & a.themes_wanted:
                problems.append(Reason("reverse_without_theme", {"mentor": mentor.name, "aktori": a.name}))
    if members and not frozenset.intersection(*(r.languages for r, _ in members)):
        problems.append(Reason("no_common_language"))
    for k, (x, _) in enumerate(members):
        for y, _ in members[k + 1 :]:
            if y.id in x.must_not_pair or x.id in y.must_not_pair:
                problems.append(Reason("must_not_pair", {"a": x.name, "b": y.name}))
    return tuple(problems)


def _could_pair(x: Registration, y: Registration) -> bool:
    """Whether two registrations could form a pair on their own (independent of the solver)."""
    if not x.languages & y.languages or y.id in x.must_not_pair or x.id in y.must_not_pair:
        return False

    def mentors(m: Registration, a: Registration) -> bool:
        if m.role not in (Role.MENTOR, Role.ANY) or a.role not in (Role.AKTORI, Role.ANY):
            return False
        common = m.forms & a.forms
        return Form.TRADITIONAL in common or (Form.REVERSE in common and bool(m.themes_offered & a.themes_wanted))

    peers = (
        x.role in (Role.PEER, Role.ANY)
        and y.role in (Role.PEER, Role.ANY)
        and Form.PEER in x.forms
        and Form.PEER in y.forms
    )
    return mentors(x, y) or mentors(y, x) or peers
