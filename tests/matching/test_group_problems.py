"""``group_problems``: what is wrong with a hand-made group, as reasons with localisable
messages; must-not-pair is the one problem no facilitator can override."""

from app.matching.engine.checks import HARD_PROBLEM_CODES, check_result, group_problems
from app.matching.engine.reasons import PARTICIPANT_REASON_CODES, render
from app.matching.engine.types import (
    Form,
    Group,
    MatchingResult,
    Member,
    Reason,
    Registration,
    Role,
    Unmatched,
)


def cohort(*registrations):
    return {r.id: r for r in registrations}


MENTOR = Registration(
    1, "Mikko", "LUKE", role="mentor", forms=["traditional", "group"], themes_offered=["lead"], capacity=2
)
AKTORI = Registration(2, "Elina", "FMI", role="aktori", forms=["traditional", "reverse", "group"], themes_wanted=["pm"])
OTHER = Registration(3, "Aino", "SYKE", role="aktori", forms=["traditional", "group"], languages=["sv"])
PEER = Registration(4, "Johan", "NLS", role="peer", forms=["peer"], must_not_pair=[1])


def problems(group, *regs):
    return group_problems(cohort(*regs), group)


def test_a_valid_pair_and_group_have_no_problems():
    pair = Group(Form.TRADITIONAL, (Member(1, Role.MENTOR), Member(2, Role.AKTORI)))
    assert problems(pair, MENTOR, AKTORI) == ()
    assert check_result([MENTOR, AKTORI], MatchingResult((pair,), ())) == []


def test_each_problem_and_its_message():
    group = Group(Form.GROUP, (Member(1, Role.MENTOR), Member(2, Role.AKTORI), Member(3, Role.AKTORI)))
    assert problems(group, MENTOR, AKTORI, OTHER) == (Reason("no_common_language"),)
    reverse = Group(Form.REVERSE, (Member(1, Role.MENTOR), Member(2, Role.AKTORI)))
    found = problems(reverse, MENTOR, AKTORI)
    assert found == (
        Reason("form_not_accepted", {"name": "Mikko", "form": "reverse"}),
        Reason("reverse_without_theme", {"mentor": "Mikko", "aktori": "Elina"}),
    )
    assert [render(r) for r in found] == [
        "Mikko does not accept reverse mentoring",
        "reverse mentoring, but Mikko offers no theme Elina wants",
    ]
    wrong = Group(Form.PEER, (Member(4, Role.PEER), Member(2, Role.PEER)))
    codes = [r.code for r in problems(wrong, PEER, AKTORI)]
    assert codes == ["role_not_wished", "form_not_accepted"]
    shape = Group(Form.TRADITIONAL, (Member(1, Role.MENTOR), Member(2, Role.AKTORI), Member(3, Role.AKTORI)))
    assert [r.code for r in problems(shape, MENTOR, AKTORI, OTHER)][:1] == ["wrong_shape"]
    small = Registration(5, "Pekka", "STUK", role="mentor", forms=["group"], capacity=1)
    over = Group(Form.GROUP, (Member(5, Role.MENTOR), Member(2, Role.AKTORI), Member(6, Role.AKTORI)))
    sixth = Registration(6, "Maria", "STUK", role="aktori", forms=["group"])
    assert [r.code for r in problems(over, small, AKTORI, sixth)] == ["over_capacity"]


def test_must_not_pair_is_hard_and_symmetric():
    pair = Group(Form.TRADITIONAL, (Member(1, Role.MENTOR), Member(4, Role.AKTORI)))
    found = problems(pair, MENTOR, PEER)
    assert Reason("must_not_pair", {"a": "Mikko", "b": "Johan"}) in found
    assert HARD_PROBLEM_CODES == {"must_not_pair"}
    assert not PARTICIPANT_REASON_CODES & {r.code for r in found}


def test_agrees_with_check_result():
    """A group has problems exactly when check_result finds the group breaks a rule."""
    regs = [MENTOR, AKTORI, OTHER, PEER]
    for form in Form:
        for roles in ((Role.MENTOR, Role.AKTORI), (Role.PEER, Role.PEER), (Role.AKTORI, Role.MENTOR)):
            for a, b in ((1, 2), (2, 3), (1, 4), (3, 4)):
                group = Group(form, (Member(a, roles[0]), Member(b, roles[1])))
                rest = tuple(Unmatched(r.id, ()) for r in regs if r.id not in (a, b))
                checked = check_result(regs, MatchingResult((group,), rest))
                assert bool(problems(group, *regs)) == bool(checked), (form, roles, a, b, checked)
