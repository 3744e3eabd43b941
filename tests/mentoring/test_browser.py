"""My mentoring in a real browser inside the development platform's cross-site iframe: the demo
pair's aktori opens it from the home page, confirms nothing is lost on a refused meeting, logs a
meeting; axe-core finds no violation on My mentoring (also showing the mentor's proposed change
of a counted meeting, with its confirm and decline buttons), the agreement, its edit form, the
meeting form (also with errors), the proposal form, the journal, the facilitator's progress view
and the facilitator's correct-or-remove form."""

from datetime import time, timedelta

import pytest

from tests.support.browser import (
    assert_no_axe_violations,
    axe_violations,
    chromium,
    describe,
    launch_in_iframe,
    tool_frame,
)

pytestmark = pytest.mark.browser


def _mentor_proposes_a_correction(tool) -> tuple[int, int, int]:
    """Sanna proposes to shorten the demo pair's third counted meeting (the phone call); returns (group id,
    that meeting's id, the id of another counted meeting, which has no proposal)."""
    from app.core.db import db
    from app.mentoring import changes, services
    from app.mentoring.demo import MENTOR
    from app.mentoring.models import Meeting
    from app.people.models import User

    with tool.app_context():
        sanna = db.session.scalar(db.select(User).filter_by(subject=MENTOR))
        meetings = [
            m
            for m in db.session.scalars(db.select(Meeting).order_by(Meeting.starts_at))
            if sanna.id in m.attendee_ids()
        ]
        meeting, other = meetings[2], meetings[1]
        data = services.MeetingInput(
            meeting.local_start.date(), time(13, 0), 70, "phone", sorted(meeting.attendee_ids())
        )
        changes.propose_correction(meeting, sanna.id, data)
        db.session.commit()
        return meeting.group_id, meeting.id, other.id


def test_my_mentoring_in_the_iframe_and_axe(tmp_path, live):
    from app.core.clock import helsinki_today

    tool_url, platform_url = live["tool_url"], live["platform_url"]
    group_id, counted_meeting, other_counted = _mentor_proposes_a_correction(live["tool"])
    day = (helsinki_today() - timedelta(days=3)).isoformat()  # after the demo's last meeting
    with chromium(tmp_path / "profile") as context:
        page, frame = launch_in_iframe(context, platform_url, "Kaisa Järvinen", "Tervetuloa, Kaisa")
        frame.get_by_role("heading", name="Oma mentorointi").wait_for()
        frame.get_by_role("link", name="Avaa Oma mentorointi").click()
        frame.get_by_role("heading", level=1, name="Oma mentorointi").wait_for()
        assert "Sanna Mäkinen" in frame.locator("main").inner_text()
        frame.get_by_role("heading", name="Laskettujen tapaamisten muutokset").wait_for()
        assert "Sanna Mäkinen ehdotti tapaamisen" in frame.locator("#changes").inner_text()
        frame.get_by_role("button", name="Vahvista muutos").wait_for()
        frame.get_by_role("button", name="Hylkää: tapaaminen pysyy ennallaan").wait_for()
        group_url = tool_frame(page, tool_url).url
        token = group_url.split("s=")[1].split("&")[0]

        frame.get_by_role("link", name="Avaa sopimus").click()
        frame.get_by_role("heading", level=1, name="Mentorointisopimus").wait_for()
        agreement_url = tool_frame(page, tool_url).url
        frame.get_by_role("link", name="Oma mentorointi", exact=True).first.click()

        frame.get_by_role("link", name="Kirjaa tapaaminen").click()
        frame.get_by_role("heading", level=1, name="Kirjaa tapaaminen").wait_for()
        form_url = tool_frame(page, tool_url).url
        frame.get_by_label("Päivämäärä").fill(day)
        frame.get_by_label("Alkamisaika").fill("10:00")
        frame.get_by_label("Kesto minuutteina").fill("-5")
        frame.get_by_role("button", name="Tallenna tapaaminen").click()
        frame.get_by_text("Keston on oltava enemmän kuin nolla minuuttia").first.wait_for()
        assert frame.get_by_label("Päivämäärä").input_value() == day  # nothing lost
        error_html = frame.locator("html").inner_html()
        frame.get_by_label("Kesto minuutteina").fill("60")
        frame.get_by_role("button", name="Tallenna tapaaminen").click()
        frame.get_by_role("heading", level=1, name="Oma mentorointi").wait_for()
        assert "odottaa vahvistusta" in frame.locator("main").inner_text()

        for url in (
            group_url,
            agreement_url,
            form_url,
            f"{tool_url}/mentoring/groups/{group_url.split('/groups/')[1].split('?')[0]}/agreement/edit?s={token}",
            f"{tool_url}/mentoring/groups/{group_id}/meetings/{other_counted}/edit?s={token}",
            f"{tool_url}/mentoring/journal?s={token}",
            f"{tool_url}/mentoring/journal/new?prompt=midpoint&s={token}",
            f"{tool_url}/material/tools/first-meeting?s={token}",
            f"{tool_url}/home?s={token}&lang=sv",
        ):
            assert_no_axe_violations(context, url)
        assert "error-summary" in error_html
        # The meeting form showing its errors, on a page of its own.
        check = context.new_page()
        check.goto(form_url)
        check.get_by_label("Kesto minuutteina").fill("0")
        check.get_by_label("Alkamisaika").fill("11:00")
        check.get_by_role("button", name="Tallenna tapaaminen").click()
        check.get_by_role("heading", name="Tapaamista ei tallennettu").wait_for()
        violations = axe_violations(check)
        assert not violations, describe(violations)
        check.close()

        # The facilitator's progress view.
        page, frame = launch_in_iframe(context, platform_url, "Helena Saarinen", "Tervetuloa, Helena")
        staff_token = tool_frame(page, tool_url).url.split("s=")[1].split("&")[0]
        assert_no_axe_violations(context, f"{tool_url}/mentoring?s={staff_token}")
        assert_no_axe_violations(context, f"{tool_url}/mentoring/groups/{group_id}?s={staff_token}")
        assert_no_axe_violations(
            context, f"{tool_url}/mentoring/groups/{group_id}/meetings/{counted_meeting}/override?s={staff_token}"
        )
