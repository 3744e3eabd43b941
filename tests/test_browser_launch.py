"""In headless Chromium that blocks third-party cookies, a participant launches the tool in a
cross-site iframe (platform on 127.0.0.1, tool on localhost), follows a link and submits a form;
axe-core finds no violation on the landing page or the error pages."""

import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.support.browser import assert_no_axe_violations, chromium, launch_in_iframe, tool_frame

pytestmark = pytest.mark.browser


@Request.application
def _cookie_probe(request):
    """Outer page on one site embedding an inner page on another that sets two cookies."""
    if request.path == "/outer":
        inner = request.args["inner"]
        return Response(
            f'<!doctype html><html lang="en"><title>outer</title>'
            f'<iframe id="f" title="probe" src="{inner}"></iframe></html>',
            mimetype="text/html",
        )
    if request.path == "/set":
        response = Response("<!doctype html><p>set</p>", mimetype="text/html")
        response.set_cookie("plain", "1", secure=True, samesite="None")
        response.set_cookie("chips", "1", secure=True, samesite="None", partitioned=True)
        return response
    if request.path == "/echo":
        return Response(
            "<!doctype html><p id='cookies'>" + ",".join(sorted(request.cookies)) + "</p>", mimetype="text/html"
        )
    return Response("not found", status=404)


@pytest.fixture
def probe():
    server = make_server("127.0.0.1", 0, _cookie_probe, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


def test_third_party_cookies_are_blocked(tmp_path, probe):
    """The control: in this browser a plain SameSite=None cookie set inside a cross-site iframe
    does not come back; a partitioned one does."""
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{probe}/outer?inner=http://localhost:{probe}/set")
        frame = page.frame_locator("#f")
        frame.locator("text=set").wait_for()
        page.evaluate(f"document.getElementById('f').src = 'http://localhost:{probe}/echo'")
        echoed = frame.locator("#cookies")
        echoed.wait_for()
        received = echoed.inner_text().split(",")
        assert "plain" not in received
        assert "chips" in received


def test_participant_launch_in_cross_site_iframe(tmp_path, live):
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    with chromium(tmp_path / "profile") as context:
        page, frame = launch_in_iframe(context, platform_url, "Aino Virtanen", "Tervetuloa, Aino")
        assert frame.locator("dd.role").inner_text() == "osallistuja"

        # Follow a link inside the tool: the session travels in the URL, not in a cookie.
        frame.get_by_role("link", name="Ohjelman tiedot ja tilaisuudet").click()
        frame.get_by_role("heading", name="Tulanet-mentorointiohjelma 2022–2023").wait_for()

        # Submit a form inside the tool (CSRF-protected): switch to Swedish.
        frame.get_by_label("Kieli").select_option("sv")
        frame.get_by_role("button", name="Vaihda kieli").click()
        frame.get_by_role("heading", name="Evenemang").wait_for()
        assert frame.locator("html").get_attribute("lang") == "sv"

        landing_url = tool_frame(page, tool_url).url.replace("/programme?", "/home?")

        # axe-core on the landing page and on the error pages, each opened as a page of its own.
        assert_no_axe_violations(context, landing_url)
        assert_no_axe_violations(context, tool_url + "/home", status=401)  # no session
        assert_no_axe_violations(context, tool_url + "/lti/handoff?code=unknown", status=404)
