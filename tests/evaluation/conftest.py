"""The evaluation's fixtures: the mentoring tests' people and pairs, in a programme whose
midpoint survey is open today."""

from datetime import date, timedelta

import pytest

from tests.mentoring.conftest import Person, make_group, people  # noqa: F401  # fixtures shared with mentoring


@pytest.fixture
def programme(app, people, platform):  # noqa: F811
    """Kicked off 200 days ago; its midpoint was 3 days ago (the midpoint survey is open)."""
    from app.core.db import db
    from app.people.models import Course
    from app.programme.models import Organisation, Programme, Theme

    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(issuer=platform.issuer, context_id="2"))
        today = date.today()
        programme = Programme(
            course_id=course.id,
            name="Ohjelma",
            kickoff=today - timedelta(days=200),
            midpoint=today - timedelta(days=3),
            closing=today + timedelta(days=100),
        )
        db.session.add(programme)
        db.session.flush()
        for i, code in enumerate(("LUKE", "SYKE")):
            db.session.add(Organisation(programme_id=programme.id, code=code, name_fi=f"Virasto {code}", position=i))
        for i, code in enumerate(("leadership", "communication", "policy")):
            db.session.add(Theme(programme_id=programme.id, code=code, name_fi=code.capitalize(), position=i))
        db.session.commit()
        return programme.id


@pytest.fixture
def pair(app, people, programme):  # noqa: F811
    return make_group(app, programme, [(people["mentor"], "mentor"), (people["aktori"], "aktori")])


def register(app, programme_id, person: Person, role, organisation="LUKE", wanted=(), offered=()):
    from app.core.db import db
    from app.programme.models import Organisation, Registration

    with app.app_context():
        org = db.session.scalar(db.select(Organisation).filter_by(programme_id=programme_id, code=organisation))
        db.session.add(
            Registration(
                programme_id=programme_id,
                user_id=person.user_id,
                role_wish=role,
                organisation_id=org.id if org else None,
                themes_wanted=list(wanted),
                themes_offered=list(offered),
            )
        )
        db.session.commit()


def seed_answers(app, programme_id, rows, kind="midpoint"):
    """Stored answers as if given: [(role, organisation code or None, answers)]."""
    from app.core.db import db
    from app.evaluation import rules
    from app.evaluation.models import Survey, SurveyResponse
    from app.programme.models import Organisation

    with app.app_context():
        survey = db.session.scalar(db.select(Survey).filter_by(programme_id=programme_id, kind=kind))
        if survey is None:
            survey = Survey(programme_id=programme_id, kind=kind, questions=rules.default_questions())
            db.session.add(survey)
            db.session.flush()
        orgs = {o.code: o.id for o in db.session.scalars(db.select(Organisation).filter_by(programme_id=programme_id))}
        for role, code, answers in rows:
            response = SurveyResponse(survey_id=survey.id, role=role, organisation_id=orgs.get(code), answers=answers)
            db.session.add(response)
        db.session.commit()
