"""Pure rules of the administration area."""
from datetime import date, datetime

import pytest

from app.admin import rules


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


@pytest.mark.parametrize("day, months, expected", [
    (date(2023, 3, 30), 12, date(2024, 3, 30)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2023, 11, 15), 3, date(2024, 2, 15)),
    (date(2023, 5, 31), 0, date(2023, 5, 31)),
])
def test_add_months(day, months, expected):
    assert rules.add_months(day, months) == expected


def test_purge_is_due_on_the_anniversary_not_before():
    closing = date(2023, 3, 30)
    assert not rules.purge_due(closing, 12, date(2024, 3, 29))
    assert rules.purge_due(closing, 12, date(2024, 3, 30))
    assert rules.purge_due(closing, 0, closing)
