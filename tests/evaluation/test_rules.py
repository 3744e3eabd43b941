"""The evaluation's pure rules: the k ≥ 5 rule (property tests), answers and questions, the
survey windows, the pair's check-in signal and the themes report."""

from datetime import date
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.anonymity import K, shown_count, shown_slices
from app.evaluation import rules

# Deadlines and generation speed mean nothing on a shared, busy machine; the properties do.
calm = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

slice_counts = st.dictionaries(st.sampled_from("abcdefgh"), st.integers(min_value=0, max_value=30), max_size=8)


@calm
@given(slice_counts)
def test_no_slice_under_k_is_ever_shown(counts):
    assert all(counts[key] >= K for key in shown_slices(counts))


@calm
@given(slice_counts)
def test_no_combination_of_shown_figures_reveals_fewer_than_k(counts):
    """Whatever a reader adds up or subtracts among the total and the shown slices, the people
    they can single out are none or at least K."""
    total = sum(counts.values())
    shown = sorted(shown_slices(counts))
    if total < K:  # the whole is not described either (see the results' test)
        assert not shown
        return
    for size in range(len(shown) + 1):
        for subset in combinations(shown, size):
            remainder = total - sum(counts[key] for key in subset)
            assert remainder == 0 or remainder >= K, (counts, subset)
    for a, b in combinations(shown, 2):
        # Two shown slices are disjoint: neither difference isolates a part of one of them.
        assert counts[a] >= K and counts[b] >= K


@calm
@given(slice_counts)
def test_every_slice_at_or_over_k_is_shown_when_the_rest_is_safe(counts):
    """The rule hides no more than it must: with nothing small, everything shows."""
    if all(n == 0 or n >= K for n in counts.values()):
        assert shown_slices(counts) == {key for key, n in counts.items() if n >= K}


def test_the_smallest_shown_slice_is_hidden_to_protect_a_small_remainder():
    # 7 + 6 + 2: showing both big ones would reveal the 2 by subtraction.
    assert shown_slices({"mentor": 7, "aktori": 6, "peer": 2}) == {"mentor"}
    assert shown_slices({"mentor": 7, "peer": 2}) == set()
    assert shown_slices({"mentor": 7, "aktori": 5}) == {"mentor", "aktori"}


@calm
@given(st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
def test_a_count_shows_only_when_both_sides_hold_k(count, rest):
    shown = shown_count(count, count + rest)
    if shown is None:
        assert count < K or rest < K
    else:
        assert shown == count and count >= K and rest >= K


response = st.builds(
    rules.Response,
    role=st.sampled_from(["mentor", "aktori", "peer"]),
    organisation_id=st.sampled_from([None, 1, 2, 3]),
    answers=st.fixed_dictionaries(
        {},
        optional={
            "goals": st.integers(min_value=1, max_value=5),
            "improve": st.sampled_from(["hyvä", "=SUM(A1)", "lisää"]),
        },
    ),
)
QUESTIONS = [
    {"id": "goals", "kind": rules.SCALE, "text": {"fi": "Tavoitteet"}},
    {"id": "improve", "kind": rules.TEXT, "text": {"fi": "Kehitä"}},
]


@calm
@given(st.lists(response, max_size=30), st.sampled_from([None, 1, 2]))
def test_results_never_describe_fewer_than_k(responses, organisation):
    result = rules.results(QUESTIONS, responses, organisation)
    rows = [r for r in responses if organisation is None or r.organisation_id == organisation]
    assert result.count == len(rows)
    if len(rows) < K:
        assert not result.shown and result.overall is None and not result.texts
        assert not result.by_role and not result.by_organisation
        return
    for part in [result.overall, *result.by_role, *result.by_organisation]:
        assert part.count >= K
        for summary in part.scales.values():
            assert summary is None or (summary.count >= K and sum(summary.distribution) == summary.count)
    for texts in result.texts.values():
        assert len(texts) >= K
        assert texts == sorted(texts)  # the order says nothing about who wrote first
    for parts, key_of in ((result.by_role, lambda r: r.role), (result.by_organisation, lambda r: r.organisation_id)):
        hidden = len(rows) - sum(p.count for p in parts)
        assert hidden == 0 or hidden >= K
        assert all(p.count == sum(1 for r in rows if key_of(r) == p.key) for p in parts)


def test_free_text_shows_only_with_k_writers():
    answers = [rules.Response("mentor", 1, {"goals": 4, "improve": f"t{i}"}) for i in range(4)]
    answers.append(rules.Response("mentor", 1, {"goals": 5}))
    result = rules.results(QUESTIONS, answers)
    assert result.shown and result.overall.scales["goals"].average == 4.2
    assert result.texts == {}
    result = rules.results(QUESTIONS, [*answers, rules.Response("aktori", 2, {"improve": "t9"})])
    assert result.texts == {"improve": ["t0", "t1", "t2", "t3", "t9"]}
    assert [s.key for s in result.by_role] == []  # 5 mentors and 1 aktori: the mentors would reveal the aktori


def test_check_answers():
    questions = rules.default_questions()
    answers, problems = rules.check_answers(questions, {"goals": "4", "improve": "  Enemmän tapaamisia "})
    assert answers == {"goals": 4, "improve": "Enemmän tapaamisia"} and not problems
    _answers, problems = rules.check_answers(questions, {"goals": "6", "relationship": "x"})
    assert problems.items == {"goals": "scale", "relationship": "scale"}
    _answers, problems = rules.check_answers(questions, {"improve": "x" * (rules.TEXT_MAX + 1)})
    assert problems.items == {"improve": "text_long"}
    _answers, problems = rules.check_answers(questions, {})
    assert problems.items == {"answers": "empty"}


def test_check_questions():
    rows = [
        {"id": "goals", "kind": "scale", "fi": "Tavoitteet", "sv": "", "en": "Goals"},
        {"id": "old", "kind": "text", "fi": "Pois", "remove": "1"},
        {"id": "new", "kind": "text", "fi": "", "sv": "", "en": ""},  # an empty new row adds nothing
    ]
    cleaned, problems = rules.check_questions(rows)
    assert not problems
    assert cleaned == [{"id": "goals", "kind": "scale", "text": {"fi": "Tavoitteet", "sv": "", "en": "Goals"}}]
    assert rules.question_text(cleaned[0], "sv") == "Tavoitteet"
    _cleaned, problems = rules.check_questions([{"id": "a", "kind": "radio", "fi": "", "en": "Only English"}])
    assert problems.items == {"q0-kind": "kind", "q0-fi": "finnish_missing"}
    _cleaned, problems = rules.check_questions([{"id": "a", "kind": "scale", "fi": "x", "remove": "1"}])
    assert problems.items == {"questions": "none_left"}
    _cleaned, problems = rules.check_questions([{"id": "a", "kind": "scale", "fi": "x"}] * 2)
    assert problems.items == {"questions": "duplicate"}


def test_default_questions_in_three_languages():
    for question in rules.default_questions():
        assert all(question["text"][lang] for lang in rules.LANGUAGES)
    assert {q["kind"] for q in rules.default_questions()} == {rules.SCALE, rules.TEXT}


def test_windows_and_editing():
    kickoff, midpoint, closing = date(2022, 3, 1), date(2022, 9, 1), date(2023, 2, 1)
    w = rules.window(rules.MIDPOINT, kickoff, midpoint, closing)
    assert (w.opens, w.closes) == (date(2022, 9, 1), date(2022, 9, 21))
    assert rules.window(rules.MIDPOINT, kickoff, None, closing).opens == date(2022, 8, 16)
    c = rules.window(rules.CLOSING, kickoff, midpoint, closing)
    assert c.opens == date(2023, 1, 25)
    assert [rules.state(w, d) for d in (date(2022, 8, 31), date(2022, 9, 1), date(2022, 9, 21), date(2022, 9, 22))] == [
        "upcoming",
        "open",
        "open",
        "closed",
    ]
    assert rules.may_edit_questions(w, date(2022, 8, 31), has_answers=False)
    assert not rules.may_edit_questions(w, date(2022, 9, 1), has_answers=False)
    assert not rules.may_edit_questions(w, date(2022, 8, 31), has_answers=True)


def test_low_streak_needs_two_low_meetings_in_a_row():
    assert rules.low_streak([[2], [1, 2]])
    assert not rules.low_streak([[2]])
    assert not rules.low_streak([[1], [2], [4]])  # the latest one went well
    assert not rules.low_streak([[1], [2, 5]])  # a mixed meeting averages 3.5
    assert rules.low_streak([[5], [], [2], [1]])  # meetings without check-ins are skipped


def test_pulse_trend_hides_small_months():
    assert rules.pulse_trend({"2022-10": [4, 5, 3, 4, 4], "2022-09": [1, 2]}) == [
        ("2022-09", 2, None),
        ("2022-10", 5, 4.0),
    ]


def test_themes_wanted_offered_and_unmet():
    wishes = [
        rules.Wish("aktori", 1, frozenset({"lead", "comm"}), frozenset(), frozenset({"lead"})),
        rules.Wish("aktori", 2, frozenset({"lead", "policy"}), frozenset(), frozenset()),
        rules.Wish("mentor", 1, frozenset(), frozenset({"lead"}), frozenset()),
        rules.Wish("peer", 2, frozenset({"comm"}), frozenset({"policy"}), frozenset({"comm"})),
    ]
    rows = {r.code: r for r in rules.themes(wishes, ["lead", "comm", "policy", "pm"])}
    assert (rows["lead"].wanted, rows["lead"].offered, rows["lead"].unmet) == (2, 1, 1)
    assert (rows["comm"].wanted, rows["comm"].offered, rows["comm"].unmet) == (2, 0, 1)
    assert (rows["policy"].wanted, rows["policy"].offered, rows["policy"].unmet) == (1, 1, 1)
    assert (rows["pm"].wanted, rows["pm"].offered, rows["pm"].unmet) == (0, 0, 0)
    assert [r.code for r in rules.themes(wishes, ["lead", "comm", "policy", "pm"])][-1] == "pm"
    only_two = {r.code: r for r in rules.themes(wishes, ["lead"], organisation=2)}
    assert (only_two["lead"].wanted, only_two["lead"].unmet, only_two["comm"].wanted) == (1, 1, 1)
