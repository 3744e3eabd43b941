"""Programme events: the kickoff, midpoint and closing from the set-up, edited for time and place
(never their date), added events cancelled; other courses' events are 404."""

from datetime import datetime

from app.core.clock import utc_to_helsinki
from app.core.db import db
from app.events.models import ProgrammeEvent
from tests.support.lti_double import INSTRUCTOR
from tests.support.sparring_world import launch_as


def event(world, **where) -> ProgrammeEvent:
    with world.app.app_context():
        return db.session.scalar(db.select(ProgrammeEvent).filter_by(**where))


def test_programme_event_keeps_its_date_when_edited(world):
    world.staff.page("/events/")
    kickoff = event(world, slot="kickoff")
    csrf = world.staff.csrf("/events/")
    response = world.staff.client.post(
        f"/events/{kickoff.id}/edit",
        query_string={"s": world.staff.token},
        data={
            "csrf_token": csrf,
            "title": "",
            "date": "2030-01-01",
            "time": "09:30",
            "duration": "150",
            "location": "Helsinki, Tieteiden talo",
            "url": "https://teams.example/aloitus",
            "description": "Tervetuloa!",
        },
    )
    assert response.status_code == 303
    kickoff = event(world, slot="kickoff")
    assert utc_to_helsinki(kickoff.starts_at).replace(tzinfo=None) == datetime(2022, 5, 5, 9, 30)
    assert (kickoff.duration_minutes, kickoff.location) == (150, "Helsinki, Tieteiden talo")
    page = world.viewers["p1"].page("/events/")
    assert "Aloitustilaisuus" in page and "Tieteiden talo" in page and "9.30" in page


def test_cancelled_event_disappears(world):
    csrf = world.staff.csrf("/events/")
    world.staff.client.post(
        "/events/",
        query_string={"s": world.staff.token},
        data={
            "csrf_token": csrf,
            "kind": "peer_meeting",
            "title": "Vertaistapaaminen: johtaminen",
            "date": "2022-12-01",
            "time": "15:00",
            "duration": "60",
        },
    )
    added = event(world, title="Vertaistapaaminen: johtaminen")
    assert "Vertaistapaaminen: johtaminen" in world.viewers["p2"].page("/events/")
    world.staff.client.post(
        f"/events/{added.id}/edit",
        query_string={"s": world.staff.token},
        data={
            "csrf_token": csrf,
            "title": added.title,
            "date": "2022-12-01",
            "time": "15:00",
            "duration": "60",
            "cancel": "1",
        },
    )
    assert "Vertaistapaaminen: johtaminen" not in world.viewers["p2"].page("/events/")


def test_other_course_staff_get_404(world, app, platform):
    world.staff.page("/events/")
    kickoff = event(world, slot="kickoff")
    other = launch_as(app, platform, "f9", (INSTRUCTOR,), course="3")
    assert other.get(f"/events/{kickoff.id}/attendance").status_code == 404
    assert other.get(f"/events/{kickoff.id}/edit").status_code == 404
