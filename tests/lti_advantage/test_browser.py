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
