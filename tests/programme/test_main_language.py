"""A programme's main language names what the tool names once for everyone: the grade items it
creates in Moodle and the "My mentoring" activity it places, whatever language staff read in."""

from app.core.db import db
from app.mentoring.placements import items
from app.programme.models import Programme
from tests.programme.test_programme_setup import VALID, errors
from tests.support.programme_web import facilitator, make_programme, post


def _programme(app, name):
    with app.app_context():
        return db.session.scalar(db.select(Programme).filter_by(name=name))


def test_the_main_language_is_a_programme_setting_finnish_by_default(app, platform):
    staff = facilitator(app, platform)
    assert post(staff, "/programmes/new", VALID).status_code == 303
    assert _programme(app, VALID["name"]).main_language == "fi"
    page = staff.page(f"/programmes/{_programme(app, VALID['name']).id}")
    assert "Pääkieli" in page and "arviointikohteet nimetään tällä kielellä" in page

    swedish = {**VALID, "name": "Tulanet-mentorskap 2025", "main_language": "sv"}
    assert post(staff, "/programmes/new", swedish).status_code == 303
    assert _programme(app, swedish["name"]).main_language == "sv"


def test_an_unknown_main_language_is_refused_with_its_reason(app, platform):
    staff = facilitator(app, platform)
    response = post(staff, "/programmes/new", {**VALID, "main_language": "de"})
    assert response.status_code == 422
    assert "Valitse jokin tarjolla olevista kielistä." in errors(response.get_data(as_text=True))
    assert _programme(app, VALID["name"]) is None


def test_my_mentoring_is_placed_under_the_main_languages_name(app, platform):
    facilitator(app, platform)
    programme_id = make_programme(app, main_language="sv")
    with app.test_request_context("/?lang=fi"), app.app_context():
        programme = db.session.get(Programme, programme_id)
        [item] = items(programme.course_id, "fi")
        assert item["title"] == item["lineItem"]["label"] == "Mitt mentorskap"
        programme.main_language = "en"
        db.session.flush()
        [item] = items(programme.course_id, "fi")
        assert item["lineItem"]["label"] == "My mentoring"
