"""The completion report's numbers equal what the development platform's gradebook received:
the seeded programme's scores are delivered by the real gradebook worker, then every
participant's grade in the platform is compared with their row in the report."""

import time

import pytest
import requests

from app.admin import report
from app.core.db import db
from app.people.models import Course, User
from app.programme.models import Programme
from tests.mentoring.test_gradebook_e2e import Member
from tests.support.admin_seed import PEOPLE, seed

pytestmark = pytest.mark.live

# The development platform's learners (app/devplatform/people.json) stand in for the seeded people.
SUBJECTS = {key: str(5 + n) for n, (key, *_rest) in enumerate(PEOPLE)}


def _platform(live) -> dict:
    return requests.get(live["platform_url"] + "/dev/control", timeout=10).json()


def test_report_numbers_equal_the_platform_gradebook(live):
    tool = live["tool"]
    with tool.test_request_context("/"):
        course = db.session.scalars(db.select(Course)).one()
        seeded = seed(tool, issuer=course.issuer, course=course, subjects=SUBJECTS)
        programme_id = seeded.programme.id
    Member(live, "4")  # the facilitator's launch brings the course's AGS endpoints, as in Moodle

    from app.lti.delivery import Worker

    resource = f"mentoring:{programme_id}"
    with tool.app_context():
        worker = Worker(tool.extensions["lti_tokens"], backoff_base=0.01)
        deadline = time.monotonic() + 60
        while True:
            delivered = worker.run_once()
            db.session.remove()
            if not delivered or time.monotonic() > deadline:
                break
        programme = db.session.get(Programme, programme_id)
        rows = report.participant_rows(programme, report.Filters())
        subject_of = dict(db.session.execute(db.select(User.id, User.subject)).all())

    state = _platform(live)
    [item] = [i for i in state["line_items"] if i["resourceId"] == resource]
    grades = {g["user"]: g for g in state["grades"] if g["item"] == item["id"]}
    assert item["scoreMaximum"] == 6
    assert len(rows) == 10
    for row in rows:
        grade = grades.get(subject_of[row.user_id])
        if row.counted == 0:
            assert grade is None, row  # nothing counted, nothing sent
            continue
        assert grade is not None, row
        assert grade["gradingProgress"] == "FullyGraded"
        assert abs(grade["grade"] / item["scoreMaximum"] - min(row.counted, 6) / 6) < 1e-9, row
        assert (grade["activityProgress"] == "Completed") == row.completed, row
    assert (
        sum(1 for g in grades.values() if g["activityProgress"] == "Completed") == sum(r.completed for r in rows) == 4
    )
