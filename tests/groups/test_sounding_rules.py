"""Sounding out as pure rules (Hypothesis): no group reaches *agreed* without every member saying
go on, one rematch request dissolves it, and the matcher never pairs the same two again."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.groups import rules
from app.matching.engine.solver import match
from tests.matching.test_properties import _with, cohorts

members = st.lists(st.integers(1, 10_000), min_size=2, max_size=3, unique=True)


@st.composite
def answer_runs(draw):
    """A group and a sequence of answer attempts (some by strangers, some repeated)."""
    people = draw(members)
    attempts = draw(st.lists(st.tuples(st.sampled_from([*people, 0]), st.sampled_from(rules.ANSWERS)), max_size=8))
    return people, attempts


@given(answer_runs())
def test_no_group_is_agreed_without_every_member(run):
    people, attempts = run
    answers: dict[int, str | None] = dict.fromkeys(people)
    state = rules.SOUNDING_OUT
    for user, choice in attempts:
        allowed = rules.may_answer(state, answers, user)
        try:
            outcome = rules.answer(state, answers, user, choice)
        except ValueError:
            assert not allowed
            continue
        assert allowed
        answers, state = outcome.answers, outcome.state
        if state == rules.AGREED:
            assert all(answers[p] == rules.GO_ON for p in people)
        if choice == rules.REMATCH:
            assert state == rules.DISSOLVED
    assert set(answers) == set(people)  # strangers never join by answering
    if state != rules.AGREED:
        assert any(answers[p] != rules.GO_ON for p in people)


@given(members)
def test_every_go_on_agrees_and_one_rematch_dissolves(people):
    answers: dict[int, str | None] = dict.fromkeys(people)
    state = rules.SOUNDING_OUT
    for person in people[:-1]:
        outcome = rules.answer(state, answers, person, rules.GO_ON)
        answers, state = outcome.answers, outcome.state
        assert state == rules.SOUNDING_OUT
        assert rules.waiting_for(answers) == [p for p in people if answers[p] is None]
    last = rules.answer(state, answers, people[-1], rules.REMATCH)
    assert last.state == rules.DISSOLVED
    assert rules.answer(state, answers, people[-1], rules.GO_ON).state == rules.AGREED


def test_an_answer_is_given_once_and_only_while_sounding_out():
    agreed = rules.answer(rules.SOUNDING_OUT, {1: rules.GO_ON, 2: None}, 2, rules.GO_ON)
    assert agreed.state == rules.AGREED
    with pytest.raises(ValueError):
        rules.answer(agreed.state, agreed.answers, 2, rules.REMATCH)
    with pytest.raises(ValueError):
        rules.answer(rules.SOUNDING_OUT, {1: rules.GO_ON, 2: None}, 1, rules.REMATCH)
    with pytest.raises(ValueError):
        rules.answer(rules.SOUNDING_OUT, {1: None, 2: None}, 1, "maybe")


def test_the_deadline_passes_the_day_after():
    assert not rules.past_deadline(date(2026, 3, 1), date(2026, 3, 1))
    assert rules.past_deadline(date(2026, 3, 1), date(2026, 3, 2))
    assert not rules.past_deadline(None, date(2030, 1, 1))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(16), st.data())
def test_a_rematch_never_pairs_the_same_two_again(regs, data):
    first = match(regs, max_nodes=100_000)
    if not first.suggestions:
        return
    parted = []  # (requester, the group's members)
    for _ in range(data.draw(st.integers(1, min(2, len(first.suggestions))))):
        ids = data.draw(st.sampled_from(first.suggestions)).ids
        parted.append((data.draw(st.sampled_from(ids)), ids))
    excluded = rules.rematch_exclusions(([requester], ids) for requester, ids in parted)
    again = [_with(r, must_not_pair=frozenset(r.must_not_pair) | excluded.get(r.id, frozenset())) for r in regs]
    second = match(again, max_nodes=100_000)
    for group in second.groups:
        for requester, before in parted:
            assert requester not in group.ids or not (set(group.ids) - {requester}) & set(before)


roles_of_groups = st.one_of(
    st.lists(st.just("peer"), min_size=2, max_size=4),
    st.tuples(st.just("mentor"), st.lists(st.just("aktori"), min_size=1, max_size=2)).map(lambda t: [t[0], *t[1]]),
)


@given(roles_of_groups, st.data())
def test_a_rematch_parts_the_requester_and_keeps_only_a_valid_rest(roles, data):
    people = list(range(1, len(roles) + 1))
    role_of = dict(zip(people, data.draw(st.permutations(roles)), strict=True))
    answers = {p: data.draw(st.sampled_from([None, rules.GO_ON])) for p in people}
    requester = data.draw(st.sampled_from(people))
    parting = rules.part(role_of, answers, requester)
    rest_roles = [role_of[p] for p in people if p != requester]

    assert requester in parting.returning and requester not in parting.staying
    assert parting.returning | parting.staying.keys() == set(people)
    assert not parting.returning & parting.staying.keys()
    if parting.staying:
        assert rules.stays_together(rest_roles)
        assert parting.returning == {requester}
        assert parting.staying == {p: answers[p] for p in people if p != requester}  # their answers kept
        assert parting.state == rules.state_of(parting.staying) != rules.DISSOLVED
    else:
        assert not rules.stays_together(rest_roles)
        assert parting.state == rules.DISSOLVED
    # A pair always dissolves; the others never stay parted from each other, only from the requester.
    if len(people) == 2:
        assert not parting.staying
    excluded = rules.rematch_exclusions([([requester], people)])
    assert excluded[requester] == set(people) - {requester}
    for other in set(people) - {requester}:
        assert excluded[other] == {requester}


def test_who_stays_together():
    assert rules.stays_together(["mentor", "aktori"])
    assert rules.stays_together(["peer", "peer"])
    assert not rules.stays_together(["aktori", "aktori"])
    assert not rules.stays_together(["mentor"])
    assert not rules.stays_together(["peer"])
    assert not rules.stays_together(["mentor", "peer"])
    assert not rules.stays_together([])
    # A group of three: a leaving aktori leaves a pair, a leaving mentor leaves two aktoris apart.
    assert rules.part({1: "mentor", 2: "aktori", 3: "aktori"}, {1: rules.GO_ON, 2: rules.GO_ON, 3: None}, 3) == (
        rules.Parting(frozenset({3}), {1: rules.GO_ON, 2: rules.GO_ON}, rules.AGREED)
    )
    assert rules.part({1: "mentor", 2: "aktori", 3: "aktori"}, {1: None, 2: None, 3: None}, 1).returning == {1, 2, 3}
