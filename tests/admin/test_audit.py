"""The audit log: record() joins the caller's transaction, defaults to the request's user, and
nothing in the application (nor, on PostgreSQL, the database) changes or removes an entry."""

import pytest
from flask import g
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.core.audit import AppendOnlyError, AuditEntry, record
from app.core.db import db
from app.people.models import Course, User


@pytest.fixture
def people(app):
    with app.app_context():
        user = User(issuer="https://moodle.example", subject="42", name="Aino Admin")
        course = Course(issuer="https://moodle.example", deployment_id="1", context_id="c1")
        db.session.add_all([user, course])
        db.session.commit()
        yield user, course


def test_record_lands_with_the_callers_commit_and_only_then(app, people):
    user, course = people
    record("matches.published", actor=user, course=course, target="programme:1", details={"group_ids": [1, 2]})
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 0

    record("matches.published", actor=user, course=course, target="programme:1", details={"group_ids": [1, 2]})
    db.session.commit()
    entry = db.session.scalars(db.select(AuditEntry)).one()
    assert (entry.actor_id, entry.course_id, entry.action, entry.target) == (
        user.id,
        course.id,
        "matches.published",
        "programme:1",
    )
    assert entry.details == {"group_ids": [1, 2]} and entry.actor_role is None and entry.created_at


def test_actor_course_and_role_default_to_the_request(app, people):
    user, course = people
    with app.test_request_context("/"):
        g.user, g.course, g.role = user, course, "facilitator"
        record("attendance.recorded", target="event:3")
        db.session.commit()
    entry = db.session.scalars(db.select(AuditEntry)).one()
    assert (entry.actor_id, entry.course_id, entry.actor_role) == (user.id, course.id, "facilitator")


def test_command_line_entries_have_no_actor(app, people):
    record("lti.keys_rotated", details={"new_kid": "abc"})
    db.session.commit()
    entry = db.session.scalars(db.select(AuditEntry)).one()
    assert entry.actor_id is None and entry.course_id is None


def test_the_orm_refuses_updates_and_deletes(app, people):
    user, _ = people
    entry = record("x.y", actor=user)
    db.session.commit()
    entry.action = "rewritten"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AppendOnlyError):
        db.session.execute(db.update(AuditEntry).values(action="rewritten"))
    with pytest.raises(AppendOnlyError):
        db.session.execute(db.delete(AuditEntry))
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).action == "x.y"


def test_postgresql_refuses_raw_updates_and_deletes(app, people):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the database trigger exists on PostgreSQL only")
    user, _ = people
    record("x.y", actor=user)
    db.session.commit()
    for statement in ("UPDATE audit_entry SET action = 'z'", "DELETE FROM audit_entry"):
        with db.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(statement))
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 1


def test_key_rotation_is_audited(app):
    result = app.test_cli_runner().invoke(args=["lti", "keys", "rotate"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry)).one()
    assert entry.action == "lti.keys_rotated" and entry.target.startswith("key:") and entry.actor_id is None
