"""The notifications tests' world: a real SMTP server (aiosmtpd) on 127.0.0.1 and three people
who read mail in Finnish (anna), Swedish (bert, chosen in the tool) and English (cara)."""

from datetime import timedelta

import pytest

from app.core.clock import helsinki_today
from app.core.db import db
from app.notifications.worker import MailWorker
from app.people.models import Course, User
from app.programme.services import create_programme
from tests.support.smtp import SmtpServer


@pytest.fixture
def smtp(app):
    with SmtpServer() as server:
        app.config.update(
            MAIL_URL=server.url, MAIL_FROM="mentoring@tool.example.fi", TOOL_URL="https://tool.example.fi"
        )
        yield server


@pytest.fixture
def world(app):
    with app.app_context():
        course = Course(issuer="https://moodle.example.fi", deployment_id="1", context_id="c1", title="Mentoring")
        db.session.add(course)
        db.session.flush()
        # Under way, with no survey open today: its reminders would be mail too (test_scheduled).
        today = helsinki_today()
        programme = create_programme(
            course.id, name="Tulanet 2026", kickoff=today - timedelta(days=30), closing=today + timedelta(days=200)
        )
        programme.moodle_url = "https://moodle.example.fi/mod/lti/view.php?id=7"
        people = {}
        for sub, locale, language in (("anna", "fi", None), ("bert", "fi", "sv"), ("cara", "en_US", None)):
            user = User(
                issuer=course.issuer,
                subject=sub,
                given_name=sub.title(),
                family_name="Test",
                email=f"{sub}@example.fi",
                locale=locale,
                language=language,
            )
            db.session.add(user)
            people[sub] = user
        db.session.commit()
        yield {"programme_id": programme.id, "course_id": course.id, **{k: v.id for k, v in people.items()}}


def work(**kwargs):
    worker = MailWorker(backoff_base=0.0001, **kwargs)
    worker.run(until_empty=True)
    return worker
