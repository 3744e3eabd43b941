"""After a form: a refused one shows the page as it was, a successful one answers with a redirect
(reloading the page never posts again), and a form's address opened as a page is a page."""

import re

from app.calendar.models import CalendarFeed
from app.core.db import db
from tests.events.test_attendance import REPORT, attended, kickoff_id, post_import


def test_a_refused_new_event_keeps_the_attendance_counts(world):
    event_id = kickoff_id(world)
    world.post(
        world.staff,
        f"/events/{event_id}/attendance",
        {"attended": [world.users["p1"], world.users["p2"]]},
        csrf_from="/events/",
    )
    assert "(2 kirjattu)" in world.staff.page("/events/")
    refused = world.post(
        world.staff,
        "/events/",
        {"kind": "lecture", "title": "", "date": "2022-12-01", "time": "15:00", "duration": "60"},
        csrf_from="/events/",
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Anna tilaisuudelle otsikko." in page
    assert "(2 kirjattu)" in page and "(0 kirjattu)" in page  # the kickoff's two, the others' none


def test_attendance_preview_is_a_page_of_its_own(world):
    event_id = kickoff_id(world)
    staff = world.staff
    # Before any report, the import's address leads to the attendance page.
    assert staff.get(f"/events/{event_id}/attendance/import").status_code == 303
    opened = staff.client.get(
        f"/events/{event_id}/attendance/import", query_string={"s": staff.token}, follow_redirects=True
    )
    assert opened.status_code == 200 and "preview-heading" not in opened.get_data(as_text=True)
    posted = post_import(world, event_id, text=REPORT)
    assert posted.status_code == 303
    assert posted.location.split("?")[0] == f"/events/{event_id}/attendance/import"
    for _reload in range(2):
        page = staff.client.get(posted.location).get_data(as_text=True)
        assert 'id="preview-heading"' in page and "vieras@muu.example" in page
    assert attended(world, event_id) == set()
    text = re.search(r'<textarea name="report_text" hidden>(.*?)</textarea>', page, re.S).group(1)
    assert post_import(world, event_id, text=text.replace("&#39;", "'"), confirm=True).status_code == 303
    assert attended(world, event_id) == {world.users["p1"], world.users["p2"]}
    # The preview is gone once applied.
    assert staff.get(f"/events/{event_id}/attendance/import").status_code == 303


def test_a_new_calendar_address_is_shown_once_after_a_redirect(world):
    viewer = world.viewers["p1"]
    created = world.post(viewer, "/calendar/feed", csrf_from="/calendar/")
    assert created.status_code == 303
    page = viewer.client.get(created.location).get_data(as_text=True)
    url = re.search(r'id="feed-url" class="wide" readonly value="([^"]+)"', page).group(1)
    assert "/calendar/feed.ics?token=" in url
    reloaded = viewer.page("/calendar/")
    assert 'id="feed-url"' not in reloaded and "Sinulla on voimassa oleva kalenteriosoite" in reloaded
    with world.app.app_context():
        assert db.session.scalar(db.select(db.func.count(CalendarFeed.id))) == 1
    for path in ("/calendar/feed", "/calendar/feed/revoke"):
        response = viewer.get(path)
        assert response.status_code == 303 and response.location.split("?")[0] == "/calendar/"
    with world.app.app_context():
        assert db.session.scalar(db.select(db.func.count(CalendarFeed.id))) == 1
