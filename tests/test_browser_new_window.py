"""In headless Chromium that refuses every cookie of the tool's site, a launch in the platform's
iframe cannot be bound to the browser; the tool offers a new window, which redeems a single-use
code and reaches the tool without asking the platform to repeat the login (the development
platform's login hints are single-use, like Moodle's)."""

import pytest

from tests.support.browser import assert_no_axe_violations, axe_violations, chromium, describe

pytestmark = pytest.mark.browser


def test_a_launch_with_every_tool_cookie_refused_reaches_the_tool_in_a_new_window(tmp_path, live):
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    with chromium(tmp_path / "profile", block_cookies_of=(tool_url,)) as context:
        page = context.new_page()
        page.goto(platform_url + "/")
        page.get_by_role("button", name="Käynnistä käyttäjänä Aino Virtanen").click()
        frame = page.frame_locator("iframe.tool-frame")
        frame.get_by_role("heading", name="Avaa työkalu uudessa ikkunassa").wait_for()

        link = frame.get_by_role("link", name="Avaa uudessa ikkunassa")
        handoff_url = link.get_attribute("href")
        assert handoff_url.startswith(tool_url + "/lti/handoff?code=")
        with context.expect_page() as opened:
            link.click()
        window = opened.value
        window.get_by_role("heading", name="Tervetuloa, Aino").wait_for()
        assert window.url.startswith(tool_url + "/home?s=")
        assert not axe_violations(window), describe(axe_violations(window))

        # The session works in the new window without any cookie: follow a link.
        window.get_by_role("link", name="Ohjelman tiedot ja tilaisuudet").click()
        window.get_by_role("heading", name="Tulanet-mentorointiohjelma 2022–2023").wait_for()
        assert context.cookies(tool_url) == []  # the browser kept none of the tool's cookies

        # The code is spent: opened again, it gets the localised refusal page.
        assert_no_axe_violations(context, handoff_url, status=410)
