"""The midpoint survey in a real browser inside the development platform's cross-site iframe:
the demo aktori finds it on the home page and answers it; an administrator reads the results;
an agency contact opens their agency's slice from the agency page; axe-core finds no violation on
the answer form, the results (staff's and the agency's), the overview, the question editor and the
themes report, in Finnish, Swedish and English."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.clock import helsinki_today
from tests.support.browser import assert_no_axe_violations, chromium, launch_in_iframe, tool_frame

pytestmark = pytest.mark.browser


def _open_the_midpoint_survey(tool) -> int:
    """The demo programme's midpoint moves to two days ago (its survey is open), and five earlier
    answers are there, so one more lets the results show. Kaisa logs a meeting of yesterday (her
    confirmation), so her check-in is offered; returns her group's id."""
    from datetime import time

    from app.core.db import db
    from app.evaluation import rules
    from app.evaluation.models import Survey, SurveyResponse
    from app.mentoring import services as mentoring
    from app.mentoring.demo import AKTORI
    from app.people.models import User
    from app.programme.models import Programme

    with tool.app_context():
        programme = db.session.scalars(db.select(Programme)).one()
        programme.midpoint = helsinki_today() - timedelta(days=2)
        programme.closing = helsinki_today() + timedelta(days=120)
        survey = Survey(programme_id=programme.id, kind=rules.MIDPOINT, questions=rules.default_questions())
        db.session.add(survey)
        db.session.flush()
        for i in range(5):
            answers = {"goals": 3 + i % 3, "recommend": 4, "improve": f"Enemmän yhteisiä tilaisuuksia {i}"}
            db.session.add(SurveyResponse(survey_id=survey.id, role="mentor" if i % 2 else "aktori", answers=answers))
        kaisa = db.session.scalar(db.select(User).filter_by(subject=AKTORI))
        group = mentoring.member_groups(kaisa.id, programme.id)[0]
        yesterday = helsinki_today() - timedelta(days=1)
        attendees = sorted(m.user_id for m in group.members)
        meeting, check = mentoring.log_meeting(
            group, kaisa.id, mentoring.MeetingInput(yesterday, time(10, 0), 60, "video", attendees)
        )
        assert meeting is not None, check.problems
        db.session.commit()
        return group.id


def _make_kaisa_her_agencys_contact(tool) -> None:
    """Kaisa becomes the contact person of an organisation all the answers so far came from."""
    from app.core.db import db
    from app.evaluation.models import SurveyResponse
    from app.mentoring.demo import AKTORI
    from app.people.models import User
    from app.programme.models import AgencyContact, Organisation, Programme

    with tool.app_context():
        programme = db.session.scalars(db.select(Programme)).one()
        organisation = db.session.scalars(
            db.select(Organisation).filter_by(programme_id=programme.id).order_by(Organisation.id)
        ).first()
        kaisa = db.session.scalar(db.select(User).filter_by(subject=AKTORI))
        db.session.add(AgencyContact(organisation_id=organisation.id, user_id=kaisa.id))
        for response in db.session.scalars(db.select(SurveyResponse)):
            response.organisation_id = organisation.id
        db.session.commit()


def _token(page, tool_url) -> str:
    return tool_frame(page, tool_url).url.split("s=")[1].split("&")[0]


def test_answering_and_results_in_the_iframe_and_axe(tmp_path, live):
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    group_id = _open_the_midpoint_survey(live["tool"])
    with chromium(tmp_path / "profile") as context:
        page, frame = launch_in_iframe(context, platform_url, "Kaisa Järvinen", "Tervetuloa, Kaisa")
        frame.get_by_role("heading", name="Palaute ohjelmasta").wait_for()
        frame.get_by_role("link", name="Vastaa kyselyyn").click()
        frame.get_by_role("heading", level=1, name="Väliarviointikysely").wait_for()
        token = _token(page, tool_url)
        for lang in ("fi", "sv", "en"):
            assert_no_axe_violations(context, f"{tool_url}/evaluation/surveys/midpoint?s={token}&lang={lang}")
        # A wrong value (a tampered form) is refused with nothing lost.
        goals = frame.get_by_role("group", name="Olen edennyt kohti tavoitteitani, jotka asetin ohjelmalle.")
        goals.get_by_label("5 – täysin").check()
        frame.get_by_label("Mitä ohjelmassa kannattaisi kehittää?").fill("Sparrausryhmät aikaisemmin")
        frame.get_by_role("button", name="Lähetä vastaukseni").click()
        frame.get_by_text("Kiitos: vastauksesi on vastaanotettu.").wait_for()
        frame.get_by_role("link", name="Takaisin etusivulle").click()
        frame.get_by_role("heading", name="Tervetuloa, Kaisa").wait_for()
        assert frame.get_by_role("heading", name="Palaute ohjelmasta").count() == 0

        # The check-in under the meeting she logged (her confirmation): one click, then gone.
        for lang in ("fi", "sv", "en"):
            assert_no_axe_violations(context, f"{tool_url}/mentoring/groups/{group_id}?s={token}&lang={lang}")
        frame.get_by_role("link", name="Avaa Oma mentorointi").click()
        checkins = frame.get_by_role("group", name="Kuinka hyödyllinen tapaaminen oli sinulle?")
        checkins.first.wait_for()
        offered = checkins.count()  # the demo's recent meetings she confirmed (dated around today)
        assert offered >= 1
        checkins.first.get_by_role("button", name="4 / 5").click()
        # The heading is on the page before and after the answer: wait for the page that follows it.
        expect(checkins).to_have_count(offered - 1)

        staff_page, staff = launch_in_iframe(context, platform_url, "Tuomas Salminen", "Tervetuloa, Tuomas")
        staff.get_by_role("link", name="Kyselyt, tapaamispalaute ja teemaraportti").click()
        staff.get_by_role("heading", level=1, name="Arviointi").wait_for()
        staff.locator("a[href*='/evaluation/surveys/midpoint/results']").click()
        staff.get_by_role("heading", level=1, name="Tulokset: Väliarviointikysely").wait_for()
        results = staff.locator("main").inner_text()
        assert "6 vastausta." in results
        assert "Sparrausryhmät aikaisemmin" in results
        # 3 aktoris and 3 mentors: neither slice reaches five.
        assert "Yhdelläkään roolilla ei ole tarpeeksi vastauksia" in results
        staff_token = _token(staff_page, tool_url)
        for path in ("/evaluation/surveys/midpoint/results", "/evaluation", "/evaluation/surveys/closing/questions"):
            for lang in ("fi", "sv", "en"):
                assert_no_axe_violations(context, f"{tool_url}{path}?s={staff_token}&lang={lang}")
        assert_no_axe_violations(context, f"{tool_url}/evaluation/themes?s={staff_token}")
        assert_no_axe_violations(context, f"{tool_url}/evaluation/themes?s={staff_token}&lang=sv&organisation=LUKE")

        # Kaisa, her agency's contact person, opens its slice from the agency page.
        _make_kaisa_her_agencys_contact(live["tool"])
        tool_frame(page, tool_url).goto(f"{tool_url}/agency/?s={token}")
        frame.get_by_role("heading", name="Ohjelman kyselyt").wait_for()
        frame.get_by_role("link", name="Väliarviointikysely").click()
        frame.get_by_role("heading", level=1, name="Tulokset: Väliarviointikysely").wait_for()
        assert "6 vastausta." in frame.locator("main").inner_text()
        for lang in ("fi", "sv", "en"):
            assert_no_axe_violations(context, f"{tool_url}/evaluation/agency/surveys/midpoint?s={token}&lang={lang}")
