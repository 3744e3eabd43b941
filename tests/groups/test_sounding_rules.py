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
    dissolved = [data.draw(st.sampled_from(first.suggestions)).ids]
    if data.draw(st.booleans()) and len(first.suggestions) > 1:
        dissolved.append(data.draw(st.sampled_from(first.suggestions)).ids)
    excluded = rules.rematch_exclusions(dissolved)
    again = [_with(r, must_not_pair=frozenset(r.must_not_pair) | excluded.get(r.id, frozenset())) for r in regs]
    second = match(again, max_nodes=100_000)
    for group in second.groups:
        for before in dissolved:
            assert len(set(group.ids) & set(before)) < 2
