"""The README's backup and restore, done: pg_dump/pg_restore on PostgreSQL, SQLite's ``.backup``.
After a restore every journal decrypts with the configured key, and the gradebook outbox resumes
where the backup left it: what was delivered is not sent again, what was pending is sent once."""

import secrets
import shutil
import subprocess
from collections import Counter
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.core.db import db
from app.lti.models import ScoreOutbox
from app.mentoring import journal
from app.mentoring.models import JournalEntry
from app.programme.models import Programme
from tests.conftest import _config
from tests.lti_advantage.test_workers import _queue

pytestmark = pytest.mark.live


@contextmanager
def _restored_copy(database_url: str, tmp_path):
    """Back up the database as the README says and restore it into a new one; yields its URL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        copy = tmp_path / "restored.sqlite"
        subprocess.run(["sqlite3", url.database, f".backup '{tmp_path / 'backup.sqlite'}'"], check=True)
        shutil.copy(tmp_path / "backup.sqlite", copy)
        yield f"sqlite:///{copy}"
        return
    dump, name = tmp_path / "backup.dump", f"mentoring_restored_{secrets.token_hex(4)}"
    libpq = dict(host=url.host or "127.0.0.1", port=str(url.port or 5432), user=url.username or "postgres")
    common = ["-h", libpq["host"], "-p", libpq["port"], "-U", libpq["user"]]
    subprocess.run(["pg_dump", *common, "--format=custom", "--no-owner", f"--file={dump}", url.database], check=True)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        subprocess.run(["pg_restore", *common, "--no-owner", f"--dbname={name}", str(dump)], check=True)
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_a_restored_backup_decrypts_every_journal_and_resumes_the_outbox(ags, database_url, instance_dir, tmp_path):
    delivered = _queue(ags, 30)
    ags.worker().run(until_empty=True)
    programme_id = db.session.scalar(db.select(Programme.id))
    user = ags.enrolment(delivered[0]).user_id
    notes = [f"Muistiinpano {n}: tavoitteet ja edistyminen ✓" for n in range(5)]
    db.session.add_all(JournalEntry(user_id=user, programme_id=programme_id, body=journal.encrypt(n)) for n in notes)
    # Queued after the first delivery, still pending when the backup is taken.
    pending_before = _queue_more(ags, 20)
    db.session.commit()
    with _restored_copy(database_url, tmp_path) as restored_url:
        restored = create_app(_config(restored_url, instance_dir, TOOL_URL=ags.tool.config["TOOL_URL"]))
        with restored.app_context():
            bodies = db.session.scalars(db.select(JournalEntry.body).order_by(JournalEntry.id))
            assert [journal.decrypt(body) for body in bodies] == notes
            assert Counter(db.session.scalars(db.select(ScoreOutbox.status))) == {
                "delivered": len(delivered),
                "pending": len(pending_before),
            }
            sent_before = len(ags.state.score_log)
            from app.lti.delivery import Worker

            Worker(restored.extensions["lti_tokens"], backoff_base=0.01).run(until_empty=True)
            assert Counter(db.session.scalars(db.select(ScoreOutbox.status))) == {
                "delivered": len(delivered) + len(pending_before)
            }
            db.session.remove()
            db.engine.dispose()
    resumed = Counter(entry["user"] for entry in ags.state.score_log[sent_before:])
    assert resumed == Counter(pending_before)  # each pending score once, nothing delivered sent again


def _queue_more(ags, count):
    """``count`` more learners' scores, queued and not delivered."""
    from app.lti.gradebook import publish_score

    ags.platform_app.test_client().post("/dev/control", json={"generate_learners": 30 + count})
    subjects = [f"g{n:05d}" for n in range(30, 30 + count)]
    for subject in subjects:
        publish_score(ags.enrolment(subject), "mentoring:1", 2, 6, "InProgress", "FullyGraded", label="Oma mentorointi")
    return subjects
