"""Gradebook delivery (AGS) over real HTTP to the development platform, faults included."""

import threading
import time
from collections import defaultdict
from datetime import datetime

import pytest

from app.core.db import db
from app.devplatform.context import Faults
from app.lti.gradebook import course_summary, publish_score
from app.lti.models import AccessToken, CourseServices, LineItem, ScoreOutbox

pytestmark = pytest.mark.live


def _counts():
    return dict(db.session.execute(db.select(ScoreOutbox.status, db.func.count()).group_by(ScoreOutbox.status)).all())


def test_launch_stores_the_course_service_endpoints(ags):
    services = db.session.scalar(db.select(CourseServices))
    assert services.lineitems_url.endswith("/mod/lti/services.php/2/lineitems?type_id=1")
    assert services.memberships_url.endswith("/CourseSection/2/bindings/1/memberships")
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in services.ags_scopes


def test_scores_arrive_in_the_platforms_gradebook(ags):
    enrolment = ags.enrolment("5")
    publish_score(enrolment, "mentoring:1", 2, 6, "InProgress", "FullyGraded", label="Oma mentorointi")
    publish_score(
        enrolment, "mentoring:1", 3, 6, "InProgress", "FullyGraded", "kolme tapaamista", label="Oma mentorointi"
    )
    publish_score(ags.enrolment("6"), "mentoring:1", 6, 6, "Completed", "FullyGraded", label="Oma mentorointi")
    db.session.commit()
    worker = ags.worker()
    worker.run(until_empty=True)
    assert _counts() == {"delivered": 2, "superseded": 1}
    # One line item, created with our label and resource id; a manual grade item in Moodle.
    (item,) = ags.state.line_items.values()
    assert (item["label"], item["scoreMaximum"], item["resourceId"], item["tag"], item["manual"]) == (
        "Oma mentorointi",
        6,
        "mentoring:1",
        "mentoring",
        True,
    )
    assert db.session.scalar(db.select(LineItem.url)).endswith("/lineitems/1/lineitem?type_id=1")
    assert ags.grade("5")["grade"] == 3 and ags.grade("5")["comment"] == "kolme tapaamista"
    assert ags.grade("6")["grade"] == 6 and ags.grade("6")["activityProgress"] == "Completed"
    assert ags.token_requests() == 1
    page = ags.platform_app.test_client().get("/gradebook").get_data(as_text=True)
    assert "Oma mentorointi" in page and "3.00" in page and "6.00" in page
    summary = course_summary(enrolment.course_id)
    assert (summary.pending, summary.failed, summary.delivered) == (0, 0, 3)


def test_the_line_item_is_found_not_created_again(ags):
    # Found by resourceId and tag: the item of another tool or programme is not taken.
    ags.state.line_items[1] = {
        "id": 1,
        "label": "Muu",
        "scoreMaximum": 8,
        "resourceId": "mentoring:9",
        "tag": "other",
        "resourceLinkId": None,
        "manual": True,
    }
    ags.state.line_items[2] = {
        "id": 2,
        "label": "Käsin",
        "scoreMaximum": 8,
        "resourceId": "mentoring:9",
        "tag": "mentoring",
        "resourceLinkId": None,
        "manual": True,
    }
    ags.state.next_line_item = 3
    publish_score(ags.enrolment("5"), "mentoring:9", 4, 8, "InProgress", "FullyGraded")
    db.session.commit()
    ags.worker().run(until_empty=True)
    assert len(ags.state.line_items) == 2 and ags.grade("5", 2)["grade"] == 4 and ags.grade("5", 1) is None


def test_moodle_keeps_no_grade_unless_fully_graded_and_rescales(ags):
    publish_score(ags.enrolment("5"), "mentoring:1", 1, 2, "InProgress", "Pending", label="M")
    publish_score(ags.enrolment("6"), "events:1", 1, 2, "Completed", "FullyGraded", label="Tilaisuudet")
    db.session.commit()
    ags.worker().run(until_empty=True)
    assert ags.grade("5", 1)["grade"] is None
    # the line item was created with scoreMaximum 2; a later score out of 4 is rescaled to it
    publish_score(ags.enrolment("6"), "events:1", 3, 4, "Completed", "FullyGraded")
    db.session.commit()
    ags.worker().run(until_empty=True)
    assert ags.grade("6", 2)["grade"] == 1.5


def test_a_definite_refusal_fails_with_the_reason_and_can_be_resent(ags):
    from app.lti.gradebook import resend

    instructor = ags.enrolment("4")  # only enrolled learners can be graded
    publish_score(instructor, "mentoring:1", 1, 6, "InProgress", "FullyGraded")
    db.session.commit()
    ags.worker().run(until_empty=True)
    summary = course_summary(instructor.course_id)
    assert summary.failed == 1 and summary.failures[0].status_code == 400
    # The platform's own words ("… not an enrolled learner") are remote text: logs only.
    assert summary.failures[0].reason == "The platform refused the score (400)."
    with ags.tool.test_request_context():  # staff read it in their language (Finnish first)
        assert course_summary(instructor.course_id).failures[0].reason.startswith("Alusta hylkäsi pisteet (400)")
    assert resend(instructor.course_id) == 1
    db.session.commit()
    assert _counts()["pending"] == 1


def test_an_ungranted_scope_keeps_the_score_and_says_so(ags):
    ags.state.granted_scopes = ("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",)
    publish_score(ags.enrolment("5"), "mentoring:1", 1, 6, "InProgress", "FullyGraded")
    db.session.commit()
    ags.worker().run_once()
    row = db.session.scalar(db.select(ScoreOutbox))
    db.session.refresh(row)
    assert row.status == "pending"
    with ags.tool.test_request_context(headers={"Accept-Language": "en"}):
        from app.lti.tokens import stored_reason

        assert "did not grant the scope https://purl.imsglobal.org/spec/lti-ags/scope/score" in stored_reason(
            row.last_error
        )


def test_an_expired_token_is_refreshed_once_not_per_request(ags):
    for subject in ("5", "6", "7"):
        publish_score(ags.enrolment(subject), "mentoring:1", 1, 6, "InProgress", "FullyGraded")
    db.session.commit()
    ags.worker().run(until_empty=True)
    assert ags.token_requests() == 1
    # The platform expires the token early: the first 401 refreshes it, the rest use the new one.
    ags.platform_app.test_client().post("/dev/control", json={"expire_tokens": True})
    for subject in ("8", "9", "10", "11", "12"):
        publish_score(ags.enrolment(subject), "mentoring:1", 2, 6, "InProgress", "FullyGraded")
    db.session.commit()
    ags.worker().run(until_empty=True)
    assert ags.token_requests() == 2
    # Our own record says it expired: one new token, shared through the database.
    db.session.execute(db.update(AccessToken).values(expires_at=datetime(2020, 1, 1)))
    db.session.commit()
    ags.tool.extensions["lti_tokens"]._memory.clear()
    for subject in ("13", "14", "15", "16"):
        publish_score(ags.enrolment(subject), "mentoring:1", 3, 6, "InProgress", "FullyGraded")
    db.session.commit()
    ags.worker().run(until_empty=True)
    assert ags.token_requests() == 3
    assert _counts() == {"delivered": 12}


def test_500_scores_survive_faults_exactly_once_in_order(ags):
    ags.platform_app.test_client().post("/dev/control", json={"generate_learners": 480, "seed": 7})
    subjects = [str(n) for n in range(5, 17)] + [f"g{n:05d}" for n in range(480)]
    enrolments = {s: ags.enrolment(s) for s in subjects}
    db.session.commit()
    ags.state.faults = Faults(fail_rate=0.3, fail_status=500, drop_rate=0.1)
    stop = threading.Event()
    errors = []

    def work():
        with ags.tool.app_context():
            try:
                ags.worker(batch=25).run(stop, idle=0.02)
            except Exception as exc:  # pragma: no cover - shown in the assertion
                errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    expected = {}
    try:
        # 492 first scores, then while the worker runs, later scores for eight learners.
        for subject in subjects:
            publish_score(
                enrolments[subject], "mentoring:1", 1, 8, "InProgress", "FullyGraded", label="Oma mentorointi"
            )
            expected[subject] = 1
        db.session.commit()
        for value in range(2, 3):
            for subject in subjects[:8]:
                publish_score(enrolments[subject], "mentoring:1", value, 8, "InProgress", "FullyGraded")
                expected[subject] = value
            db.session.commit()
        assert len([1 for _ in db.session.scalars(db.select(ScoreOutbox.id))]) == 500
        ags.state.faults = Faults(fail_rate=0.3, fail_status=429, retry_after=1, drop_rate=0.05)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            counts = _counts()
            if not counts.get("pending"):
                break
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join()
    assert not errors
    counts = _counts()
    assert counts.get("pending", 0) == 0 and counts.get("failed", 0) == 0
    assert ags.state.counters["faults"] > 50 and ags.state.counters["drops"] > 10
    # Drops after the platform stored a score made the worker send it again: a 409, counted done.
    assert ags.state.counters["conflicts"] > 0
    # Every learner's grade is their latest score; each accepted score arrived once, in order.
    for subject, value in expected.items():
        assert ags.grade(subject)["grade"] == value, subject
    seen = defaultdict(list)
    for entry in ags.state.score_log:
        seen[entry["user"]].append((entry["timestamp"], entry["scoreGiven"]))
    for subject, entries in seen.items():
        stamps = [t for t, _v in entries]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps), subject
        values = [v for _t, v in entries]
        assert values == sorted(values), subject
    assert sum(len(e) for e in seen.values()) == counts["delivered"]
