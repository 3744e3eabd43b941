"""Pure rules for sparring groups: who goes to which group, who may see a group's space and who
may edit a message.

``may_edit(...)``: an author edits their own message for ``EDIT_WINDOW`` after sending it (long
enough to fix a typo, short enough that replies do not lose what they answered); a removed
message is never edited.

``assign(people, groups)`` places everyone in ``people`` (those not yet in a group) into one of
``groups`` (which may already have members), in this order of importance:

1. **Pairs apart.** Members of one mentoring pair or small group (the same ``pair``) never share a
   sparring group when that is avoidable, i.e. when enough groups hold none of them. Sparring is
   where participants talk about their mentoring; the other party of it should not be in the room.
2. **Even sizes.** Each person goes to the smallest group they may join; starting from groups of
   equal size the sizes never differ by more than one.
3. **Organisations spread.** Among equally small groups, the one with the fewest people from the
   person's organisation, so that each group hears several agencies.

Pairs are placed together, largest first (a trio needs three free groups), so a later person never
finds every group taken by their pair. Ties break on the group's position and the person's id:
the same input always gives the same result.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

EDIT_WINDOW = timedelta(minutes=30)


def may_edit(
    *,
    author_id: int | None,
    viewer_id: int,
    created_at: datetime,
    deleted: bool,
    now: datetime,
    window: timedelta = EDIT_WINDOW,
) -> bool:
    return author_id == viewer_id and not deleted and timedelta(0) <= now - created_at <= window


def may_see_space(*, staff: bool, viewer_id: int, member_ids: Iterable[int]) -> bool:
    """A group's space is for its members and the course's staff."""
    return staff or viewer_id in set(member_ids)


@dataclass(frozen=True)
class Person:
    user_id: int
    organisation: str | None = None
    pair: int | None = None  # the mentoring group (pair or small group) they belong to


@dataclass(frozen=True)
class Group:
    group_id: int
    members: tuple[Person, ...] = field(default_factory=tuple)


def assign(people: list[Person] | tuple[Person, ...], groups: list[Group] | tuple[Group, ...]) -> dict[int, int]:
    """``user_id → group_id`` for every person in ``people``; empty when there are no groups."""
    if not groups:
        return {}
    size = {g.group_id: len(g.members) for g in groups}
    orgs = {g.group_id: Counter(m.organisation for m in g.members if m.organisation) for g in groups}
    pairs_in = {g.group_id: Counter(m.pair for m in g.members if m.pair is not None) for g in groups}
    order = {g.group_id: i for i, g in enumerate(groups)}

    # Units to place: a pair's new members together, everyone else alone.
    by_pair: dict[int, list[Person]] = defaultdict(list)
    units: list[list[Person]] = []
    for person in sorted(people, key=lambda p: p.user_id):
        if person.pair is None:
            units.append([person])
        else:
            by_pair[person.pair].append(person)
    units.extend(by_pair.values())
    units.sort(key=lambda unit: (-len(unit), unit[0].user_id))

    def cost(person: Person, group_id: int) -> tuple[int, ...]:
        return (
            pairs_in[group_id][person.pair] if person.pair is not None else 0,
            size[group_id],
            orgs[group_id][person.organisation] if person.organisation else 0,
            order[group_id],
        )

    placed: dict[int, int] = {}
    for unit in units:
        for person in unit:
            best = min(size, key=partial(cost, person))
            placed[person.user_id] = best
            size[best] += 1
            if person.organisation:
                orgs[best][person.organisation] += 1
            if person.pair is not None:
                pairs_in[best][person.pair] += 1
    return placed


def pairs_together(placement: dict[int, int], people: list[Person], groups: list[Group]) -> int:
    """How many pairs of pair-mates share a sparring group (existing members included)."""
    members: dict[int, list[int | None]] = defaultdict(list)
    for g in groups:
        for m in g.members:
            members[g.group_id].append(m.pair)
    for p in people:
        members[placement[p.user_id]].append(p.pair)
    total = 0
    for pairs in members.values():
        for count in Counter(x for x in pairs if x is not None).values():
            total += count * (count - 1) // 2
    return total
