"""app.core.refusals: one Refused, its status and text from the area's registered tables."""

import pytest

from app.core import refusals
from app.core.refusals import Refused

refusals.register(
    {"test_plain": "Not now.", "test_params": "At most %(max)s."},
    {"test_params": 422},
)


def test_status_comes_from_the_table_or_the_raiser_else_403():
    assert Refused("test_params", max=3).status == 422
    assert Refused("test_plain").status == 403
    assert Refused("test_plain", 409).status == 409


def test_text_fills_the_parameters():
    assert Refused("test_params", max=3).text() == "At most 3."
    assert Refused("test_plain").text() == "Not now."


def test_a_code_cannot_get_two_texts():
    with pytest.raises(ValueError, match="test_plain"):
        refusals.register({"test_plain": "Other words."})


def test_mentoring_codes_are_registered_with_their_statuses(app):
    with app.test_request_context():
        refused = Refused("reason_too_long", max=500)
        assert refused.status == 422
        assert "500" in refused.text()
