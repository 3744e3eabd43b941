"""Sessions end: idle and absolute lifetimes, logout, a relaunch with another role, the roster
marking the enrolment inactive, erasure; and the role of every request is the enrolment's
current one, not the one the launch copied into the session."""

from datetime import datetime, timedelta

import pytest

from app.admin.privacy import erase_person
from app.core.clock import utcnow
from app.core.db import db
from app.core.sessions import WebSession, _hash, next_expiry, session_alive
from app.people.models import Enrolment, User
from tests.support.lti_double import INSTRUCTOR, LEARNER
from tests.support.security import csrf, session_row
from tests.support.web import launch

T0 = datetime(2026, 12, 4, 8, 0)
IDLE, ABSOLUTE = 8 * 3600, 12 * 3600


@pytest.mark.parametrize(
    "now, expected",
    [
        (T0, T0 + timedelta(hours=8)),  # a fresh session: the idle lifetime
        (T0 + timedelta(hours=3), T0 + timedelta(hours=11)),  # used later: slides forward
        (T0 + timedelta(hours=4), T0 + timedelta(hours=12)),  # exactly at the cap
        (T0 + timedelta(hours=5), T0 + timedelta(hours=12)),  # capped at created + absolute
        (T0 + timedelta(hours=11, minutes=59), T0 + timedelta(hours=12)),
    ],
)
def test_idle_expiry_slides_but_never_past_the_absolute_lifetime(now, expected):
    assert next_expiry(T0, now, IDLE, ABSOLUTE) == expected


@pytest.mark.parametrize(
    "expires_in, age, alive",
    [
        (timedelta(hours=1), timedelta(hours=1), True),
        (timedelta(seconds=-1), timedelta(hours=1), False),  # idle too long
        (timedelta(hours=1), timedelta(hours=12), False),  # old, whatever its expiry says
        (timedelta(hours=1), timedelta(hours=11, minutes=59), True),
    ],
)
def test_session_alive(expires_in, age, alive):
    now = T0 + timedelta(hours=20)
    assert session_alive(now - age, now + expires_in, now, ABSOLUTE) is alive


def test_the_default_absolute_lifetime_is_twelve_hours(app):
    assert app.config["SESSION_ABSOLUTE_SECONDS"] == 43200


def test_writes_never_extend_a_session_past_its_absolute_lifetime(app, platform):
    viewer = launch(app, platform, (LEARNER,))
    with app.app_context():
        row = db.session.get(WebSession, _hash(viewer.token))
        row.created_at = utcnow() - timedelta(hours=11)  # launched 11 h ago, in use ever since
        db.session.commit()
    # Changing the language writes the session, which slides its idle expiry forward.
    response = viewer.client.post(
        "/locale", query_string={"s": viewer.token}, data={"csrf_token": csrf(viewer), "locale": "sv", "next": "/home"}
    )
    assert response.status_code == 303
    row = session_row(app, viewer)
    assert row.expires_at == row.created_at + timedelta(seconds=ABSOLUTE)  # not now + 8 h
    viewer.page("/home")
    with app.app_context():
        row = db.session.get(WebSession, _hash(viewer.token))
        row.created_at = utcnow() - timedelta(hours=12, seconds=1)
        row.expires_at = utcnow() + timedelta(hours=1)  # as a longer setting once wrote it
        db.session.commit()
    viewer.page("/home", status=401)


def test_an_idle_session_ends(app, platform):
    viewer = launch(app, platform, (LEARNER,))
    with app.app_context():
        db.session.get(WebSession, _hash(viewer.token)).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    viewer.page("/home", status=401)


@pytest.mark.parametrize("path", ["/home", "/material/", "/calendar/", "/privacy", "/accessibility", "/my-data"])
def test_every_page_has_a_logout_button(app, platform, path):
    viewer = launch(app, platform, (LEARNER,))
    page = viewer.page(path)
    form = page[page.index('<form class="logout"') :]
    form = form[: form.index("</form>")]
    assert f'action="/logout?s={viewer.token}"' in form and 'method="post"' in form
    assert 'name="csrf_token"' in form and ">Kirjaudu ulos</button>" in form


def test_logout_ends_the_session_and_says_so(app, platform):
    viewer = launch(app, platform, (LEARNER,), locale="sv")
    other = launch(app, platform, (LEARNER,), locale="sv")  # the same person in another window
    # Without the form's CSRF token nothing happens.
    assert viewer.client.post("/logout", query_string={"s": viewer.token}).status_code == 400
    viewer.page("/home")
    response = viewer.client.post("/logout", query_string={"s": viewer.token}, data={"csrf_token": csrf(viewer)})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Du har loggat ut" in body and "Moodle" in body  # in the session's language
    assert viewer.token not in body and 'class="logout"' not in body
    assert session_row(app, viewer).expires_at <= utcnow()  # ended; purged with the expired ones
    viewer.page("/home", status=401)
    other.page("/home")  # logging out ends this session only


def test_a_relaunch_with_another_role_ends_the_old_sessions(app, platform):
    teacher = launch(app, platform, (INSTRUCTOR,), sub="7")
    teacher.page("/programmes")
    same_role = launch(app, platform, (INSTRUCTOR,), sub="7")
    elsewhere = launch(app, platform, (INSTRUCTOR,), sub="7", course="3")
    teacher.page("/programmes")  # a relaunch with the same role leaves other sessions alone
    learner = launch(app, platform, (LEARNER,), sub="7")
    for old in (teacher, same_role):
        old.page("/programmes", status=401)
        old.page("/home", status=401)  # ended, not merely without the staff role
    learner.page("/programmes", status=403)
    assert 'data-role="participant"' in learner.page("/home")
    elsewhere.page("/programmes")  # the other course's enrolment did not change


def test_the_roster_marking_the_enrolment_inactive_ends_sessions(app, platform):
    viewer = launch(app, platform, (LEARNER,), sub="8")
    viewer.page("/home")
    with app.app_context():
        # What app.lti.roster.sync_roster does to a member who is Inactive or gone from the roster.
        enrolment = db.session.scalar(db.select(Enrolment).join(User).where(User.subject == "8"))
        enrolment.active = False
        db.session.commit()
    viewer.page("/home", status=401)
    viewer.page("/material/", status=401)


def test_erasure_ends_sessions(app, platform):
    viewer = launch(app, platform, (LEARNER,), sub="9")
    no_course = launch(app, platform, (LEARNER,), sub="9", course=None)
    viewer.page("/home")
    with app.app_context():
        erase_person(db.session.scalar(db.select(User).where(User.subject == "9")))
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(WebSession)) == 0
    viewer.page("/home", status=401)
    no_course.page("/home", status=401)


def test_the_role_is_read_from_the_enrolment_on_every_request(app, platform):
    viewer = launch(app, platform, (INSTRUCTOR,), sub="10")
    viewer.page("/programmes")

    def set_role(role):
        with app.app_context():
            enrolment = db.session.scalar(db.select(Enrolment).join(User).where(User.subject == "10"))
            enrolment.role = role
            db.session.commit()

    set_role("participant")
    viewer.page("/programmes", status=403)
    assert 'data-role="participant"' in viewer.page("/home")
    set_role("administrator")
    viewer.page("/admin/gradebook")
    assert 'data-role="administrator"' in viewer.page("/home")


def test_one_query_loads_the_session_its_person_and_role(app, platform):
    from sqlalchemy import event

    viewer = launch(app, platform, (LEARNER,))
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        viewer.page("/privacy")  # a page that reads nothing else from the database
    finally:
        event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "web_session" in selects[0] and "enrolment" in selects[0], selects
