"""Issue 15 item 3: a second programme in the course never hides the one a person takes part in."""

from datetime import timedelta

import pytest

from app.core.clock import helsinki_today
from app.core.db import db
from app.matching import services as matching
from app.people.models import User
from app.programme import services
from app.programme.models import Programme
from app.programme.rules import ProgrammeFacts, programme_needing
from tests.support.lti_double import INSTRUCTOR
from tests.support.programme_web import launch, make_programme, post, register_data

TODAY = helsinki_today()


@pytest.fixture
def two_programmes(app, platform):
    """2022–2023 runs with Aino and Mikko as a published pair; 2027 was just created and takes
    registrations. Returns (running id, new id)."""
    launch(app, platform, (INSTRUCTOR,), sub="4")
    running = make_programme(app, name="Tulanet 2022–2023")
    aino, mikko = launch(app, platform), launch(app, platform, sub="6")
    post(aino, "/register", register_data(app, running))
    post(mikko, "/register", register_data(app, running, role_wish="mentor", themes_offered=["leadership"]))
    with app.app_context():
        programme = db.session.get(Programme, running)
        matching.compute_suggestions(programme)
        assert matching.publish(programme, matching.groups(programme, "draft")) == 1
        db.session.commit()
    for member in (aino, mikko):  # both sound out and go on: the pair is agreed
        answered = post(member, "/matching/mine/answer", {"answer": "go_on"}, token_from="/matching/mine")
        assert answered.status_code == 303
    with app.app_context():
        programme = db.session.get(Programme, running)
        # Registration is over and the programme runs.
        programme.registration_opens, programme.registration_closes = TODAY - timedelta(200), TODAY - timedelta(150)
        programme.kickoff, programme.closing = TODAY - timedelta(100), TODAY + timedelta(200)
        db.session.commit()
    new = make_programme(app, name="Tulanet 2027", kickoff=TODAY + timedelta(400), closing=TODAY + timedelta(700))
    return running, new


def test_the_running_pair_is_not_hidden_by_a_new_programme(app, platform, two_programmes):
    mikko = launch(app, platform, sub="6")
    landing = mikko.get("/home", launched="1")
    assert landing.status_code == 200  # not sent to register for 2027
    home = landing.get_data(as_text=True)
    assert "Tulanet 2022–2023" in home
    assert "Oma mentorointi" in home and "Avaa Oma mentorointi" in home
    assert "Mentorointiparisi tai -ryhmäsi on julkaistu." in home
    mikko.page("/matching/mine")  # their pair, not "no match" (404)
    # The registration page speaks of the running programme: the match is published, nothing to edit.
    assert "ei voi enää muuttaa" in mikko.page("/register")


def test_someone_in_no_running_programme_registers_for_the_new_one(app, platform, two_programmes):
    _, new = two_programmes
    newcomer = launch(app, platform, sub="7")
    landing = newcomer.get("/home", launched="1")
    assert landing.status_code == 302 and "/register" in landing.headers["Location"]
    assert "Tulanet 2027" in newcomer.page("/register")
    post(newcomer, "/register", register_data(app, new))
    # Registered in 2027 only: the home page is about 2027.
    assert "Tulanet 2027" in newcomer.page("/home")


def test_a_person_in_both_sees_the_running_one_and_the_other_listed(app, platform, two_programmes):
    _, new = two_programmes
    with app.app_context():
        # Aino signs up for 2027 too (e.g. as a mentor next year).
        aino = db.session.scalar(db.select(User).filter_by(subject="5"))
        services.first_registration(db.session.get(Programme, new), aino.id)
        db.session.commit()
    home = launch(app, platform).page("/home")
    assert '<p class="programme-name">Tulanet 2022–2023</p>' in home
    assert "Tulanet 2027" in home.split('<ul class="other-programmes">')[1].split("</ul>")[0]


def _facts(pid, *, part, kickoff, closing, opens=None, closes=TODAY - timedelta(1)):
    """A programme whose registration closed yesterday unless told otherwise (days from today)."""
    return ProgrammeFacts(pid, opens, closes, TODAY + timedelta(kickoff), TODAY + timedelta(closing), part)


def test_programme_needing_prefers_the_running_one_taken_part_in():
    new = _facts(2, part=False, kickoff=400, closing=700, opens=TODAY - timedelta(1), closes=TODAY + timedelta(30))
    running = _facts(1, part=True, kickoff=-100, closing=200)
    assert programme_needing([new, running], TODAY) == 1
    # Not taking part in the running one: the open registration.
    assert programme_needing([new, _facts(1, part=False, kickoff=-100, closing=200)], TODAY) == 2
    # Registered for a programme that has not begun, registration closed: that one.
    coming = _facts(3, part=True, kickoff=30, closing=300, opens=TODAY - timedelta(20), closes=TODAY - timedelta(1))
    assert programme_needing([coming, _facts(1, part=False, kickoff=-100, closing=200)], TODAY) == 3
    # Nothing needs them: the newest; no programme at all: none.
    assert programme_needing([_facts(5, part=False, kickoff=-10, closing=10)], TODAY) == 5
    assert programme_needing([], TODAY) is None
    # The running one has closed: it no longer wins.
    assert programme_needing([new, _facts(1, part=True, kickoff=-400, closing=-1)], TODAY) == 2
