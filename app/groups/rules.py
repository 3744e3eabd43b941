"""Sounding out, as pure rules over plain data.

A published group first sounds out whether its members' goals and expectations meet. Each member
answers once: go on, or please find me another match. The group is *agreed* only when every member
has said go on; one rematch request dissolves it, and its members are never paired together again.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

GO_ON = "go_on"
REMATCH = "rematch"
ANSWERS = (GO_ON, REMATCH)

# The states a published group passes through (the values of app.groups.models' statuses).
SOUNDING_OUT = "sounding_out"
AGREED = "published"
DISSOLVED = "dissolved"

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


def rematch_exclusions(dissolved: Iterable[Iterable[int]]) -> dict[int, frozenset[int]]:
    """Who must never be paired with whom again: every two members of a group dissolved by a
    rematch request (both ways, so a rematch never re-pairs the same two)."""
    excluded: dict[int, set[int]] = {}
    for members in dissolved:
        people = set(members)
        for person in people:
            excluded.setdefault(person, set()).update(people - {person})
    return {person: frozenset(others) for person, others in excluded.items()}
