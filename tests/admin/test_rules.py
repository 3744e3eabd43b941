"""Pure rules of the administration area."""

from datetime import date, datetime

import pytest

from app.admin import rules
from app.core.spreadsheet import safe_cell


def test_feedback_needs_a_message_and_from_visitors_a_contact():
    _, errors = rules.validate_feedback("  ", "", "", signed_in=False)
    assert errors == {"message": "required", "contact": "required"}
    cleaned, errors = rules.validate_feedback(" Kontrasti on heikko ", "", " /material ", signed_in=True)
    assert errors == {} and cleaned.message == "Kontrasti on heikko" and cleaned.page == "/material"


def test_feedback_lengths_are_bounded():
    _, errors = rules.validate_feedback("x" * 5001, "y" * 321, "z" * 513, signed_in=False)
    assert errors == {"message": "too_long", "contact": "too_long", "page": "too_long"}
    _, errors = rules.validate_feedback("x" * 5000, "y" * 320, "z" * 512, signed_in=False)
    assert errors == {}


def test_feedback_is_overdue_after_fourteen_days():
    sent = datetime(2026, 3, 1, 23, 30)
    assert rules.feedback_age_days(sent, datetime(2026, 3, 15, 0, 10)) == 14
    assert not rules.feedback_overdue(sent, datetime(2026, 3, 15, 12))
    assert rules.feedback_overdue(sent, datetime(2026, 3, 16, 0, 1))


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (date(2023, 3, 30), 12, date(2024, 3, 30)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2023, 11, 15), 3, date(2024, 2, 15)),
        (date(2023, 5, 31), 0, date(2023, 5, 31)),
    ],
)
def test_add_months(day, months, expected):
    assert rules.add_months(day, months) == expected


def test_purge_is_due_on_the_anniversary_not_before():
    closing = date(2023, 3, 30)
    assert not rules.purge_due(closing, 12, date(2024, 3, 29))
    assert rules.purge_due(closing, 12, date(2024, 3, 30))
    assert rules.purge_due(closing, 0, closing)


def test_median_of_a_distribution():
    assert rules.median_of({}) is None
    assert rules.median_of({3: 1}) == 3
    assert rules.median_of({2: 1, 4: 1}) == 3
    assert rules.median_of({0: 2, 6: 1}) == 0
    assert rules.median_of({1: 1, 2: 2, 9: 1}) == 2


def test_summarise_by_organisation_and_in_total():
    cells = [
        rules.Cell(1, True, 6, people=2, agreements_accepted=2, events_attended=3),
        rules.Cell(1, True, 2, people=1, agreements_accepted=0, events_attended=0),
        rules.Cell(1, False, 0, people=4, agreements_accepted=0, events_attended=1),
        rules.Cell(2, True, 9, people=1, agreements_accepted=1, events_attended=2),
        rules.Cell(None, False, 0, people=1, agreements_accepted=0, events_attended=0),
    ]
    by_org, total = rules.summarise(cells, 6)
    one = by_org[1]
    assert (one.registered, one.matched, one.agreements_accepted, one.completed, one.events_attended) == (7, 3, 2, 2, 4)
    assert one.median == 6 and one.distribution == [0, 0, 1, 0, 0, 0, 2]  # unmatched people are not in it
    assert by_org[2].distribution[-1] == 1 and by_org[2].median == 9  # "6 or more"
    assert by_org[None].median is None and by_org[None].registered == 1
    assert (total.registered, total.matched, total.completed, total.counted_meetings) == (9, 4, 3, 12 + 2 + 9)
    assert total.median == 6


def test_required_of_zero_counts_as_one():
    _, total = rules.summarise([rules.Cell(1, True, 1, 1, 0, 0)], 0)
    assert total.completed == 1 and total.distribution == [0, 1]
    assert not rules.is_complete(0, 0) and rules.is_complete(6, 6) and not rules.is_complete(5, 6)


def test_month_series_spans_the_programme():
    series = rules.month_series(date(2025, 11, 20), date(2026, 2, 1), {(2026, 1): 4})
    assert series == [(date(2025, 11, 1), 0), (date(2025, 12, 1), 0), (date(2026, 1, 1), 4), (date(2026, 2, 1), 0)]
    assert rules.month_series(date(2026, 1, 1), date(2026, 1, 31), {(2026, 3): 1})[-1] == (date(2026, 3, 1), 1)


def test_bar_chart_geometry():
    assert rules.nice_ceiling(0) == 1 and rules.nice_ceiling(7) == 10 and rules.nice_ceiling(11) == 20
    assert rules.nice_ceiling(40) == 50 and rules.nice_ceiling(100) == 100
    chart = rules.bar_chart([0, 5, 10], width=300, height=200, left=40, bottom=40, top=10)
    assert [b.value for b in chart.bars] == [0, 5, 10]
    assert chart.bars[0].height == 0 and chart.bars[2].height == 150 and chart.bars[1].height == 75
    assert all(b.y + b.height == chart.plot_bottom for b in chart.bars)
    assert chart.bars[0].x < chart.bars[1].x < chart.bars[2].x and chart.bars[2].x + chart.bars[2].width <= 300
    assert [v for _, v in chart.ticks] == [0, 5, 10]  # whole numbers only
    assert [v for _, v in rules.bar_chart([1]).ticks] == [0, 1]


def test_spreadsheet_formulas_are_defused():
    assert safe_cell("=SUM(A1)") == "'=SUM(A1)"
    assert safe_cell("+358 40 123") == "'+358 40 123"
    assert safe_cell("@x") == "'@x" and safe_cell("-1") == "'-1"
    assert safe_cell("Aino") == "Aino" and safe_cell(6) == 6 and safe_cell(None) is None


@pytest.mark.parametrize(
    "typed, months",
    [
        ("12", 12),
        (" 0 ", 0),
        ("120", 120),
        ("121", None),
        ("-1", None),
        ("1.5", None),
        ("", None),
        (None, None),
        ("kaksi", None),
    ],
)
def test_retention_months_are_whole_and_bounded(typed, months):
    assert rules.parse_retention_months(typed) == months


def test_administrators_pages_are_not_found_only_for_contacts_who_may_not_use_them():
    assert rules.hidden_from_contact(may_use=False, is_contact=True)
    assert not rules.hidden_from_contact(may_use=True, is_contact=True)  # whoever may use the page keeps it
    assert not rules.hidden_from_contact(may_use=False, is_contact=False)  # refused (403) as before
    assert not rules.hidden_from_contact(may_use=True, is_contact=False)


def test_cost_sharing_counts_sounding_out_apart_from_matched():
    sharing = rules.cost_sharing([(True, False, True, 2), (True, True, False, 1), (False, False, False, 0)])
    assert sharing == rules.CostSharing(participants=3, matched=1, sounding_out=1, completed=1, events_attended=3)
