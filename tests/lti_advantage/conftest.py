"""Fixtures for LTI Advantage: the live tool and development platform, launched once as
facilitator so the tool knows the course's service endpoints, and helpers for both sides."""

from urllib.parse import urlsplit

import pytest

from app.devplatform.useragent import UserAgent


class Ags:
    def __init__(self, live):
        self.live = live
        self.tool = live["tool"]
        self.platform_app = live["platform"]
        self.state = self.platform_app.extensions["devplatform_services"]

    def launch(self, user: str, **params):
        result = UserAgent(self.live["platform_url"]).launch(user, locale="fi", **params)
        assert result.ok, result.steps
        return result

    def enrolment(self, subject: str):
        from app.core.db import db
        from app.people.models import Course, Enrolment, User

        course = db.session.scalar(db.select(Course).filter_by(issuer=self.live["platform_url"], context_id="2"))
        user = db.session.scalar(db.select(User).filter_by(issuer=self.live["platform_url"], subject=subject))
        if user is None:
            user = User(issuer=self.live["platform_url"], subject=subject, name=f"Learner {subject}")
            db.session.add(user)
            db.session.flush()
        enrolment = db.session.scalar(db.select(Enrolment).filter_by(course_id=course.id, user_id=user.id))
        if enrolment is None:
            enrolment = Enrolment(course_id=course.id, user_id=user.id, role="participant", lti_roles=[])
            db.session.add(enrolment)
            db.session.flush()
        return enrolment

    def wait_for_roster_sync(self, timeout: float = 10):
        """The facilitator's launch syncs the roster in the background: let it finish first."""
        import time

        from app.core.db import db
        from app.lti.models import CourseServices

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            db.session.rollback()
            if db.session.scalar(db.select(CourseServices.roster_synced_at)) is not None:
                return
            time.sleep(0.05)
        raise AssertionError("the launch's roster sync did not finish")

    def worker(self, **kwargs):
        from app.lti.delivery import Worker

        kwargs.setdefault("backoff_base", 0.01)
        return Worker(self.tool.extensions["lti_tokens"], **kwargs)

    def token_requests(self) -> int:
        """Token requests for the gradebook, after the launch's roster sync took its own."""
        return self.state.counters["token_requests"] - self.token_baseline

    def grade(self, subject: str, item_id: int = 1):
        with self.state.lock:
            return self.state.grades.get((item_id, subject))


@pytest.fixture
def ags(live):
    helper = Ags(live)
    helper.launch("4")  # the facilitator's launch brings the AGS and NRPS endpoint claims
    with live["tool"].app_context():
        from app.core.db import db
        from app.lti.models import ScoreKey, ScoreOutbox

        # The demo seed queues its pair's scores; these tests count only their own.
        db.session.execute(db.delete(ScoreOutbox))
        db.session.execute(db.delete(ScoreKey))
        db.session.commit()
        helper.wait_for_roster_sync()
        helper.token_baseline = helper.state.counters["token_requests"]  # the roster's own token
        yield helper


@pytest.fixture
def raw_agent(monkeypatch):
    """UserAgent.request takes a dict; the picker posts repeated fields, so send a raw body."""
    import http.client

    def request_raw(self, method, url, body):
        parts = urlsplit(url)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "fi"}
        jar = self.cookies.get(parts.hostname)
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.request(method, parts.path + "?" + parts.query, body=body.encode(), headers=headers)
            raw = connection.getresponse()
            text = raw.read().decode()
        finally:
            connection.close()
        from app.devplatform.useragent import Response

        return Response(method, url, raw.status, raw.headers, text)

    monkeypatch.setattr(UserAgent, "request_raw", request_raw, raising=False)
