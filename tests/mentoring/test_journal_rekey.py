"""``flask --app app journal rekey``: every journal entry re-encrypted from the old JOURNAL_KEY to the
new one, in batches, resumable, refusing without a change when an entry decrypts with no key."""

from datetime import date, datetime

import pytest
from cryptography.fernet import Fernet, InvalidToken

from app import create_app
from app.core.db import db
from app.mentoring import journal
from app.mentoring.models import JournalEntry
from app.people.models import Course, User
from app.programme.models import Programme
from tests.conftest import _config

NOTES = [f"Muistiinpano {n}: mitä opin ✓" for n in range(7)]
WRITTEN = datetime(2026, 3, 1, 12, 0)


@pytest.fixture
def entries(app):
    """Seven entries under the test configuration's key (the old one); their ids."""
    with app.app_context():
        course = Course(issuer="https://moodle.example", deployment_id="1", context_id="rekey", title="Rekey")
        user = User(issuer="https://moodle.example", subject="rekey-1", name="Aino Aktori")
        db.session.add_all([course, user])
        db.session.flush()
        programme = Programme(course_id=course.id, name="2026", kickoff=date(2026, 1, 12), closing=date(2026, 11, 20))
        db.session.add(programme)
        db.session.flush()
        rows = [
            JournalEntry(
                user_id=user.id,
                programme_id=programme.id,
                body=journal.encrypt(n),
                created_at=WRITTEN,
                updated_at=WRITTEN,
            )
            for n in NOTES
        ]
        db.session.add_all(rows)
        db.session.commit()
        ids = [row.id for row in rows]
        db.session.remove()
    return ids


def _with_keys(app, database_url, instance_dir, keys: str):
    return create_app(_config(database_url, instance_dir, JOURNAL_KEY=keys, INSTANCE_PATH=app.instance_path))


def _bodies(app) -> dict[int, str]:
    with app.app_context():
        bodies = dict(db.session.execute(db.select(JournalEntry.id, JournalEntry.body)).all())
        db.session.remove()
    return bodies


def test_rekey_moves_every_entry_to_the_new_key_in_batches(app, entries, database_url, instance_dir):
    old, new = app.config["JOURNAL_KEY"], Fernet.generate_key().decode()
    rotating = _with_keys(app, database_url, instance_dir, f"{new},{old}")
    result = rotating.test_cli_runner().invoke(args=["journal", "rekey", "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    assert "7 journal entries re-encrypted" in result.output
    assert "up to entry" in result.output  # one line per batch of three: 3 batches
    assert result.output.count("up to entry") == 3
    only_new = _with_keys(app, database_url, instance_dir, new)
    with only_new.app_context():
        entries_now = db.session.scalars(db.select(JournalEntry).order_by(JournalEntry.id)).all()
        assert [journal.decrypt(e.body) for e in entries_now] == NOTES
        assert {e.updated_at for e in entries_now} == {WRITTEN}  # not an edit by the author
        db.session.remove()
    for body in _bodies(app).values():
        with pytest.raises(InvalidToken):
            Fernet(old.encode()).decrypt(body.encode())
    # Run again: nothing left to do, nothing changed.
    before = _bodies(app)
    again = rotating.test_cli_runner().invoke(args=["journal", "rekey"])
    assert again.exit_code == 0, again.output
    assert "0 journal entries re-encrypted" in again.output and "7 already used it" in again.output
    assert _bodies(app) == before


def test_an_interrupted_rekey_resumes_where_it_stopped(app, entries, database_url, instance_dir):
    old, new = app.config["JOURNAL_KEY"], Fernet.generate_key().decode()
    rotating = _with_keys(app, database_url, instance_dir, f"{new},{old}")
    with rotating.app_context():
        first = journal.rekey_batch(0, 4)  # the run stopped after its first batch
        db.session.commit()
        db.session.remove()
    assert (first.rewritten, first.current, first.last_id) == (4, 0, entries[3])
    result = rotating.test_cli_runner().invoke(args=["journal", "rekey", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "3 journal entries re-encrypted" in result.output and "4 already used it" in result.output
    with _with_keys(app, database_url, instance_dir, new).app_context():
        assert [
            journal.decrypt(b) for b in db.session.scalars(db.select(JournalEntry.body).order_by(JournalEntry.id))
        ] == NOTES
        db.session.remove()


def test_rekey_refuses_and_changes_nothing_when_an_entry_decrypts_with_no_key(app, entries, database_url, instance_dir):
    stranger = Fernet(Fernet.generate_key())
    with app.app_context():
        db.session.execute(
            db.update(JournalEntry)
            .where(JournalEntry.id == entries[5])
            .values(body=stranger.encrypt(b"written under a lost key").decode())
        )
        db.session.commit()
        db.session.remove()
    before = _bodies(app)
    new = Fernet.generate_key().decode()
    rotating = _with_keys(app, database_url, instance_dir, f"{new},{app.config['JOURNAL_KEY']}")
    result = rotating.test_cli_runner().invoke(args=["journal", "rekey", "--batch-size", "2"])
    assert result.exit_code == 1
    assert f"1 journal entries decrypt with none of the keys in JOURNAL_KEY (ids {entries[5]})" in result.output
    assert "nothing was changed" in result.output
    assert "Traceback" not in result.output
    assert _bodies(app) == before


def test_a_bad_key_list_is_refused_at_start(app, database_url, instance_dir):
    with pytest.raises(journal.JournalKeyError, match="comma-separated Fernet keys"):
        _with_keys(app, database_url, instance_dir, " , ")
