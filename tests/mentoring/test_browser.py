"""My mentoring in a real browser inside the development platform's cross-site iframe: the demo
pair's aktori opens it from the home page, confirms nothing is lost on a refused meeting, logs a
meeting; axe-core finds no violation on My mentoring, the agreement, its edit form, the meeting
form (also with errors), the journal and the facilitator's progress view."""
import pytest

from tests.browser import assert_no_axe_violations, axe_violations, chromium, describe, launch_in_iframe, tool_frame

pytestmark = pytest.mark.browser


def test_my_mentoring_in_the_iframe_and_axe(tmp_path, live):
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    with chromium(tmp_path / "profile") as context:
        page, frame = launch_in_iframe(context, platform_url, "Kaisa Järvinen", "Tervetuloa, Kaisa")
        frame.get_by_role("heading", name="Oma mentorointi").wait_for()
        frame.get_by_role("link", name="Avaa Oma mentorointi").click()
        frame.get_by_role("heading", level=1, name="Oma mentorointi").wait_for()
        assert "Sanna Mäkinen" in frame.locator("main").inner_text()
        group_url = tool_frame(page, tool_url).url
        token = group_url.split("s=")[1].split("&")[0]

        frame.get_by_role("link", name="Avaa sopimus").click()
        frame.get_by_role("heading", level=1, name="Mentorointisopimus").wait_for()
        agreement_url = tool_frame(page, tool_url).url
        frame.get_by_role("link", name="Oma mentorointi", exact=True).first.click()

        frame.get_by_role("link", name="Kirjaa tapaaminen").click()
        frame.get_by_role("heading", level=1, name="Kirjaa tapaaminen").wait_for()
        form_url = tool_frame(page, tool_url).url
        frame.get_by_label("Päivämäärä").fill("2022-10-25")
        frame.get_by_label("Alkamisaika").fill("10:00")
        frame.get_by_label("Kesto minuutteina").fill("-5")
        frame.get_by_role("button", name="Tallenna tapaaminen").click()
        frame.get_by_text("Keston on oltava enemmän kuin nolla minuuttia").first.wait_for()
        assert frame.get_by_label("Päivämäärä").input_value() == "2022-10-25"  # nothing lost
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
