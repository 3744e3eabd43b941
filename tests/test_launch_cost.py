"""What a launch costs the database: the statements of login, launch and first page, counted.

The launch path runs on every entry into the tool (a kickoff brings a thousand in a minute), so
its statements are counted here; the CPU it costs is measured by ``benchmarks/launch.py``."""

from sqlalchemy import event

from app.core.db import db
from tests.support.lti_double import LEARNER

LAUNCH_STATEMENTS = 8  # platform, nonce, user, course, enrolment, services, link, session
LOGIN_STATEMENTS = 1  # the platform
FIRST_PAGE_STATEMENTS = 2  # session with person, course and enrolment; the programme


def _count(app):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def commit(conn):
        statements.append("COMMIT")

    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "commit", commit)

    def stop():
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "commit", commit)

    return statements, stop


def _one_launch(app, platform, statements, sub):
    client = app.test_client()
    counts = {}
    statements.clear()
    login = platform.login(client)
    counts["login"] = len([s for s in statements if s != "COMMIT"])
    statements.clear()
    response = platform.launch(client, {"sub": sub, "lti_roles": [LEARNER]}, login=login)
    assert response.status_code == 303
    assert statements[-1] == "COMMIT" and statements.count("COMMIT") == 1  # one transaction
    counts["launch"] = statements[:-1]
    statements.clear()
    assert client.get(response.headers["Location"]).status_code == 200
    counts["page"] = len([s for s in statements if s != "COMMIT"])
    return counts


def test_a_launch_costs_a_bounded_number_of_statements_in_one_transaction(app, platform):
    statements, stop = _count(app)
    try:
        _one_launch(app, platform, statements, "warm-up")  # the schema gate's one-time check
        for sub in ("first-time", "first-time"):  # a new person, then the same person again
            counts = _one_launch(app, platform, statements, sub)
            assert counts["login"] == LOGIN_STATEMENTS
            assert len(counts["launch"]) == LAUNCH_STATEMENTS, counts["launch"]
            assert counts["page"] == FIRST_PAGE_STATEMENTS
            # Every write is one upsert; no read-then-write and no separate session clean-up.
            assert not any(s.lstrip().upper().startswith(("UPDATE", "DELETE")) for s in counts["launch"])
    finally:
        stop()
