"""Roster sync (NRPS) against the development platform over real HTTP."""

import re
import time

import pytest

from app.core.db import db
from app.lti.models import CourseServices
from app.lti.roster import sync_roster
from app.lti.rules import roster_role
from app.people.models import Enrolment, User

pytestmark = pytest.mark.live


def _course_id(ags):
    return db.session.scalar(db.select(CourseServices.course_id))


def _enrolment(subject):
    return db.session.scalar(
        db.select(Enrolment).join(User, User.id == Enrolment.user_id).where(User.subject == subject)
    )


def test_roster_role_keeps_what_a_launch_gave():
    assert roster_role("administrator", True, "facilitator") == "administrator"
    assert roster_role("participant", False, "facilitator") == "facilitator"
    assert roster_role(None, True, "participant") == "participant"


def test_a_250_member_roster_over_three_pages(ags):
    # 14 people to launch as, 48 members who never open the tool (the demo's), 188 more
    ags.platform_app.test_client().post("/dev/control", json={"generate_learners": 188})
    ags.launch("3")  # the administrator's launch carries institution roles the roster cannot
    pages_before = ags.state.counters["membership_pages"]
    result = sync_roster(_course_id(ags), ags.tool.extensions["lti_tokens"])
    assert (result.members, result.pages) == (250, 3)
    assert ags.state.counters["membership_pages"] - pages_before == 3
    assert result.added == 188  # the demo seed already knew the other 62
    db.session.expire_all()
    newcomer = _enrolment("g00100")
    assert newcomer.active and newcomer.role == "participant" and newcomer.last_launch_at is None
    assert newcomer.user.name == "Testi Osallistuja 100" and newcomer.user.email == "testi.100@tulanet.example"
    # Moodle's short role names map like full URIs; a launched administrator keeps the role.
    assert _enrolment("4").role == "facilitator" and _enrolment("3").role == "administrator"


def test_a_removed_member_becomes_inactive_and_keeps_their_data(ags):
    tokens = ags.tool.extensions["lti_tokens"]
    sync_roster(_course_id(ags), tokens)
    ags.platform_app.test_client().post("/dev/control", json={"remove_members": ["7"]})
    before = db.session.scalar(db.select(db.func.count()).select_from(Enrolment).where(Enrolment.active.is_(False)))
    result = sync_roster(_course_id(ags), tokens)
    assert result.deactivated == 1
    assert (
        db.session.scalar(db.select(db.func.count()).select_from(Enrolment).where(Enrolment.active.is_(False)))
        == before + 1
    )
    db.session.expire_all()
    gone = _enrolment("7")
    assert gone is not None and gone.active is False and gone.user.email  # kept, not deleted
    assert _enrolment("8").active


def test_a_role_filtered_sync_speaks_only_for_that_role(ags):
    ags.platform_app.test_client().post("/dev/control", json={"remove_members": ["5"]})
    result = sync_roster(
        _course_id(ags),
        ags.tool.extensions["lti_tokens"],
        role="http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
    )
    assert (result.members, result.pages, result.deactivated) == (59, 1, 1)
    db.session.expire_all()
    assert not _enrolment("5").active and _enrolment("6").active
    # Staff were not part of a learners-only roster, so they are not "gone".
    staff = db.session.scalars(db.select(Enrolment).where(Enrolment.role != "participant")).all()
    assert staff and all(e.active for e in staff)


def test_a_staff_launch_syncs_and_facilitators_see_people_who_never_launched(ags):
    ags.platform_app.test_client().post("/dev/control", json={"generate_learners": 3})
    # As if the last sync began more than five minutes ago.
    db.session.execute(db.update(CourseServices).values(roster_synced_at=None, roster_attempted_at=None))
    db.session.commit()
    result = ags.launch("4")  # the launch starts a background sync
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        db.session.expire_all()
        if _enrolment("g00002") is not None:
            break
        time.sleep(0.1)
    from app.devplatform.useragent import UserAgent  # noqa: F401 - the launch's agent holds the session

    token = re.search(r"[?&]s=([\w-]+)", result.response.url).group(1)
    page = ags.tool.test_client().get(f"/lti/roster?s={token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-subject="g00002"' in text and "Testi Osallistuja 2" in text


def test_learners_cannot_see_the_roster(ags):
    result = ags.launch("5")
    token = re.search(r"[?&]s=([\w-]+)", result.response.url).group(1)
    assert ags.tool.test_client().get(f"/lti/roster?s={token}").status_code == 403


def test_roster_sync_command(ags):
    runner = ags.tool.test_cli_runner()
    result = runner.invoke(args=["roster", "sync", "--course-id", str(_course_id(ags))])
    assert result.exit_code == 0 and "62 members in 1 page(s)" in result.output
    missing = runner.invoke(args=["roster", "sync", "--course-id", "999999"])
    assert missing.exit_code != 0 and "not been launched" in missing.output


def test_gradebook_status_command(ags):
    from app.lti.gradebook import publish_score

    publish_score(_enrolment("5"), "mentoring:1", 1, 6, "InProgress", "FullyGraded")
    db.session.commit()
    result = ags.tool.test_cli_runner().invoke(args=["gradebook", "status", "--json"])
    assert result.exit_code == 0 and '"pending": 1' in result.output


def test_the_roster_gives_an_address_to_people_whose_launches_carry_none(ags):
    from app.devplatform.people import find_person
    from app.notifications import services as notifications
    from app.notifications.worker import MailWorker
    from app.people.models import Course
    from app.people.services import LaunchIdentity, record_launch
    from tests.support.smtp import SmtpServer

    issuer = ags.live["platform_url"]
    course = db.session.scalar(db.select(Course).filter_by(issuer=issuer, context_id="2"))

    def launch_without_email(subject):  # a platform that sends no email claim
        record_launch(
            LaunchIdentity(
                issuer, subject, "participant", deployment_id=course.deployment_id, context_id="2", given_name="L"
            )
        )

    # "7" launched before any roster told the tool their address; "8" launches after one did.
    _enrolment("7").user.email = None
    db.session.commit()
    sync_roster(_course_id(ags), ags.tool.extensions["lti_tokens"])
    launch_without_email("7")
    launch_without_email("8")
    db.session.commit()
    db.session.expire_all()
    people = [_enrolment("7").user, _enrolment("8").user]
    # The addresses the platform's roster gives.
    assert [person.email for person in people] == [find_person("7")["email"], find_person("8")["email"]]

    with SmtpServer() as smtp:
        ags.tool.config.update(MAIL_URL=smtp.url, MAIL_FROM="mentoring@tool.example.fi")
        for person in people:
            notifications.notify(person.id, "at_risk_nudge", f"roster-address:{person.id}")
        db.session.commit()
        MailWorker(backoff_base=0.0001).run(until_empty=True)
        for person in people:
            assert len(smtp.sink.to(person.email)) == 1
