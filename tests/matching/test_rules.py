"""The matcher on small hand-made cohorts whose best result is known."""

import random

import pytest

from app.matching.engine.checks import check_result
from app.matching.engine.explain import evaluate_group
from app.matching.engine.greedy import greedy_match
from app.matching.engine.reasons import (
    _TEMPLATES,
    CAUSE_LABELS,
    FORM_LABELS,
    PARTICIPANT_REASON_CODES,
    REASON_CODES,
    ROLE_LABELS,
    describe,
    render,
)
from app.matching.engine.solver import match
from app.matching.engine.types import (
    Form,
    Group,
    MatchingResult,
    MatchingSettings,
    Member,
    Reason,
    Registration,
    Role,
    Unmatched,
    Weights,
)

M, A, P, ANY = Role.MENTOR, Role.AKTORI, Role.PEER, Role.ANY


def reg(id, role=ANY, **kw):
    kw.setdefault("name", f"Person {id}")
    kw.setdefault("organisation", "SYKE")
    return Registration(id=id, role=role, **kw)


def pairs(result):
    """{(mentor, aktori...)} or {(peer, peer)} of the suggestions, as id tuples."""
    return {g.ids for g in result.suggestions}


def codes(reasons):
    return [r.code for r in reasons]


def unmatched(result):
    return {u.registration_id: u for u in result.unmatched}


def assert_sound(registrations, result):
    assert check_result(registrations, result) == []
    assert result.optimal
    greedy = greedy_match(registrations)
    assert result.total_score >= greedy.total_score - 1e-9
    assert result.total_score <= result.upper_bound + 1e-9


# -- optimal assignment ------------------------------------------------------------------------


def test_two_by_two_where_greedy_is_suboptimal():
    # Mentor 1 fits both aktoris perfectly, mentor 2 only aktori 3 (and not at all 4, who speaks
    # only Swedish). Greedy takes 1-3 first and leaves 4 alone; the optimum is 1-4 and 2-3.
    regs = [
        reg(1, M, themes_offered={"johtaminen", "viestintä", "esihenkilötyö"}, languages={"fi", "sv"}),
        reg(2, M, themes_offered={"johtaminen"}),
        reg(3, A, themes_wanted={"johtaminen", "esihenkilötyö"}),
        reg(4, A, themes_wanted={"viestintä"}, languages={"sv"}),
    ]
    greedy = greedy_match(regs)
    assert pairs(greedy) == {(1, 3)}
    result = match(regs)
    assert pairs(result) == {(1, 4), (2, 3)}
    assert result.unmatched == ()
    assert result.total_score > greedy.total_score
    w = Weights()
    assert result.total_score == pytest.approx(2 * w.base + w.theme * 1 + w.theme * 0.5)
    assert_sound(regs, result)


def test_the_whole_cohort_at_once_not_first_come_first_served():
    # The first registrant takes the best partner in a greedy loop; the optimum does not.
    regs = [
        reg(1, A, themes_wanted={"projektinhallinta"}),
        reg(2, A, themes_wanted={"projektinhallinta", "tutkijana toimiminen"}),
        reg(3, M, themes_offered={"projektinhallinta", "tutkijana toimiminen"}),
        reg(4, M, themes_offered={"projektinhallinta"}, forms={Form.TRADITIONAL}),
    ]
    result = match(regs)
    assert pairs(result) == {(3, 2), (4, 1)}
    assert_sound(regs, result)


# -- capacity and groups -----------------------------------------------------------------------


def test_capacity_two_makes_a_group():
    regs = [
        reg(1, M, capacity=2, themes_offered={"johtaminen", "viestintä"}),
        reg(2, A, themes_wanted={"johtaminen"}),
        reg(3, A, themes_wanted={"viestintä"}),
    ]
    result = match(regs)
    [group] = result.suggestions
    assert group.form == Form.GROUP
    assert group.mentor == 1 and group.aktoris == (2, 3)
    assert [m.role for m in group.members] == [M, A, A]
    assert codes(group.reasons)[:1] == ["form"]
    assert [r.params["themes"] for r in group.reasons if r.code == "shared_theme"] == [["johtaminen"], ["viestintä"]]
    assert_sound(regs, result)


def test_capacity_one_takes_one_aktori():
    regs = [
        reg(1, M, capacity=1, themes_offered={"johtaminen"}),
        reg(2, A, themes_wanted={"johtaminen"}),
        reg(3, A),
    ]
    result = match(regs)
    assert pairs(result) == {(1, 2)}
    assert codes(unmatched(result)[3].reasons) == ["capacity_exhausted"]
    assert_sound(regs, result)


def test_a_group_needs_every_member_to_accept_the_group_form():
    # Aktori 2 fits best but accepts only a pair, so the mentor either takes 2 alone or runs a group
    # with 3 and 4. Here 2 alone is worth less than the group.
    regs = [
        reg(1, M, capacity=2, themes_offered={"a", "b", "c"}),
        reg(2, A, forms={Form.TRADITIONAL}, themes_wanted={"a"}),
        reg(3, A, forms={Form.GROUP}, themes_wanted={"b"}),
        reg(4, A, forms={Form.GROUP}, themes_wanted={"c"}),
    ]
    result = match(regs)
    assert pairs(result) == {(1, 3, 4)}
    assert codes(unmatched(result)[2].reasons) == ["capacity_exhausted"]
    assert_sound(regs, result)
    # With only one group-only aktori the group cannot be formed: the pair wins.
    result = match(regs[:3])
    assert pairs(result) == {(1, 2)}
    assert codes(unmatched(result)[3].reasons) == ["group_not_formed"]
    assert_sound(regs[:3], result)


def test_group_members_must_be_able_to_meet_together():
    # 2 and 3 must not be in one group, so a group has 4 and one of them.
    regs = [
        reg(1, M, capacity=2, languages={"fi", "sv"}, themes_offered={"x"}),
        reg(2, A, themes_wanted={"x"}, must_not_pair={3}),
        reg(3, A, themes_wanted={"x"}),
        reg(4, A, languages={"sv", "fi"}),
    ]
    result = match(regs)
    assert_sound(regs, result)
    assert pairs(result) == {(1, 2, 4)}
    # If 4 speaks only Swedish, no three of them share a language: the best is a pair.
    regs[3] = reg(4, A, languages={"sv"})
    result = match(regs)
    assert_sound(regs, result)
    assert pairs(result) == {(1, 2)}


# -- nominations -------------------------------------------------------------------------------


def test_mutual_nomination_is_kept_even_against_a_better_fit():
    regs = [
        reg(1, M, name="Aino Virtanen", themes_offered={"johtaminen"}, nominated=4),
        reg(2, M, themes_offered={"viestintä"}),
        reg(3, A, themes_wanted={"johtaminen"}),
        reg(4, A, name="Bertil Lind", themes_wanted={"viestintä"}, nominated=1),
    ]
    result = match(regs)
    assert (1, 4) in pairs(result)
    [group] = [g for g in result.suggestions if g.ids == (1, 4)]
    assert Reason("nominated", {"by": "Aino Virtanen", "nominee": "Bertil Lind", "mutual": True}) in group.reasons
    assert render([r for r in group.reasons if r.code == "nominated"][0]) == (
        "Aino Virtanen and Bertil Lind nominated each other"
    )
    assert_sound(regs, result)


def test_one_sided_nomination_is_a_bonus_not_a_rule():
    regs = [
        reg(1, M, themes_offered={"johtaminen"}),
        reg(2, A, name="Aino Virtanen", nominated=1),
        reg(3, A, themes_wanted={"johtaminen"}),
    ]
    result = match(regs)
    # the bonus (5) outweighs the theme fit (4)
    assert pairs(result) == {(1, 2)}
    [group] = result.suggestions
    assert render([r for r in group.reasons if r.code == "nominated"][0]) == "nominated by Aino Virtanen"
    assert_sound(regs, result)
    stronger = MatchingSettings(weights=Weights(nomination=1.0))
    assert pairs(match(regs, stronger)) == {(1, 3)}


def test_must_not_pair_wins_over_a_mutual_nomination():
    regs = [
        reg(1, M, name="Aino", nominated=2, must_not_pair={2}),
        reg(2, A, name="Bertil", nominated=1),
        reg(3, A),
    ]
    result = match(regs)
    assert pairs(result) == {(1, 3)}
    not_kept = [r for r in result.suggestions[0].reasons if r.code == "nomination_not_kept"]
    assert not_kept == [Reason("nomination_not_kept", {"by": "Aino", "nominee": "Bertil", "cause": "must_not_pair"})]
    lonely = unmatched(result)[2].reasons
    assert codes(lonely) == ["must_not_pair_blocked", "nomination_not_kept"]
    assert lonely[1].params["cause"] == "must_not_pair"
    assert_sound(regs, result)


def test_must_not_pair_is_symmetric():
    regs = [reg(1, M), reg(2, A, must_not_pair={1})]
    result = match(regs)
    assert result.suggestions == ()
    assert {k: codes(u.reasons) for k, u in unmatched(result).items()} == {
        1: ["must_not_pair_blocked"],
        2: ["must_not_pair_blocked"],
    }


# -- infeasible constraints and the reasons given -------------------------------------------------


def test_no_shared_language_leaves_both_unmatched_with_reason():
    regs = [reg(1, M, languages={"fi"}), reg(2, A, languages={"sv", "en"})]
    result = match(regs)
    assert result.groups == ()
    assert unmatched(result)[2].reasons == (Reason("no_shared_language", {"languages": ["en", "sv"]}),)
    assert render(unmatched(result)[2].reasons[0]) == "no possible counterpart shares a language (en, sv)"
    assert_sound(regs, result)


def test_unmatched_reasons_say_what_is_missing():
    regs = [
        reg(1, M, forms={Form.TRADITIONAL}),
        reg(2, M),
        reg(3, A, forms={Form.GROUP}),  # needs a group; mentor 2 has capacity 1
        reg(4, P, forms={Form.TRADITIONAL}),  # a peer who did not accept peer mentoring
    ]
    result = match(regs)
    reasons = {k: codes(u.reasons) for k, u in unmatched(result).items()}
    assert reasons == {
        1: ["no_compatible_form"],
        2: ["no_compatible_form"],
        3: ["no_compatible_form"],
        4: ["no_form_for_role"],
    }
    only_mentors = [reg(1, M), reg(2, M)]
    assert {codes(u.reasons)[0] for u in match(only_mentors).unmatched} == {"no_compatible_counterpart"}


# -- peers, "any", reverse ----------------------------------------------------------------------


def test_peers_are_paired_with_peers_only():
    regs = [
        reg(1, P, forms={Form.PEER}, themes_offered={"a"}, themes_wanted={"b"}),
        reg(2, P, forms={Form.PEER}, themes_offered={"c"}, themes_wanted={"d"}),
        reg(3, P, forms={Form.PEER}, themes_offered={"b"}, themes_wanted={"a"}),
        reg(4, P, forms={Form.PEER}, themes_offered={"d"}, themes_wanted={"c"}),
        reg(5, M),
    ]
    result = match(regs)
    assert pairs(result) == {(1, 3), (2, 4)}
    assert all(g.form == Form.PEER and [m.role for m in g.members] == [P, P] for g in result.groups)
    assert codes(unmatched(result)[5].reasons) == ["no_compatible_counterpart"]
    [group] = [g for g in result.groups if g.ids == (1, 3)]
    shared = [r.params for r in group.reasons if r.code == "shared_theme"]
    assert shared == [
        {"themes": ["b"], "offered_by": "Person 3", "wanted_by": "Person 1"},
        {"themes": ["a"], "offered_by": "Person 1", "wanted_by": "Person 3"},
    ] or shared == [
        {"themes": ["a"], "offered_by": "Person 1", "wanted_by": "Person 3"},
        {"themes": ["b"], "offered_by": "Person 3", "wanted_by": "Person 1"},
    ]
    assert_sound(regs, result)


def test_odd_number_of_peers_is_solved_exactly():
    # Three peers who all fit: the relaxation sees a triangle; the best pair is 2-3.
    regs = [
        reg(1, P, forms={Form.PEER}, themes_offered={"a"}, themes_wanted={"b"}),
        reg(2, P, forms={Form.PEER}, themes_offered={"b", "c"}, themes_wanted={"a", "c"}),
        reg(3, P, forms={Form.PEER}, themes_offered={"a", "c"}, themes_wanted={"b", "c"}),
    ]
    result = match(regs)
    assert pairs(result) == {(2, 3)}
    assert_sound(regs, result)


def test_any_fills_the_side_the_cohort_lacks_and_is_used_once():
    regs = [
        reg(1, M, themes_offered={"johtaminen"}),
        reg(2, M, themes_offered={"viestintä"}),
        reg(3, ANY, themes_offered={"viestintä"}, themes_wanted={"johtaminen"}),
        reg(4, A, themes_wanted={"viestintä"}),
    ]
    result = match(regs)
    assert pairs(result) == {(1, 3), (2, 4)}
    roles = {m.registration_id: m.role for g in result.groups for m in g.members}
    assert roles[3] == A
    assert_sound(regs, result)


def test_reverse_pair_is_detected():
    young = reg(1, M, forms={Form.REVERSE}, themes_offered={"digitaaliset työkalut"})
    senior = reg(2, A, forms={Form.TRADITIONAL, Form.REVERSE}, themes_wanted={"digitaaliset työkalut"})
    result = match([young, senior])
    [group] = result.suggestions
    assert group.form == Form.REVERSE and group.mentor == 1
    assert render(group.reasons[0]) == "form of mentoring: reverse mentoring"
    assert_sound([young, senior], result)
    # reverse mentoring needs the mentor's strength to be something the aktori wants
    unrelated = reg(2, A, forms={Form.REVERSE}, themes_wanted={"johtaminen"})
    assert match([young, unrelated]).suggestions == ()
    # when both accept traditional mentoring too, the pair is traditional
    both = reg(1, M, forms={Form.TRADITIONAL, Form.REVERSE}, themes_offered={"digitaaliset työkalut"})
    assert match([both, senior]).suggestions[0].form == Form.TRADITIONAL


def test_cross_organisation_preference_changes_the_result():
    regs = [
        reg(1, M, organisation="SYKE", goals="vesistöjen tutkimus"),
        reg(2, M, organisation="Luke", goals="metsien tutkimus"),
        reg(3, A, organisation="SYKE", goals="vesistöjen tutkimus"),
        reg(4, A, organisation="Luke", goals="metsien tutkimus"),
    ]
    plain = match(regs)
    assert pairs(plain) == {(1, 3), (2, 4)}
    assert "same_organisation" in codes(plain.suggestions[0].reasons)
    crossed = match(regs, MatchingSettings(prefer_cross_organisation=True, weights=Weights(cross_organisation=2.0)))
    assert pairs(crossed) == {(1, 4), (2, 3)}
    assert Reason("cross_organisation", {"organisations": ["Luke", "SYKE"]}) in crossed.suggestions[0].reasons
    # A programme that prefers crossing never gives "same organisation" as a reason, even for a
    # pair it could not cross.
    same = [reg(1, M, organisation="SYKE", goals="vesistöt"), reg(3, A, organisation="SYKE", goals="vesistöt")]
    only = match(same, MatchingSettings(prefer_cross_organisation=True, weights=Weights(cross_organisation=2.0)))
    assert pairs(only) == {(1, 3)}
    assert not {"same_organisation", "cross_organisation"} & set(codes(only.suggestions[0].reasons))
    assert_sound(regs, plain)
    assert_sound(regs, crossed)


# -- locked groups, determinism, scoring -------------------------------------------------------


def test_locked_groups_are_kept_and_their_members_left_out():
    regs = [
        reg(1, M, themes_offered={"x"}),
        reg(2, A, themes_wanted={"x"}),
        reg(3, M),
        reg(4, A),
    ]
    locked = Group(Form.TRADITIONAL, (Member(1, M), Member(4, A)))
    result = match(regs, locked=[locked])
    assert result.groups[0].locked and result.groups[0].ids == (1, 4)
    assert codes(result.groups[0].reasons)[0] == "locked"
    assert pairs(result) == {(3, 2)}
    assert check_result(regs, result) == []
    with pytest.raises(ValueError):
        match(regs, locked=[locked, Group(Form.TRADITIONAL, (Member(3, M), Member(4, A)))])


def test_input_order_does_not_matter():
    rng = random.Random(7)
    themes = ["projektinhallinta", "johtaminen", "viestintä", "uran kehittäminen"]
    regs = [
        reg(
            i,
            rng.choice([M, A, A, P, ANY]),
            capacity=rng.choice([1, 2]),
            forms=set(rng.sample(list(Form), rng.randint(1, 4))),
            themes_offered=set(rng.sample(themes, 2)),
            themes_wanted=set(rng.sample(themes, 1)),
            organisation=rng.choice(["SYKE", "Luke", "THL"]),
        )
        for i in range(1, 25)
    ]
    first = match(regs)
    shuffled = regs[:]
    rng.shuffle(shuffled)
    again = match(shuffled)
    assert first == again
    assert_sound(regs, first)


def test_scores_of_suggestions_match_evaluate_group():
    regs = [
        reg(1, M, capacity=2, themes_offered={"a", "b"}, goals="Johtamisen kehittäminen ja viestintä"),
        reg(2, A, themes_wanted={"a"}, goals="Haluan kehittää johtamista", nominated=1),
        reg(3, A, themes_wanted={"b", "c"}, goals="viestintä somessa"),
        reg(4, P, forms={Form.PEER}, themes_offered={"c"}),
        reg(5, P, forms={Form.PEER}, themes_wanted={"c"}),
    ]
    result = match(regs)
    for group in result.groups:
        again = evaluate_group(regs, group.form, group.members)
        assert again.score == pytest.approx(group.score)
        assert again.reasons == group.reasons
    similar = [r for g in result.groups for r in g.reasons if r.code == "similar_goals"]
    assert similar and "johtamista" in similar[0].params["words"] or "kehittäminen" in similar[0].params["words"]


def test_check_result_finds_broken_rules():
    regs = [
        reg(1, M, languages={"fi"}, capacity=1, forms={Form.TRADITIONAL}),
        reg(2, A, languages={"sv"}, must_not_pair={1}),
        reg(3, A),
        reg(4, M, nominated=5),
        reg(5, A, nominated=4),
    ]
    bad = MatchingResult(
        groups=(
            Group(Form.GROUP, (Member(1, M), Member(2, A), Member(3, A))),
            Group(Form.PEER, (Member(3, P), Member(4, P))),
        ),
        unmatched=(Unmatched(5, ()),),
    )
    problems = "\n".join(check_result(regs, bad))
    for expected in (
        "does not accept group",
        "capacity 1",
        "no language shared",
        "must not be paired",
        "is also in",
        "wished aktori, not peer",
        "wished mentor, not peer",
        "mutual nomination of 4 and 5",
    ):
        assert expected in problems


# -- messages ----------------------------------------------------------------------------------


def test_every_code_has_a_template_and_placeholders_are_documented():
    assert set(REASON_CODES) == {code.split("/")[0] for code in _TEMPLATES}
    assert PARTICIPANT_REASON_CODES <= set(REASON_CODES)
    assert set(FORM_LABELS) == set(Form) and set(ROLE_LABELS) == set(Role)
    assert "better_overall" in CAUSE_LABELS


def test_render_reasons_through_a_translator():
    catalogue = {
        "both: %(themes)s": "molemmat: %(themes)s",
        "same language: %(language)s": "sama kieli: %(language)s",
        "nominated by %(by)s": "nimennyt: %(by)s",
    }
    gettext = lambda s: catalogue.get(s, s)  # noqa: E731
    theme = {"leadership": "johtaminen"}.get
    parts = [
        render(Reason("shared_theme", {"themes": ["leadership"]}), gettext, theme_label=theme),
        render(Reason("same_language", {"language": "fi"}), gettext),
        render(Reason("nominated", {"by": "Aino Virtanen", "mutual": False}), gettext),
    ]
    assert "; ".join(parts) == "molemmat: johtaminen; sama kieli: fi; nimennyt: Aino Virtanen"
    assert describe(Reason("capacity_exhausted", {"candidates": 3})) == (
        "compatible counterparts (%(candidates)s) were matched with others for a better overall result",
        {"candidates": 3},
    )
    with pytest.raises(KeyError):
        describe(Reason("nonsense"))


def test_all_reasons_in_a_cohort_render():
    rng = random.Random(3)
    regs = [
        reg(
            i,
            rng.choice(list(Role)),
            capacity=rng.choice([1, 2]),
            nominated=rng.choice([None, rng.randint(1, 30)]),
            forms=set(rng.sample(list(Form), rng.randint(1, 4))),
            languages=set(rng.sample(["fi", "sv", "en"], rng.randint(1, 2))),
            themes_offered=set(rng.sample("abcdef", 2)),
            themes_wanted=set(rng.sample("abcdef", 2)),
            must_not_pair=set(rng.sample(range(1, 31), 2)) - {i},
            goals="tutkimus ja johtaminen",
            organisation=rng.choice(["SYKE", "Luke"]),
        )
        for i in range(1, 31)
    ]
    result = match(regs, MatchingSettings(prefer_cross_organisation=True))
    seen = set()
    for reasons in [g.reasons for g in result.groups] + [u.reasons for u in result.unmatched]:
        for reason in reasons:
            text = render(reason)
            assert "%(" not in text
            seen.add(reason.code)
    assert len(seen) >= 6
    assert_sound(regs, result)


def test_registration_validation():
    with pytest.raises(ValueError):
        reg(1, M, capacity=3)
    with pytest.raises(ValueError):
        reg(1, M, nominated=1)
    with pytest.raises(ValueError):
        reg(1, M, forms="peer")
    with pytest.raises(ValueError):
        Weights(base=0)
    r = reg(1, "mentor", forms=["group", "peer"], languages=["FI "])
    assert r.role == M and r.forms == {Form.GROUP, Form.PEER} and r.languages == {"fi"}
    with pytest.raises(ValueError):
        match([reg(1), reg(1)])
