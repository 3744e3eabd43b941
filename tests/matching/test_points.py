"""Scores as people read them: 0–100 points whose parts are named and add up (issue 15)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from app.matching.engine.points import PARTS, ceiling, points
from app.matching.engine.reasons import render
from app.matching.engine.solver import match
from app.matching.engine.types import MatchingSettings, Registration, Role, Weights
from tests.matching.test_properties import cohorts


def reg(id, role, **kw):
    kw.setdefault("name", f"Person {id}")
    kw.setdefault("organisation", "SYKE")
    return Registration(id=id, role=role, **kw)


def score_of(group):
    [score] = [r for r in group.reasons if r.code == "score"]
    return score.params


def test_a_pair_reads_as_points_with_named_parts():
    regs = [
        reg(1, Role.MENTOR, themes_offered={"x"}, organisation="SYKE"),
        reg(2, Role.AKTORI, themes_wanted={"x"}, organisation="Luke"),
    ]
    [group] = match(regs, MatchingSettings(prefer_cross_organisation=True)).groups
    # Ceiling 1 + 4 + 2 + 1 = 8: theme 4/8, crossing 1/8, base 1/8; no goals texts.
    assert score_of(group) == {"points": 75, "parts": {"theme": 50, "cross_organisation": 13, "base": 12}}
    assert render([r for r in group.reasons if r.code == "score"][0]) == (
        "75/100 (shared theme: 50 · crossing organisations: 13 · fits the rules: 12)"
    )


def test_a_mutual_nomination_caps_at_100_and_keeps_its_parts_in_proportion():
    regs = [
        reg(1, Role.MENTOR, themes_offered={"x"}, nominated=2),
        reg(2, Role.AKTORI, themes_wanted={"x"}, nominated=1),
    ]
    [group] = match(regs).groups
    params = score_of(group)
    assert params["points"] == 100 and sum(params["parts"].values()) == 100
    assert params["parts"]["nomination"] > params["parts"]["theme"] > params["parts"]["base"]


def test_crossing_is_never_a_part_unless_preferred():
    regs = [reg(1, Role.MENTOR, organisation="SYKE"), reg(2, Role.AKTORI, organisation="Luke")]
    [group] = match(regs).groups
    assert "cross_organisation" not in score_of(group)["parts"]
    assert score_of(group) == {"points": 14, "parts": {"base": 14}}  # 1 of 1 + 4 + 2


@given(
    st.fixed_dictionaries({k: st.floats(0, 50, allow_nan=False) for k in PARTS}),
    st.floats(0.5, 100, allow_nan=False),
)
def test_points_add_up_and_stay_within_a_point_of_the_exact_share(raw, ceiling_total):
    total, parts = points(raw, ceiling_total)
    assert 0 <= total <= 100 and sum(parts.values()) == total
    assert set(parts) <= {k for k in PARTS if raw[k] > 0}
    exact = {k: 100 * raw[k] / ceiling_total for k in PARTS}
    scale = min(1.0, 100 / sum(exact.values())) if sum(exact.values()) else 1.0
    for k in PARTS:
        assert abs(parts.get(k, 0) - exact[k] * scale) < 1.0 + 1e-9


@settings(max_examples=60, deadline=None)
@given(cohorts(16), st.booleans())
def test_every_group_has_one_score_in_range(regs, prefer_cross):
    setting = MatchingSettings(prefer_cross_organisation=prefer_cross)
    for group in match(regs, setting, max_nodes=100_000).groups:
        params = score_of(group)
        assert 0 <= params["points"] <= 100 and sum(params["parts"].values()) == params["points"]
        if not prefer_cross:
            assert "cross_organisation" not in params["parts"]
        # Without nominations the points are the solver's own score over the ceilings.
        if "nomination" not in params["parts"]:
            peer = group.form.value == "peer"
            relationships = 1 if peer else len(group.aktoris)
            assert abs(params["points"] - 100 * group.score / (relationships * ceiling(setting, peer))) <= 0.5 + 1e-6


def test_ceiling_follows_the_weights():
    setting = MatchingSettings(weights=Weights(base=2, theme=3, goals=1, cross_organisation=5))
    assert ceiling(setting, is_peer=False) == 6 and ceiling(setting, is_peer=True) == 9
