"""The pure set-up and registration rules: dates in order, positive counts, registration
consistency, theme codes, typed names against the roster."""

from datetime import date

import pytest

from app.programme import rules
from app.programme.rules import RegistrationInput


def dates(**changes):
    values = dict(
        registration_opens=date(2021, 11, 1),
        registration_closes=date(2022, 3, 17),
        kickoff=date(2022, 5, 5),
        midpoint=date(2022, 10, 20),
        closing=date(2023, 3, 30),
        required_meetings=6,
        min_meeting_minutes=45,
        max_meeting_minutes=75,
        languages=["fi", "sv", "en"],
    )
    values.update(changes)
    return [(field, message) for field, message, _ in rules.programme_problems(**values)]


def test_the_programme_texts_settings_are_consistent():
    assert dates() == []
    assert dates(registration_opens=None, registration_closes=None, midpoint=None) == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        (
            {"registration_closes": date(2021, 10, 1)},
            [("registration_closes", "Registration cannot close before it opens.")],
        ),
        (
            {"registration_closes": date(2022, 5, 6)},
            [("registration_closes", "Registration must close on or before the kickoff.")],
        ),
        ({"midpoint": date(2022, 5, 5)}, [("midpoint", "The midpoint event must come after the kickoff.")]),
        ({"closing": date(2022, 10, 1)}, [("closing", "The closing event must come after the midpoint event.")]),
        (
            {"closing": date(2022, 5, 1), "midpoint": None},
            [("closing", "The closing event must come after the kickoff.")],
        ),
        ({"required_meetings": 0}, [("required_meetings", "At least one meeting must be required.")]),
        (
            {"min_meeting_minutes": 80},
            [("max_meeting_minutes", "The longest meeting cannot be shorter than the shortest.")],
        ),
        ({"min_meeting_minutes": 0}, [("min_meeting_minutes", "A duration must be at least one minute.")]),
        ({"languages": []}, [("languages", "Choose at least one language.")]),
        ({"languages": ["fi", "de"]}, [("languages", "Unknown language.")]),
    ],
)
def test_each_problem_is_named_on_its_field(changes, expected):
    assert dates(**changes) == expected


def test_registration_window():
    opens, closes = date(2021, 11, 1), date(2022, 3, 17)
    assert rules.registration_open(opens, closes, date(2021, 11, 1))
    assert rules.registration_open(opens, closes, date(2022, 3, 17))
    assert not rules.registration_open(opens, closes, date(2022, 3, 18))
    assert not rules.registration_open(opens, closes, date(2021, 10, 31))
    assert rules.registration_open(None, None, date(2030, 1, 1))


def registration(**changes):
    values = dict(
        user_id=1,
        role_wish="aktori",
        forms=["traditional"],
        organisation_id=10,
        unit="",
        themes_offered=[],
        themes_wanted=["leadership"],
        goals="Kehittyä johtajana.",
        languages=["fi"],
        capacity=1,
    )
    values.update(changes)
    problems = rules.registration_problems(
        RegistrationInput(**values),
        organisations=[10, 11],
        themes=["leadership", "communication"],
        languages=["fi", "sv"],
        roster=[1, 2, 3],
    )
    return [(field, message) for field, message, _ in problems]


def test_a_complete_registration_passes():
    assert registration() == []
    assert (
        registration(
            role_wish="mentor",
            forms=["traditional", "group"],
            capacity=2,
            themes_offered=["leadership"],
            themes_wanted=[],
            counterpart_user_id=2,
            must_not_pair=[3],
        )
        == []
    )
    assert registration(counterpart_name="Ulla Ulkopuolinen", counterpart_contact="+358 40 123 4567") == []


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"role_wish": "boss"}, "role_wish"),
        ({"forms": []}, "forms"),
        ({"forms": ["peer"]}, "forms"),
        ({"role_wish": "peer", "forms": ["traditional"]}, "forms"),
        ({"organisation_id": None}, "organisation_id"),
        ({"organisation_id": 99}, "organisation_id"),  # another programme's organisation
        ({"themes_wanted": ["unknown"]}, "themes_wanted"),
        ({"themes_wanted": []}, "themes_wanted"),
        ({"role_wish": "mentor", "themes_offered": [], "themes_wanted": ["leadership"]}, "themes_offered"),
        ({"goals": ""}, "goals"),
        ({"goals": "x" * 4001}, "goals"),
        ({"languages": ["en"]}, "languages"),
        ({"capacity": 3}, "capacity"),
        ({"capacity": 2}, "capacity"),  # an aktori cannot take aktoris
        ({"role_wish": "mentor", "themes_offered": ["leadership"], "capacity": 2}, "capacity"),  # no group form
        ({"counterpart_user_id": 1}, "counterpart_user_id"),
        ({"counterpart_user_id": 7}, "counterpart_user_id"),  # not on the roster
        ({"counterpart_user_id": 2, "must_not_pair": [2]}, "counterpart_user_id"),
        ({"counterpart_user_id": 2, "counterpart_name": "Ulla"}, "counterpart_name"),
        ({"counterpart_contact": "ulla"}, "counterpart_contact"),
        ({"counterpart_contact": "ulla@example.fi"}, "counterpart_name"),
        ({"must_not_pair": [1]}, "must_not_pair"),
        ({"must_not_pair": [8]}, "must_not_pair"),
    ],
)
def test_each_inconsistency_is_reported_on_its_field(changes, field):
    problems = registration(**changes)
    assert [f for f, _ in problems] == [field], problems


def test_theme_codes_are_ascii_and_unique():
    assert rules.theme_code("Kansainvälinen yhteistyö", []) == "kansainvalinen_yhteistyo"
    assert rules.theme_code("Johtaminen", ["johtaminen"]) == "johtaminen_2"
    assert rules.theme_code("Johtaminen", ["johtaminen", "johtaminen_2"]) == "johtaminen_3"
    assert rules.theme_code("!!!", []) == "theme"


def test_theme_in_use_and_reordering():
    rows = [(["leadership"], []), ([], ["leadership", "communication"]), ([], [])]
    assert rules.theme_in_use("leadership", rows) == 2
    assert rules.theme_in_use("networking", rows) == 0
    assert rules.moved(["a", "b", "c"], "c", -1) == ["a", "c", "b"]
    assert rules.moved(["a", "b", "c"], "a", -1) == ["a", "b", "c"]
    assert rules.moved(["a", "b", "c"], "a", 1) == ["b", "a", "c"]


def test_typed_names_resolve_against_the_roster():
    people = [(1, "Aino Virtanen"), (2, "Mikko Korhonen"), (3, "Anna Salo"), (4, "Anna  Salo")]
    assert rules.resolve_names("aino virtanen\n\n  MIKKO   Korhonen \nAino Virtanen", people) == ([1, 2], [], [])
    assert rules.resolve_names("Ei Ketään\nAnna Salo", people) == ([], ["Ei Ketään"], ["Anna Salo"])


def test_seeds_cover_the_tulanet_institutes_in_three_languages():
    codes = [o[0] for o in rules.TULANET_ORGANISATIONS]
    assert codes == ["GTK", "FMI", "LUKE", "NLS", "RUOKAVIRASTO", "STUK", "SYKE", "THL", "TTL", "UPI", "VTT"]
    for seed in rules.TULANET_ORGANISATIONS + rules.PROGRAMME_THEMES:
        assert len(seed) == 4 and all(seed), seed
    assert len({t[0] for t in rules.PROGRAMME_THEMES}) == len(rules.PROGRAMME_THEMES)
