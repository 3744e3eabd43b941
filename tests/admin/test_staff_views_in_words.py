"""Roster, gradebook and feedback views for staff (issue 15): times in Helsinki time in the
reader's format, states in words; no ISO date, no UTC, no stored code where a person reads."""

import re
from datetime import datetime
from types import SimpleNamespace

import pytest
from flask import render_template_string
from flask_babel import force_locale

from app.core.db import db
from app.lti.models import FAILED, ScoreOutbox
from tests.support.admin_seed import seed
from tests.support.admin_web import administrator, facilitator

ISO = re.compile(r"\d{4}-\d{2}-\d{2}|\bUTC\b|\+00:00|T\d{2}:\d{2}")
CODES = re.compile(r">\s*(pending|delivered|failed|superseded|participant|facilitator|administrator)\s*<")


@pytest.fixture
def seeded(app, platform):
    with app.test_request_context("/"):
        yield seed(app, issuer=platform.issuer)


def _read(page: str) -> str:
    """What a person reads of the page's main content (markup and attribute values removed)."""
    return re.sub(r"<[^>]+>", "><", page.split("<main", 1)[-1])


def test_a_placements_last_delivery_reads_in_helsinki_time(app):
    placement = SimpleNamespace(
        link_id=3,
        resource="mentoring:1",
        title="Oma mentorointi",
        kind="mentoring",
        choice=None,
        line_item="https://moodle.example/lineitems/7",
        waiting=0,
        last=SimpleNamespace(status="delivered", at=datetime(2026, 12, 4, 12, 5), attempts=1, reason=None),
    )
    with app.test_request_context("/"), force_locale("fi"):
        html = render_template_string(
            '{% include "admin/_placements.html" %}',
            placements=[placement],
            with_switch=False,
            launched_link=None,
        )
    assert "Toimitettu 4.12.2026 14.05" in html
    assert not ISO.search(_read(html))


def test_gradebook_roster_and_feedback_pages_read_in_words(app, client, platform, seeded):
    rows = db.session.scalars(db.select(ScoreOutbox).order_by(ScoreOutbox.id)).all()
    rows[0].status, rows[0].attempts, rows[0].last_status = FAILED, 2, 400
    db.session.commit()
    client.post("/accessibility/feedback", data={"message": "Kaavion värit", "contact": "x@example.fi"})
    admin = administrator(app, platform)
    pages = {
        "/admin/gradebook": admin.page("/admin/gradebook"),
        "/admin/feedback": admin.page("/admin/feedback"),
        "/lti/roster": facilitator(app, platform).page("/lti/roster"),
    }
    assert "Aku Äijälä" in pages["/lti/roster"] and "osallistuja" in pages["/lti/roster"]
    for path, page in pages.items():
        text = _read(page)
        assert not ISO.search(text), (path, ISO.search(text).group(0))
        assert not CODES.search(text), (path, CODES.search(text).group(0))
    assert re.search(r"\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}\.\d{2}", _read(pages["/admin/feedback"]))
