"""Sounding out, as pure rules over plain data.

A published group first sounds out whether its members' goals and expectations meet. Each member
answers once: go on, or please find me another match. The group is *agreed* only when every member
has said go on. A rematch request parts the requester from the others for good; in a group of three
the others stay together if they still form a group (``part``).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

GO_ON = "go_on"
REMATCH = "rematch"
ANSWERS = (GO_ON, REMATCH)

# The states a published group passes through (the values of app.groups.models' statuses).
SOUNDING_OUT = "sounding_out"
AGREED = "published"
DISSOLVED = "dissolved"
ENDED = "ended"

# Members log their meetings from the first conversation on, but they count only once the group is
# agreed (app.groups.signals.group_agreed recounts them then).
MEETINGS_OPEN = (SOUNDING_OUT, AGREED)
MEETINGS_COUNT = (AGREED, ENDED)

Answers = Mapping[int, str | None]  # member's user id -> their answer, None while they have not answered


def state_of(answers: Answers) -> str:
    """Dissolved once anyone asks for a rematch; agreed when every member (at least two) said go on."""
    given = list(answers.values())
    if REMATCH in given:
        return DISSOLVED
    if len(given) >= 2 and all(a == GO_ON for a in given):
        return AGREED
    return SOUNDING_OUT


def may_answer(state: str, answers: Answers, user_id: int) -> bool:
    """A member answers once, and only while the group is sounding out."""
    return state == SOUNDING_OUT and user_id in answers and answers[user_id] is None


@dataclass(frozen=True)
class Outcome:
    answers: dict[int, str | None]
    state: str


def answer(state: str, answers: Answers, user_id: int, choice: str) -> Outcome:
    """The group after ``user_id`` answers ``choice``; ValueError when that answer is not allowed."""
    if choice not in ANSWERS:
        raise ValueError("unknown answer")
    if not may_answer(state, answers, user_id):
        raise ValueError("not a member waiting to answer")
    after = dict(answers)
    after[user_id] = choice
    return Outcome(after, state_of(after))


def waiting_for(answers: Answers) -> list[int]:
    """Members who have not answered yet (for the facilitators)."""
    return [user for user, given in answers.items() if given is None]


def past_deadline(deadline: date | None, today: date) -> bool:
    return deadline is not None and today > deadline


def stays_together(roles: Sequence[str]) -> bool:
    """Whether the members left after someone leaves still form a group: a mentor with an aktori
    (or two), or at least two peers."""
    if len(roles) >= 2 and all(role == "peer" for role in roles):
        return True
    return roles.count("mentor") == 1 and roles.count("aktori") >= 1 and len(roles) == 1 + roles.count("aktori")


@dataclass(frozen=True)
class Parting:
    """What one rematch request leaves: who returns to matching, and the answers of the members who
    stay together (empty when the group dissolves) with that group's state."""

    returning: frozenset[int]
    staying: dict[int, str | None]
    state: str


def part(roles: Mapping[int, str], answers: Answers, requester: int) -> Parting:
    """The requester leaves; the others stay together while they still form a group, sounding out as
    before (agreed if every one of them already said go on), else they return to matching too."""
    rest = {user: role for user, role in roles.items() if user != requester}
    if not stays_together(list(rest.values())):
        return Parting(frozenset(roles), {}, DISSOLVED)
    staying = {user: answers.get(user) for user in rest}
    return Parting(frozenset({requester}), staying, state_of(staying))


def rematch_exclusions(dissolved: Iterable[tuple[Iterable[int], Iterable[int]]]) -> dict[int, frozenset[int]]:
    """Who must never be paired with whom again, from (requesters, members) of each group a rematch
    request parted: each requester and every other member, both ways (so a rematch never re-pairs
    the same two). Members who stay together are not parted from each other."""
    excluded: dict[int, set[int]] = {}
    for requesters, members in dissolved:
        people = set(members)
        for requester in set(requesters) & people:
            for other in people - {requester}:
                excluded.setdefault(requester, set()).add(other)
                excluded.setdefault(other, set()).add(requester)
    return {person: frozenset(others) for person, others in excluded.items()}
