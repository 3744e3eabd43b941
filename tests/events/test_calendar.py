"""The calendar page and the iCalendar feed: parsed back with ``icalendar``, Helsinki times right
on both sides of the DST changes, the secret URL works without a session, only its hash is
stored, and a revoked URL answers 404."""

import hashlib
import re
from datetime import date, datetime, time
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar

from app.calendar.models import CalendarFeed
from app.core.clock import NonexistentTime as LocalTimeError
from app.core.clock import helsinki_to_utc as to_utc
from app.core.clock import utc_to_helsinki as to_local
from app.core.db import db
from app.events.models import ProgrammeEvent
from app.sparring.models import SparringSession

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_times_across_dst():
    # EET (+2) before the last Sunday of March, EEST (+3) after; back on the last Sunday of October.
    assert to_utc(date(2023, 3, 25), time(10)) == datetime(2023, 3, 25, 8)
    assert to_utc(date(2023, 3, 26), time(10)) == datetime(2023, 3, 26, 7)
    assert to_utc(date(2022, 10, 29), time(10)) == datetime(2022, 10, 29, 7)
    assert to_utc(date(2022, 10, 30), time(10)) == datetime(2022, 10, 30, 8)
    assert to_utc(date(2022, 10, 30), time(3, 30)) == datetime(2022, 10, 30, 0, 30)  # first of the two 03:30s
    try:
        to_utc(date(2023, 3, 26), time(3, 30))
    except LocalTimeError:
        pass
    else:
        raise AssertionError("03:30 on 26.3.2023 does not exist in Helsinki")
    assert to_local(datetime(2023, 3, 26, 7)).hour == 10


def feed_url(world, viewer) -> str:
    response = viewer.client.post(
        "/calendar/feed",
        data={"csrf_token": viewer.csrf("/calendar/")},
        query_string={"s": viewer.token},
        follow_redirects=True,
    )
    assert response.status_code == 200 and response.request.method == "GET"
    url = re.search(r'id="feed-url" class="wide" readonly value="([^"]+)"', response.get_data(as_text=True)).group(1)
    assert "s=" not in url  # never the session token
    assert f'href="webcal://{url.split("://", 1)[1]}"' in response.get_data(as_text=True)
    return url


def add_sessions(world):
    """Sparring sessions at 10:00 Helsinki time on each side of both DST changes."""
    with world.app.app_context():
        for day in (date(2022, 10, 29), date(2022, 10, 31), date(2023, 3, 25), date(2023, 3, 27)):
            db.session.add(
                SparringSession(
                    group_id=world.groups["A"],
                    starts_at=to_utc(day, time(10)),
                    duration_minutes=90,
                    agenda="Kuulumiset",
                )
            )
        db.session.add(
            SparringSession(
                group_id=world.groups["B"], starts_at=to_utc(date(2022, 11, 1), time(9)), duration_minutes=60
            )
        )
        db.session.commit()


def test_feed_parses_back_with_helsinki_times_across_dst(world):
    add_sessions(world)
    aino = world.viewers["p1"]
    url = feed_url(world, aino)
    anonymous = world.app.test_client()  # a calendar application: no session, no cookies
    response = anonymous.get(url.split("localhost", 1)[-1])
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    events = [c for c in calendar.walk("VEVENT")]
    assert all(e.get("dtstamp") and e.get("uid") and e.get("summary") for e in events)  # RFC 5545 musts
    starts = {}
    for event in events:
        start = event.decoded("dtstart")
        assert start.tzinfo is not None
        assert event.decoded("dtend") > start
        assert len({e["uid"] for e in events}) == len(events)
        starts.setdefault(str(event["summary"]), []).append(start.astimezone(HELSINKI))
    sparring = sorted(v for k, vs in starts.items() if "Mentorit A" in k for v in vs)
    assert [s.strftime("%Y-%m-%d %H:%M %z") for s in sparring] == [
        "2022-10-29 10:00 +0300",
        "2022-10-31 10:00 +0200",
        "2023-03-25 10:00 +0200",
        "2023-03-27 10:00 +0300",
    ]
    # Not the sessions of a group she is not in; the programme's three events are there.
    assert not any("Mentorit B" in k for k in starts)
    assert sum(len(v) for v in starts.values()) == 4 + 3
    kickoff = min(v for vs in starts.values() for v in vs)
    assert kickoff.date() == date(2022, 5, 5) and kickoff.strftime("%H:%M") == "13:00"


def test_only_the_hash_is_stored_and_revoking_gives_404(world):
    aino = world.viewers["p1"]
    url = feed_url(world, aino)
    parts = urlsplit(url)
    assert parts.path == "/calendar/feed.ics"  # the secret is never in the path (access logs keep paths)
    token = parse_qs(parts.query)["token"][0]
    path = url.split("localhost", 1)[-1]
    with world.app.app_context():
        row = db.session.scalar(db.select(CalendarFeed))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str([getattr(row, c.name) for c in CalendarFeed.__table__.columns])
    anonymous = world.app.test_client()
    assert anonymous.get(path).status_code == 200
    revoke = aino.client.post(
        "/calendar/feed/revoke", data={"csrf_token": aino.csrf("/calendar/")}, query_string={"s": aino.token}
    )
    assert revoke.status_code == 303
    assert anonymous.get(path).status_code == 404
    # A wrong or guessed token is 404 as well, and so is the old form with the secret in the path.
    assert anonymous.get(path.replace(token[:6], "AAAAAA")).status_code == 404
    assert anonymous.get(f"/calendar/feed/{token}.ics").status_code == 404


def test_a_new_address_replaces_the_old(world):
    aino = world.viewers["p1"]
    first = feed_url(world, aino).split("localhost", 1)[-1]
    second = feed_url(world, aino).split("localhost", 1)[-1]
    anonymous = world.app.test_client()
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200


def test_the_page_lists_own_items_in_helsinki_time(world):
    add_sessions(world)
    page = world.viewers["p1"].page("/calendar/", lang="en")
    assert "Sparring: Mentorit A" in page
    assert "Mentorit B" not in page
    assert "10:00" in page and "8:00" not in page.replace("18:00", "")
    assert world.viewers["p5"].page("/calendar/").count("Mentorit A") == 0


def test_feed_of_someone_who_left_the_course_is_404(world):
    from app.people.models import Enrolment

    aino = world.viewers["p1"]
    path = feed_url(world, aino).split("localhost", 1)[-1]
    with world.app.app_context():
        enrolment = db.session.scalar(db.select(Enrolment).filter_by(user_id=world.users["p1"]))
        enrolment.active = False
        db.session.commit()
    assert world.app.test_client().get(path).status_code == 404


SETTINGS = {  # the world's programme as its set-up form saves it
    "name": "Testiohjelma",
    "registration_opens": "2022-03-01",
    "registration_closes": "2022-04-15",
    "kickoff": "2022-05-05",
    "midpoint": "2022-10-20",
    "closing": "2023-03-30",
    "required_meetings": "6",
    "min_meeting_minutes": "45",
    "max_meeting_minutes": "75",
    "languages": ["fi", "sv", "en"],
}


def test_programme_events_follow_the_programme_dates(world):
    from tests.support.programme_web import post

    response = post(world.staff, f"/programmes/{world.programme_id}", {**SETTINGS, "kickoff": "2022-05-06"})
    assert response.status_code == 303
    with world.app.app_context():
        kickoff = db.session.scalar(db.select(ProgrammeEvent).filter_by(slot="kickoff"))
        assert to_local(kickoff.starts_at).replace(tzinfo=None) == datetime(2022, 5, 6, 13)
        assert db.session.scalar(db.select(db.func.count(ProgrammeEvent.id))) == 3


def test_a_new_programme_gets_its_three_events_and_pages_write_nothing(world):
    from app.programme.models import Programme
    from tests.support.programme_web import post

    with world.app.app_context():
        db.session.execute(db.delete(ProgrammeEvent))
        db.session.commit()
    world.staff.page("/events/")
    world.staff.page("/calendar/")
    with world.app.app_context():
        assert db.session.scalar(db.select(db.func.count(ProgrammeEvent.id))) == 0  # a GET creates nothing
    assert post(world.staff, "/programmes/new", {**SETTINGS, "name": "Toinen"}).status_code == 303
    with world.app.app_context():
        new = db.session.scalar(db.select(Programme).filter_by(name="Toinen"))
        slots = db.session.scalars(db.select(ProgrammeEvent.slot).filter_by(programme_id=new.id))
        assert sorted(slots) == ["closing", "kickoff", "midpoint"]


def test_the_pair_s_logged_meetings_are_in_its_members_calendars(world):
    from app.mentoring.models import Meeting

    with world.app.app_context():
        db.session.add(
            Meeting(
                group_id=world.pair_id,
                starts_at=to_utc(date(2022, 11, 15), time(15)),
                duration_minutes=60,
                mode="video",
                logged_by_id=world.users["p1"],
            )
        )
        db.session.commit()
    for sub, expected in (("p1", 1), ("p2", 1), ("p3", 0)):
        url = feed_url(world, world.viewers[sub]).split("localhost", 1)[-1]
        calendar = Calendar.from_ical(world.app.test_client().get(url).data)
        meetings = [e for e in calendar.walk("VEVENT") if str(e["uid"]).startswith("meeting-")]
        assert len(meetings) == expected, sub
        if meetings:
            assert meetings[0].decoded("dtstart").astimezone(HELSINKI).strftime("%H:%M") == "15:00"
