"""Every date is bounded to the programme (or to the years 2000–2100 for the programme's own
dates) with a clear message, every id and page number to the database's range, and data stored
before those bounds (an event on 9999-12-31, a programme closing then) never breaks a page."""

import re
from datetime import date, datetime

import pytest
from icalendar import Calendar

from app.core.db import db
from app.events.models import ProgrammeEvent
from app.events.rules import ReportError, parse_report
from app.programme import rules
from app.programme.models import Programme
from app.sparring.models import SparringSession
from tests.events.test_attendance import kickoff_id, post_import
from tests.support.lti_double import INSTITUTION_ADMIN
from tests.support.sparring_world import launch_as
from tests.support.web import text

# The world's programme runs 5.5.2022–30.3.2023.
WITHIN = "Valitse päivä ohjelman ajalta, 5.5.2022–30.3.2023."


def test_date_rules():
    assert rules.sane_day(date(2000, 1, 1)) and rules.sane_day(date(2100, 12, 31))
    assert not rules.sane_day(date(1, 1, 1)) and not rules.sane_day(date(9999, 12, 31))
    assert rules.programme_days(date(2022, 3, 1), date(2022, 5, 5), date(2023, 3, 30)) == (
        date(2022, 3, 1),
        date(2023, 3, 30),
    )
    assert rules.programme_days(None, date(2022, 5, 5), date(2023, 3, 30))[0] == date(2022, 5, 5)
    assert rules.within_programme(date(2022, 5, 5), None, date(2022, 5, 5), date(2023, 3, 30))
    assert not rules.within_programme(date(2019, 9, 1), None, date(2022, 5, 5), date(2023, 3, 30))
    problems = rules.programme_problems(
        registration_opens=date(1, 1, 1),
        registration_closes=None,
        kickoff=date(2022, 5, 5),
        midpoint=None,
        closing=date(9999, 12, 31),
        required_meetings=6,
        min_meeting_minutes=45,
        max_meeting_minutes=75,
        languages=["fi"],
    )
    assert [p[0] for p in problems] == ["registration_opens", "closing"]
    assert problems[0][2] == {"first": 2000, "last": 2100}


def test_web_links():
    assert rules.web_link("https://teams.example/l/meetup-join/19%3ameeting")
    for bad in (
        "javascript:alert(1)",
        "https://a.example/x\r\nX-Evil: 1",
        "https://a.example/x\ny",
        "https://a.example/ x",
        "https://a.example/\tx",
        "https://a.example/" + "x" * 1100,
    ):
        assert not rules.web_link(bad), bad


def test_event_and_session_dates_within_the_programme(world):
    staff, group = world.staff, world.groups["A"]
    for day in ("2035-03-01", "2019-09-01", "0001-01-01", "9999-12-31"):
        event = world.post(
            staff,
            "/events/",
            {"kind": "lecture", "title": "Luento", "date": day, "time": "10:00", "duration": "60"},
            csrf_from="/events/",
        )
        assert event.status_code == 400 and WITHIN in text(event.get_data(as_text=True)), day
        session = world.post(
            staff, f"/sparring/groups/{group}/sessions", {"date": day, "time": "10:00", "duration": "60"}
        )
        assert session.status_code == 400 and WITHIN in text(session.get_data(as_text=True)), day
    # The error summary at the top links to the field.
    assert '<a href="#event-date">' + WITHIN in event.get_data(as_text=True)
    # The sparring form's summary names the field before its message ("Päivämäärä: …").
    assert re.search(r'<a href="#session-date">[^<]*: ' + re.escape(WITHIN), session.get_data(as_text=True))
    # An added event moved outside the programme is refused too.
    assert (
        world.post(
            staff,
            "/events/",
            {"kind": "lecture", "title": "Luento", "date": "2022-12-01", "time": "10:00", "duration": "60"},
            csrf_from="/events/",
        ).status_code
        == 303
    )
    with world.app.app_context():
        lecture = db.session.scalar(db.select(ProgrammeEvent).filter_by(title="Luento"))
        assert db.session.scalar(db.select(db.func.count(SparringSession.id))) == 0
    moved = world.post(
        staff,
        f"/events/{lecture.id}/edit",
        {"title": "Luento", "date": "2035-01-01", "time": "10:00", "duration": "60"},
        csrf_from="/events/",
    )
    assert moved.status_code == 400 and WITHIN in text(moved.get_data(as_text=True))


def test_a_line_break_in_a_video_link_is_refused(world):
    link = "https://teams.example/a\r\nX-Injected: 1"
    session = world.post(
        world.staff,
        f"/sparring/groups/{world.groups['A']}/sessions",
        {"date": "2022-12-01", "time": "10:00", "duration": "60", "video_url": "https://a.example/\r\nb"},
    )
    assert session.status_code == 400 and "https://" in text(session.get_data(as_text=True))
    event = world.post(
        world.staff,
        "/events/",
        {"kind": "lecture", "title": "Luento", "date": "2022-12-01", "time": "10:00", "duration": "60", "url": link},
        csrf_from="/events/",
    )
    assert event.status_code == 400
    with world.app.app_context():
        assert db.session.scalar(db.select(db.func.count(SparringSession.id))) == 0


def test_programme_dates_between_2000_and_2100(world):
    fields = {
        "name": "Testiohjelma",
        "kickoff": "0001-01-01",
        "closing": "9999-12-31",
        "required_meetings": "6",
        "min_meeting_minutes": "45",
        "max_meeting_minutes": "75",
        "languages": ["fi"],
    }
    response = world.post(world.staff, f"/programmes/{world.programme_id}", fields, csrf_from="/events/")
    assert response.status_code == 422
    assert "Anna päivämäärä vuosien 2000 ja 2100 väliltä." in text(response.get_data(as_text=True))
    with world.app.app_context():
        assert db.session.get(Programme, world.programme_id).closing == date(2023, 3, 30)


def test_a_csv_cell_over_128_kib_is_a_clear_refusal(world):
    event_id = kickoff_id(world)
    response = post_import(world, event_id, file=b"Email\n" + b"a" * (200 * 1024) + b"@example.fi\n")
    assert response.status_code == 400
    assert "ei voitu lukea" in text(response.get_data(as_text=True))
    with pytest.raises(ReportError):
        parse_report('"' + "x" * (130 * 1024) + '"\n')


def test_absurd_numbers_are_not_found_or_ignored(world, app, platform):
    admin = launch_as(app, platform, "adm", (INSTITUTION_ADMIN,))
    huge = str(10**23)
    assert world.staff.get(f"/programmes/{huge}").status_code == 404
    assert world.staff.get(f"/events/{huge}/attendance").status_code == 404
    assert admin.get("/admin/audit", page=huge).status_code == 200
    assert admin.get("/admin/report", programme=huge).status_code == 200  # no such programme: the latest
    assert admin.get("/admin/report", organisation=huge).status_code == 400
    assert admin.get("/admin/audit", since="0001-01-01").status_code == 400
    assert world.staff.get(f"/matching/programmes/{world.programme_id}", count=huge).status_code == 200


def test_pages_survive_dates_stored_before_the_bounds(world, app, platform):
    admin = launch_as(app, platform, "adm", (INSTITUTION_ADMIN,))
    viewer = world.viewers["p1"]
    created = world.post(viewer, "/calendar/feed", csrf_from="/calendar/")
    page = viewer.client.get(created.location).get_data(as_text=True)
    feed = re.search(r'id="feed-url" class="wide" readonly value="([^"]+)"', page).group(1).split("localhost", 1)[1]
    with app.app_context():
        programme = db.session.get(Programme, world.programme_id)
        programme.closing = date(9999, 12, 31)
        db.session.add(
            ProgrammeEvent(
                programme_id=programme.id,
                kind="lecture",
                title="Kaukana",
                starts_at=datetime(9999, 12, 31, 23, 0),
                duration_minutes=60,
            )
        )
        db.session.add(
            SparringSession(group_id=world.groups["A"], starts_at=datetime(9999, 12, 31, 23, 30), duration_minutes=60)
        )
        db.session.commit()
    for who, path in (
        (world.staff, "/events/"),
        (viewer, "/events/"),
        (viewer, "/calendar/"),
        (viewer, f"/sparring/groups/{world.groups['A']}"),
        (admin, "/admin/"),
        (admin, "/admin/report"),
    ):
        assert who.get(path).status_code == 200, path
    response = app.test_client().get(feed)
    assert response.status_code == 200
    summaries = [str(e["summary"]) for e in Calendar.from_ical(response.data).walk("VEVENT")]
    assert "Kaukana" in summaries
