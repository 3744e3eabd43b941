"""The embedded default delivers in-process: the first request starts one worker thread."""

import time

import pytest

from app.core.db import db
from app.devplatform.useragent import UserAgent
from app.lti.gradebook import publish_score
from app.lti.models import ScoreOutbox
from app.people.models import Enrolment, User
from tests.conftest import live_pair

pytestmark = pytest.mark.live


def test_the_in_process_worker_delivers(_migrated, database_url, instance_dir, tmp_path):
    with live_pair(
        database_url, instance_dir, tmp_path, GRADEBOOK_WORKER="inprocess", GRADEBOOK_BACKOFF_BASE=0.01
    ) as live:
        tool = live["tool"]
        try:
            assert UserAgent(live["platform_url"]).launch("4").ok  # also starts the worker
            with tool.app_context():
                enrolment = db.session.scalar(db.select(Enrolment).join(User).where(User.subject == "5"))
                row = publish_score(
                    enrolment, "mentoring:inprocess", 2, 6, "InProgress", "FullyGraded", label="Oma mentorointi"
                )
                db.session.commit()
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    db.session.expire_all()
                    if db.session.get(ScoreOutbox, row.id).status == "delivered":
                        break
                    time.sleep(0.1)
                assert db.session.get(ScoreOutbox, row.id).status == "delivered"
            state = live["platform"].extensions["devplatform_services"]
            assert any(g["grade"] == 2 for g in state.grades.values())
        finally:
            tool.extensions["gradebook_stop"].set()
