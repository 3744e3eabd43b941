"""Fixtures for the mentoring tests: a programme in the launched course, launched people, and
pairs or groups made directly with the models (the matching pages are another area's)."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from tests.support.lti_double import INSTRUCTOR, LEARNER
from tests.support.web import Viewer, launch

PEOPLE = {
    # key: (sub, given name, family name, locale)
    "mentor": ("21", "Maija", "Mentori", "fi"),
    "aktori": ("22", "Antti", "Aktori", "fi"),
    "aktori2": ("23", "Sara", "Sjöberg", "sv"),
    "outsider": ("24", "Olli", "Ulkopuolinen", "fi"),
    "outsider2": ("25", "Outi", "Toinen", "fi"),
    "staff": ("26", "Fanni", "Fasilitaattori", "fi"),
}


@dataclass
class Person:
    key: str
    viewer: Viewer
    user_id: int

    def get(self, path, **params):
        return self.viewer.get(path, **params)

    def page(self, path, status=200, **params):
        return self.viewer.page(path, status, **params)

    def csrf(self):
        return re.search(r'name="csrf_token" value="([^"]+)"', self.page("/home")).group(1)

    def post(self, path, data=None):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        return self.viewer.client.post(f"{path}?s={self.viewer.token}", data=data)


def _launch(app, platform, key, course="2") -> Person:
    from app.core.db import db
    from app.people.models import User

    sub, given, family, locale = PEOPLE[key]
    roles = (INSTRUCTOR,) if key == "staff" else (LEARNER,)
    original = platform.claims

    def claims(nonce, **overrides):
        overrides.setdefault("name", f"{given} {family}")
        overrides.setdefault("given_name", given)
        overrides.setdefault("family_name", family)
        overrides.setdefault("email", f"{given.lower()}.{family.lower()}@example.fi")
        return original(nonce, **overrides)

    platform.claims = claims
    try:
        viewer = launch(app, platform, roles, sub=sub, course=course, locale=locale)
    finally:
        platform.claims = original
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).filter_by(issuer=platform.issuer, subject=sub))
    return Person(key, viewer, user_id)


@pytest.fixture
def people(app, platform):
    return {key: _launch(app, platform, key) for key in PEOPLE}


@pytest.fixture
def programme(app, people, platform):
    """The course's programme, running since 200 days ago, for 100 more days."""
    from app.core.db import db
    from app.people.models import Course
    from app.programme.models import Programme
    from app.programme.signals import programme_dates_saved

    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(issuer=platform.issuer, context_id="2"))
        today = date.today()
        programme = Programme(
            course_id=course.id,
            name="Ohjelma",
            kickoff=today - timedelta(days=200),
            midpoint=today - timedelta(days=50),
            closing=today + timedelta(days=100),
            required_meetings=6,
        )
        db.session.add(programme)
        db.session.flush()
        programme_dates_saved.send(programme)  # as the set-up page does: the events area adds its three
        db.session.commit()
        return programme.id


def make_group(app, programme_id, members, form="traditional", status="published"):
    """members: [(Person, role)]; returns the group id."""
    from app.core.clock import utcnow
    from app.core.db import db
    from app.groups.models import GroupMember, MentoringGroup

    with app.app_context():
        group = MentoringGroup(
            programme_id=programme_id,
            form=form,
            status=status,
            reasons=[],
            published_at=utcnow() if status != "draft" else None,
        )
        for person, role in members:
            group.members.append(GroupMember(user_id=person.user_id, role=role))
        db.session.add(group)
        db.session.commit()
        return group.id


@pytest.fixture
def pair(app, people, programme):
    return make_group(app, programme, [(people["mentor"], "mentor"), (people["aktori"], "aktori")])


@pytest.fixture
def other_pair(app, people, programme):
    return make_group(app, programme, [(people["outsider"], "peer"), (people["outsider2"], "peer")], form="peer")


def meeting_data(days_ago=10, at="14:00", duration=60, mode="video", attendees=None):
    data = {
        "date": (date.today() - timedelta(days=days_ago)).isoformat(),
        "time": at,
        "duration": str(duration),
        "mode": mode,
    }
    if attendees is not None:
        data["attendees"] = [str(a) for a in attendees]
    return data


def log(person, group_id, **kwargs):
    response = person.post(f"/mentoring/groups/{group_id}/meetings/new", meeting_data(**kwargs))
    return response


def last_meeting_id(app, group_id):
    from app.core.db import db
    from app.mentoring.models import Meeting

    with app.app_context():
        return db.session.scalar(db.select(db.func.max(Meeting.id)).where(Meeting.group_id == group_id))


def outbox(app):
    """Queued gradebook scores: [(user_id, given, maximum, activity, grading, comment)] in order."""
    from app.core.db import db
    from app.lti.models import ScoreOutbox
    from app.people.models import Enrolment

    with app.app_context():
        rows = db.session.execute(
            db.select(ScoreOutbox, Enrolment.user_id)
            .join(Enrolment, Enrolment.id == ScoreOutbox.enrolment_id)
            .order_by(ScoreOutbox.id)
        ).all()
        return [
            (uid, r.score_given, r.score_maximum, r.activity_progress, r.grading_progress, r.comment, r.resource)
            for r, uid in rows
        ]
