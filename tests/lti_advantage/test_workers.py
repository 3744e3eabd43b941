"""Delivery workers as processes and in parallel: a killed worker loses nothing, two workers
never post one outbox row twice (PostgreSQL: SKIP LOCKED; SQLite: the conditional lease)."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from app.core.db import db
from app.devplatform.context import Faults
from app.lti.gradebook import publish_score
from app.lti.models import ScoreOutbox

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


def _queue(ags, count):
    ags.platform_app.test_client().post("/dev/control", json={"generate_learners": count})
    subjects = [f"g{n:05d}" for n in range(count)]
    for n, subject in enumerate(subjects):
        publish_score(
            ags.enrolment(subject), "mentoring:1", 1 + n % 6, 6, "InProgress", "FullyGraded", label="Oma mentorointi"
        )
    db.session.commit()
    return subjects


def _pending():
    return db.session.scalar(db.select(db.func.count()).select_from(ScoreOutbox).where(ScoreOutbox.status == "pending"))


def _worker_process(ags, *args):
    config = ags.tool.config
    env = dict(
        os.environ,
        DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=config["SECRET_KEY"],
        LTI_KEY_DIR=config["LTI_KEY_DIR"],
        APP_ENV="development",
        LOG_FORMAT="text",
        LOG_LEVEL="WARNING",
        GRADEBOOK_BACKOFF_BASE="0.01",
        GRADEBOOK_WORKER="off",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "gradebook", "work", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_worker_killed_mid_delivery_loses_nothing(ags):
    subjects = _queue(ags, 120)
    ags.state.faults = Faults(delay=0.03)  # slow answers: the kill lands mid-delivery
    process = _worker_process(ags, "--lease", "2", "--batch", "10", "--idle", "0.05")
    deadline = time.monotonic() + 60
    while not ags.state.counters["score_posts"] and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait()
    sent_before_kill = ags.state.counters["score_posts"]
    assert 0 < sent_before_kill < len(subjects)
    ags.state.faults = Faults()
    ags.worker(lease_seconds=2).run(until_empty=True)
    assert _pending() == 0
    statuses = Counter(db.session.scalars(db.select(ScoreOutbox.status)))
    assert statuses == {"delivered": len(subjects)}
    arrived = Counter(entry["user"] for entry in ags.state.score_log)
    assert set(arrived) == set(subjects) and set(arrived.values()) == {1}
    for n, subject in enumerate(subjects):
        assert ags.grade(subject)["grade"] == 1 + n % 6


def test_two_workers_never_post_the_same_row_twice(ags):
    subjects = _queue(ags, 300)
    ags.state.faults = Faults(delay=0.002)
    errors = []

    def work():
        with ags.tool.app_context():
            try:
                ags.worker(batch=20).run(until_empty=True)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert _pending() == 0
    # Without faults every score is posted once: a second post of a row would be a 409.
    assert ags.state.counters["score_posts"] == len(subjects)
    assert ags.state.counters["conflicts"] == 0
    assert Counter(e["user"] for e in ags.state.score_log) == Counter(subjects)


@pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "sqlite") == "sqlite", reason="worker processes on PostgreSQL")
def test_two_worker_processes_on_postgresql(ags):
    subjects = _queue(ags, 200)
    processes = [_worker_process(ags, "--until-empty", "--batch", "10") for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    db.session.expire_all()
    assert _pending() == 0
    assert ags.state.counters["score_posts"] == len(subjects) and ags.state.counters["conflicts"] == 0
