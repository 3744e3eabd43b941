"""Headless Debian Chromium through Playwright, optionally blocking third-party cookies."""

import json
import os
from contextlib import contextmanager

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


@contextmanager
def chromium(profile_dir, block_third_party_cookies: bool = True, block_cookies_of: tuple[str, ...] = ()):
    """A persistent Chromium profile whose Preferences block third-party cookies, as Chrome's
    setting does (and as Safari does by default). ``block_cookies_of`` lists origins whose
    cookies are refused altogether, partitioned or not, as a site exception in the browser's
    cookie settings does."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (make test does it)")
    from playwright.sync_api import sync_playwright

    default = profile_dir / "Default"
    default.mkdir(parents=True, exist_ok=True)
    prefs = {"profile": {"block_third_party_cookies": block_third_party_cookies}}
    if block_third_party_cookies:
        prefs["profile"]["cookie_controls_mode"] = 1
    if block_cookies_of:
        exceptions = {f"{origin},*": {"setting": 2} for origin in block_cookies_of}
        prefs["profile"]["content_settings"] = {"exceptions": {"cookies": exceptions}}
    (default / "Preferences").write_text(json.dumps(prefs))
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir), executable_path=CHROMIUM, headless=True, args=ARGS, locale="fi-FI"
        )
        try:
            yield context
        finally:
            context.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page; return its violations (empty when the page passes)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return results.response["violations"]


def describe(violations) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in violations
    )


def launch_in_iframe(context, platform_url: str, person: str, welcome: str):
    """Open the development platform, launch as ``person`` and wait for the tool's welcome
    heading in the cross-site iframe; returns (page, frame locator)."""
    page = context.new_page()
    page.goto(platform_url + "/")
    page.get_by_role("button", name=f"Käynnistä käyttäjänä {person}").click()
    frame = page.frame_locator("iframe.tool-frame")
    frame.get_by_role("heading", name=welcome).wait_for()
    return page, frame


def tool_frame(page, tool_url: str):
    """The iframe's frame object, for its URL (which carries the session token)."""
    return next(f for f in page.frames if f.url.startswith(tool_url))


def assert_no_axe_violations(context, url: str, status: int = 200) -> None:
    """Open ``url`` as a page of its own and run axe-core on it."""
    check = context.new_page()
    response = check.goto(url)
    assert response.status == status, url
    violations = axe_violations(check)
    check.close()
    assert not violations, f"{url}:\n{describe(violations)}"
