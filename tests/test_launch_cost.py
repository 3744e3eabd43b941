"""What a launch costs the database: the statements of login, launch and first page, counted.

The launch path runs on every entry into the tool (a kickoff brings a thousand in a minute), so
its statements are counted here; the CPU it costs is measured by ``benchmarks/launch.py``."""

from sqlalchemy import event

from app.core.db import db
from tests.support.lti_double import LEARNER

# Platform with the stored course, services and link; nonce; user; enrolment; session. A launch
# that changes the course, its services or the link writes that row too (at most 3 more).
LAUNCH_STATEMENTS = 5
CHANGING_LAUNCH_STATEMENTS = LAUNCH_STATEMENTS + 3
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


def _one_launch(app, platform, statements, sub, **claims):
    client = app.test_client()
    counts = {}
    statements.clear()
    login = platform.login(client)
    counts["login"] = len([s for s in statements if s != "COMMIT"])
    statements.clear()
    response = platform.launch(client, {"sub": sub, "lti_roles": [LEARNER], **claims}, login=login)
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


def test_a_launch_that_changes_the_course_or_link_writes_them_and_one_that_does_not_keeps_them(app, platform):
    from app.lti.models import CourseServices, ResourceLink
    from app.lti.vocabulary import AGS_CLAIM
    from app.people.models import Course

    context = {"id": "cost-course", "title": "Ennen", "label": "COST"}
    link = {"id": "cost-link", "title": "Linkki"}
    ags = {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]}
    statements, stop = _count(app)
    try:
        first = _one_launch(app, platform, statements, "cost-1", lti_context=context, lti_resource_link=link)
        assert len(first["launch"]) == CHANGING_LAUNCH_STATEMENTS, first["launch"]  # a course new to the tool
        same = _one_launch(app, platform, statements, "cost-1", lti_context=context, lti_resource_link=link)
        assert len(same["launch"]) == LAUNCH_STATEMENTS, same["launch"]
        changed = _one_launch(
            app,
            platform,
            statements,
            "cost-1",
            lti_context={**context, "title": "Jälkeen"},
            lti_resource_link={**link, "title": "Uusi linkki"},
            **{AGS_CLAIM: ags},
        )
        assert len(changed["launch"]) == CHANGING_LAUNCH_STATEMENTS, changed["launch"]
        # Without a title the stored one stays, and nothing about the course is written.
        untitled = _one_launch(
            app,
            platform,
            statements,
            "cost-1",
            lti_context={"id": "cost-course"},
            lti_resource_link={**link, "title": "Uusi linkki"},
            **{AGS_CLAIM: ags},
        )
        assert len(untitled["launch"]) == LAUNCH_STATEMENTS, untitled["launch"]
    finally:
        stop()
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(context_id="cost-course"))
        assert (course.title, course.label) == ("Jälkeen", "COST")
        stored_link = db.session.scalar(db.select(ResourceLink).filter_by(course_id=course.id))
        assert stored_link.title == "Uusi linkki"
        services = db.session.scalar(db.select(CourseServices).filter_by(course_id=course.id))
        assert services.ags_scopes == ags["scope"]
