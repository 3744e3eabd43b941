"""In headless Chromium, inside the development platform's cross-site iframe: the frame-ancestors
policy of the session lets the platform frame the tool, "Log out" ends the session and its page
still shows inside the platform's frame, and the old address then answers "session ended"
there too; axe-core finds no violation on the logged-out page."""

import pytest

from tests.support.browser import axe_violations, chromium, describe, launch_in_iframe, tool_frame

pytestmark = pytest.mark.browser


def test_logout_inside_the_platform_frame(tmp_path, live):
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    with chromium(tmp_path / "profile") as context:
        page, frame = launch_in_iframe(context, platform_url, "Aino Virtanen", "Tervetuloa, Aino")
        address = tool_frame(page, tool_url).url
        frame.get_by_role("button", name="Kirjaudu ulos").click()
        frame.get_by_role("heading", level=1, name="Olet kirjautunut ulos").wait_for()
        assert frame.get_by_role("button", name="Kirjaudu ulos").count() == 0
        violations = axe_violations(tool_frame(page, tool_url))
        assert not violations, describe(violations)
        tool_frame(page, tool_url).goto(address)
        frame.get_by_role("heading", level=1, name="Et ole kirjautunut").wait_for()
