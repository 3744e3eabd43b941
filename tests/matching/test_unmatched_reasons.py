"""Why someone stayed unmatched, told truthfully: the matcher sees who is already in a published
group, so "everyone who fits is taken" is told apart from "nobody fits", and a wanted theme that
nobody offers from one whose every mentor is taken.

Hand-made cases first, then properties on random cohorts checked against an oracle written
independently of the matcher's arrays.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.matching.engine.checks import check_result
from app.matching.engine.reasons import render
from app.matching.engine.solver import match
from app.matching.engine.types import Form, Group, Member, Reason, Registration, Role
from tests.matching.test_properties import cohorts

M, A = Role.MENTOR, Role.AKTORI
PRIMARY = {
    "no_form_for_role",
    "no_compatible_counterpart",
    "no_shared_language",
    "no_compatible_form",
    "must_not_pair_blocked",
    "counterparts_taken",
    "group_not_formed",
    "capacity_exhausted",
}


def reg(id, role, **kw):
    kw.setdefault("name", f"Person {id}")
    kw.setdefault("organisation", "SYKE")
    kw.setdefault("forms", {Form.TRADITIONAL})
    return Registration(id=id, role=role, **kw)


def reasons_of(result, rid):
    return next(u.reasons for u in result.unmatched if u.registration_id == rid)


def test_the_only_mentor_for_a_theme_in_a_published_pair_is_taken_not_missing():
    mentor = reg(1, M, themes_offered={"leadership"})
    published = [mentor, reg(2, A)]
    aktori = reg(3, A, themes_wanted={"leadership"})
    result = match([aktori], published=published)
    assert result.groups == ()
    assert reasons_of(result, 3) == (
        Reason("counterparts_taken", {"published": 1, "locked": 0}),
        Reason("theme_taken", {"themes": ["leadership"]}),
    )
    assert render(reasons_of(result, 3)[1]) == (
        "everyone offering the theme wanted is already in a pair or group: leadership"
    )
    # Without the published groups the matcher could only say that nobody fits.
    alone = match([aktori])
    assert reasons_of(alone, 3) == (
        Reason("no_compatible_counterpart", {"role": "aktori"}),
        Reason("theme_not_offered", {"themes": ["leadership"]}),
    )


def test_a_theme_nobody_offers_is_not_called_taken():
    regs = [reg(1, M, themes_offered={"communication"}), reg(2, A), reg(3, A, themes_wanted={"leadership"})]
    result = match(regs[2:], published=regs[:2])
    assert reasons_of(result, 3)[1:] == (Reason("theme_not_offered", {"themes": ["leadership"]}),)


def test_a_free_mentor_elsewhere_means_capacity_not_taken():
    regs = [reg(1, M, themes_offered={"leadership"}), reg(2, A), reg(3, A, themes_wanted={"leadership"})]
    result = match(regs)  # one mentor, two aktoris, nobody published
    lonely = next(u for u in result.unmatched)
    assert lonely.reasons[0].code == "capacity_exhausted"
    assert [r.code for r in lonely.reasons if r.code.startswith("theme_")] == []


def test_locked_drafts_count_as_taken_too():
    regs = [reg(1, M, themes_offered={"leadership"}), reg(2, A), reg(3, A, themes_wanted={"leadership"})]
    locked = Group(Form.TRADITIONAL, (Member(1, M), Member(2, A)))
    result = match(regs, locked=[locked])
    assert reasons_of(result, 3) == (
        Reason("counterparts_taken", {"published": 0, "locked": 1}),
        Reason("theme_taken", {"themes": ["leadership"]}),
    )


def test_a_nominee_in_a_published_pair_is_not_called_unregistered():
    published = [reg(1, M), reg(2, A)]
    result = match([reg(3, A, nominated=1), reg(4, M)], published=published)
    group = result.suggestions[0]
    [not_kept] = [r for r in group.reasons if r.code == "nomination_not_kept"]
    assert not_kept.params["cause"] == "published"
    assert "already in a published pair or group" in render(not_kept)


# -- properties -----------------------------------------------------------------------------------


def _shares(x: Registration, y: Registration) -> bool:
    return bool(x.languages & y.languages) and y.id not in x.must_not_pair and x.id not in y.must_not_pair


def _mentors(m: Registration, a: Registration) -> bool:
    """Whether ``m`` could mentor ``a`` in some form (pair or group), written from the rules."""
    if m.role not in (M, Role.ANY) or a.role not in (A, Role.ANY):
        return False
    common = m.forms & a.forms
    return (
        Form.TRADITIONAL in common
        or (Form.REVERSE in common and bool(m.themes_offered & a.themes_wanted))
        or (Form.GROUP in common and m.capacity == 2)
    )


def _peers(x: Registration, y: Registration) -> bool:
    return all(r.role in (Role.PEER, Role.ANY) and Form.PEER in r.forms for r in (x, y))


def fits(x: Registration, y: Registration) -> bool:
    return _shares(x, y) and (_mentors(x, y) or _mentors(y, x) or _peers(x, y))


def could_mentor(y: Registration, x: Registration) -> bool:
    """``y`` could be ``x``'s mentor or peer."""
    return _shares(x, y) and (_mentors(y, x) or _peers(x, y))


@st.composite
def split_cohorts(draw):
    regs = draw(cohorts(24))
    published_ids = draw(st.sets(st.sampled_from([r.id for r in regs]))) if regs else set()
    return [r for r in regs if r.id not in published_ids], [r for r in regs if r.id in published_ids]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split_cohorts())
def test_unmatched_reasons_tell_the_truth(split):
    pool, published = split
    result = match(pool, published=published, max_nodes=100_000)
    # The published take no part: the result is about the pool only, and keeps every rule.
    assert check_result(pool, result) == []
    published_ids = {r.id for r in published}
    placed = {i for g in result.groups for i in g.ids} | {u.registration_id for u in result.unmatched}
    assert not published_ids & placed
    everyone = pool + published
    for entry in result.unmatched:
        me = next(r for r in pool if r.id == entry.registration_id)
        codes = [r.code for r in entry.reasons]
        assert len([c for c in codes if c in PRIMARY]) == 1 and codes[0] in PRIMARY
        free_fit = any(fits(me, y) for y in pool if y.id != me.id)
        taken_fit = any(fits(me, y) for y in published)
        if codes[0] == "counterparts_taken":
            assert taken_fit and not free_fit
            assert entry.reasons[0].params == {"published": sum(fits(me, y) for y in published), "locked": 0}
        elif codes[0] in ("capacity_exhausted", "group_not_formed"):
            assert free_fit
        else:
            assert not free_fit and not taken_fit
        said = {r.code: set(r.params["themes"]) for r in entry.reasons if r.code.startswith("theme_")}
        for theme in me.themes_wanted:
            offered = [y for y in everyone if y.id != me.id and theme in y.themes_offered]
            free = [y for y in offered if y.id not in published_ids and could_mentor(y, me)]
            taken = [y for y in offered if y.id in published_ids and could_mentor(y, me)]
            assert (theme in said.get("theme_not_offered", set())) == (not offered)
            assert (theme in said.get("theme_taken", set())) == bool(taken and not free)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split_cohorts())
def test_the_published_do_not_change_the_suggestions(split):
    """Without goals texts (whose word weights count the whole cohort) the published change only
    the reasons, never whom the matcher suggests."""
    pool, published = split
    pool = [Registration(**{**{k: getattr(r, k) for k in r.__dataclass_fields__}, "goals": ""}) for r in pool]
    with_published = match(pool, published=published, max_nodes=100_000)
    without = match(pool, max_nodes=100_000)
    assert [(g.form, g.members) for g in with_published.groups] == [(g.form, g.members) for g in without.groups]
    assert [u.registration_id for u in with_published.unmatched] == [u.registration_id for u in without.unmatched]
