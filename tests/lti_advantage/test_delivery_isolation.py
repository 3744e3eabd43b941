"""Delivery isolates every key (issue 13): a platform answering an HTML page with 200, one that
hangs and one healthy, in one batch. The healthy course's scores arrive in the first pass, the
bad platform's keys get a retryable failure with a reason of their own and their leases back,
and while the slow platform hangs no transaction is open: another connection writes, a journal
entry is saved and a launch finishes."""

import threading
import time

import pytest
from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from app.core.clock import utcnow
from app.core.db import db
from app.devplatform.context import Faults
from app.lti.gradebook import publish_score
from app.lti.models import CourseServices, LineItem, Platform, ScoreKey, ScoreOutbox
from app.people.models import Course, Enrolment, User
from tests.mentoring.test_gradebook_e2e import JOHAN, Member

pytestmark = pytest.mark.live
SCOPES = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem https://purl.imsglobal.org/spec/lti-ags/scope/score"
HTML = "<!DOCTYPE html><html><body><h1>Kirjaudu sisään</h1></body></html>"


class FakePlatform:
    """A platform on loopback whose token endpoint works and whose AGS answers as told:
    ``html`` answers every service request with a 200 HTML page; ``hang`` holds the line-item
    search until released, first checking that another database connection can write."""

    def __init__(self, mode: str, database_url: str):
        self.mode, self.database_url = mode, database_url
        self.release, self.hanging = threading.Event(), threading.Event()
        self.writes: list = []
        self.scores: list = []
        app = Flask(f"fake-{mode}")
        app.add_url_rule("/token", "token", self.token, methods=["POST"])
        app.add_url_rule("/lineitems", "lineitems", self.lineitems, methods=["GET", "POST"])
        app.add_url_rule("/lineitems/1/lineitem/scores", "scores", self.score, methods=["POST"])
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self):
        return jsonify(
            {"access_token": f"token-{self.mode}", "token_type": "Bearer", "expires_in": 3600, "scope": SCOPES}
        )

    def lineitems(self):
        if self.mode == "html":
            return HTML, 200, {"Content-Type": "text/html; charset=utf-8"}
        if request.method == "GET":
            self.hanging.set()
            self.writes.append(self._write_elsewhere())
            self.release.wait(30)
            return jsonify([])
        item = {"id": self.url + "/lineitems/1/lineitem", **request.get_json()}
        return jsonify(item), 201, {"Content-Type": "application/vnd.ims.lis.v2.lineitem+json"}

    def score(self):
        self.scores.append(request.get_json())
        return "", 204

    def _write_elsewhere(self):
        """Another connection writes and commits, as a journal save would: impossible while the
        worker holds SQLite's write lock or a row lock on what it writes."""
        engine = create_engine(
            self.database_url,
            connect_args={"timeout": 1} if self.database_url.startswith("sqlite") else {"connect_timeout": 5},
        )
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SET LOCAL lock_timeout = '1s'"))
                conn.execute(text("UPDATE lti_course_services SET updated_at = updated_at"))
                conn.execute(text("UPDATE lti_score_key SET last_timestamp = last_timestamp"))
                conn.execute(text("UPDATE lti_line_item SET label = label"))
            return "ok"
        except Exception as exc:  # shown in the assertion
            return repr(exc)
        finally:
            engine.dispose()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _course_on(fake: FakePlatform, learners: int, context_id: str = "c1") -> list[Enrolment]:
    platform = db.session.scalar(db.select(Platform).filter_by(issuer=fake.url))
    if platform is None:
        platform = Platform(
            issuer=fake.url,
            client_id="tool",
            auth_login_url=fake.url + "/auth",
            auth_token_url=fake.url + "/token",
            key_set_url=fake.url + "/jwks",
            approved_at=utcnow(),
        )
    course = Course(issuer=fake.url, deployment_id="1", context_id=context_id, title=fake.mode)
    db.session.add_all([platform, course])
    db.session.flush()
    db.session.add(
        CourseServices(
            course_id=course.id,
            platform_id=platform.id,
            lineitems_url=fake.url + "/lineitems",
            ags_scopes=SCOPES.split(),
        )
    )
    enrolments = []
    for n in range(learners):
        user = User(issuer=fake.url, subject=f"{fake.mode}-{context_id}-{n}", name=f"{fake.mode} {n}")
        db.session.add(user)
        db.session.flush()
        enrolments.append(Enrolment(course_id=course.id, user_id=user.id, role="participant", lti_roles=[]))
    db.session.add_all(enrolments)
    db.session.flush()
    return enrolments


@pytest.fixture
def fakes(live):
    made = {mode: FakePlatform(mode, live["tool"].config["SQLALCHEMY_DATABASE_URI"]) for mode in ("html", "hang")}
    yield made
    for fake in made.values():
        fake.close()


def test_a_bad_and_a_hanging_platform_hold_back_no_other_course(ags, fakes):
    johan = Member(ags.live, JOHAN)  # launched before the worker starts, to save a journal entry
    # One batch, in key order: the HTML platform's keys (two courses), the hanging one's, then the
    # healthy course's.
    for mode, context_id in (("html", "c1"), ("html", "c2"), ("hang", "c1")):
        for enrolment in _course_on(fakes[mode], 3, context_id):
            publish_score(enrolment, "mentoring:1", 2, 6, "InProgress", "FullyGraded", label="Mentorointi")
    healthy = [ags.enrolment(s) for s in ("5", "6", "7")]
    for enrolment in healthy:
        publish_score(enrolment, "mentoring:1", 4, 6, "InProgress", "FullyGraded", label="Mentorointi")
    db.session.commit()

    claimed = []
    worker = ags.worker(batch=50)

    def one_pass():
        with ags.tool.app_context():
            try:
                claimed.append(worker.run_once())
            finally:
                db.session.remove()

    thread = threading.Thread(target=one_pass)
    thread.start()
    try:
        assert fakes["hang"].hanging.wait(30), "the worker never reached the hanging platform"
        # While the worker waits on the platform: a journal save and a launch both finish.
        saved = johan.post("/mentoring/journal/new", {"text": "Ajatus kesken odotuksen"})
        launched = ags.launch("6")
        assert saved.status_code == 303, saved.text[:300]
        assert launched.response.status_code == 200
        assert thread.is_alive() and not fakes["hang"].release.is_set()  # still hanging meanwhile
    finally:
        fakes["hang"].release.set()
        thread.join(60)
    assert fakes["hang"].writes == ["ok"]
    assert claimed == [12]

    db.session.rollback()
    # The healthy course: delivered in this first pass.
    for enrolment in healthy:
        assert ags.grade(enrolment.user.subject)["grade"] == 4
    # The hanging platform, once it answered: delivered too, to the line item it created.
    assert len(fakes["hang"].scores) == 3
    # The HTML platform: each of its keys waits with its own reason, its lease released.
    rows = db.session.execute(
        db.select(ScoreOutbox, ScoreKey)
        .join(ScoreKey, ScoreKey.id == ScoreOutbox.key_id)
        .join(Course, Course.id == ScoreKey.course_id)
        .where(Course.title == "html")
    ).all()
    assert len(rows) == 6
    for row, key in rows:
        assert row.status == "pending" and row.attempts == 1 and row.last_status == 200
        assert '"code": "line_item_search_malformed"' in row.last_error and "text/html" in row.last_error
        assert key.locked_by is None and key.locked_until is None
    # Its line item claims were given up with the failure: the next attempt, by any worker, claims anew.
    assert (
        db.session.scalars(
            db.select(LineItem).join(Course, Course.id == LineItem.course_id).where(Course.title == "html")
        ).all()
        == []
    )


def test_an_html_page_answered_to_a_score_is_a_retryable_failure_of_that_key(ags):
    enrolment = ags.enrolment("5")
    publish_score(enrolment, "mentoring:1", 1, 6, "InProgress", "FullyGraded", label="Mentorointi")
    db.session.commit()
    ags.worker().run(until_empty=True)
    ags.platform_app.test_client().post("/dev/control", json={"faults": {"html_rate": 1.0}})
    publish_score(enrolment, "mentoring:1", 2, 6, "InProgress", "FullyGraded")
    db.session.commit()
    worker = ags.worker()
    assert worker.run_once() == 1
    db.session.rollback()
    row = db.session.scalar(db.select(ScoreOutbox).where(ScoreOutbox.status == "pending"))
    assert row.attempts == 1 and row.last_status == 200 and '"code": "score_malformed"' in row.last_error
    assert db.session.get(ScoreKey, row.key_id).locked_by is None
    assert ags.state.counters["html_pages"] == 1 and ags.grade("5")["grade"] == 1
    with ags.tool.test_request_context(headers={"Accept-Language": "en"}):
        from app.lti.tokens import stored_reason

        assert stored_reason(row.last_error).startswith(
            "The platform's answer to the score is not what AGS promises (text/html)"
        )
    ags.state.faults = Faults()
    time.sleep(0.05)  # the backoff (base 0.01 s) has passed
    ags.worker().run(until_empty=True)
    assert ags.grade("5")["grade"] == 2
