"""Deep linking and the roster in a real browser inside the platform's cross-site iframe, with
third-party cookies blocked; axe-core finds no violation on the picker, the roster and the
registration error page."""

import pytest

from tests.support.browser import assert_no_axe_violations, chromium, tool_frame

pytestmark = pytest.mark.browser


def test_deep_linking_in_the_iframe_and_axe(tmp_path, live):
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(platform_url + "/")
        page.get_by_role(
            "link", name="Lisää aktiviteetti työkalusta (sisällönvalinta) käyttäjänä Helena Saarinen"
        ).click()
        frame = page.frame_locator("iframe.tool-frame")
        frame.get_by_role("heading", name="Lisää aktiviteetteja kurssille").wait_for()
        picker_url = tool_frame(page, tool_url).url
        frame.get_by_label("Oma mentorointi").check()
        frame.get_by_role("button", name="Lisää kurssille").click()
        # The tool's answer posts itself (a script file; the CSP allows no inline script).
        frame.get_by_role("heading", name="Sisältö lisätty kurssille").wait_for()
        assert "Oma mentorointi" in frame.locator("#placed-links").inner_text()
        token = picker_url.split("s=", 1)[1].split("&")[0]
        assert_no_axe_violations(context, f"{tool_url}/lti/roster?s={token}")
        # The picker after use says its deep-linking request is spent (400), accessibly.
        assert_no_axe_violations(context, picker_url, status=400)
        assert_no_axe_violations(context, f"{tool_url}/lti/register", status=403)
        # The platform's own new pages too.
        assert_no_axe_violations(context, f"{platform_url}/gradebook")
        assert_no_axe_violations(context, f"{platform_url}/admin/tools")


def test_the_picker_page_has_no_axe_violations(tmp_path, live):
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(platform_url + "/course?user=3&select_content=1")
        frame = page.frame_locator("iframe.tool-frame")
        frame.get_by_role("heading", name="Lisää aktiviteetteja kurssille").wait_for()
        assert_no_axe_violations(context, tool_frame(page, tool_url).url)


def test_the_picker_without_a_programme_links_to_its_set_up_then_offers_my_mentoring(tmp_path, live):
    from app.core.db import db
    from app.people.models import Course
    from app.programme.models import Programme

    tool_url, platform_url = live["tool_url"], live["platform_url"]
    with live["tool"].app_context():  # the demo course without its programme (moved to another course)
        programme = db.session.scalars(db.select(Programme)).one()
        elsewhere = Course(issuer="https://elsewhere.example", deployment_id="1", context_id="elsewhere")
        db.session.add(elsewhere)
        db.session.flush()
        programme.course_id = elsewhere.id
        db.session.commit()
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(platform_url + "/course?user=3&select_content=1")
        frame = page.frame_locator("iframe.tool-frame")
        frame.get_by_role("heading", name="Lisää aktiviteetteja kurssille").wait_for()
        notice = frame.get_by_role("region", name="Ei vielä käytettävissä")
        assert "kun kurssilla on mentorointiohjelma" in notice.inner_text()
        assert frame.get_by_label("Oma mentorointi").count() == 0
        assert_no_axe_violations(context, tool_frame(page, tool_url).url)

        # The link opens the programme set-up in a window of its own; the staff member saves it.
        with context.expect_page() as opened:
            notice.get_by_role("link", name="Perusta ohjelma").click()
        setup = opened.value
        setup.get_by_label("Nimi (pakollinen)").fill("Tulanet-mentorointiohjelma 2025–2026")
        setup.get_by_label("Aloitustilaisuus").fill("2025-09-01")
        setup.get_by_label("Päätöstilaisuus").fill("2026-05-29")
        setup.get_by_role("button", name="Tallenna").click()
        setup.wait_for_url("**/programmes/*saved=1*")

        frame.get_by_role("link", name="Päivitä aktiviteettien luettelo").click()
        frame.get_by_label("Oma mentorointi").wait_for()
        assert frame.get_by_role("region", name="Ei vielä käytettävissä").count() == 0
