"""The sparring space, a thread, the attendance page and the calendar in a real browser, inside
the development platform's cross-site iframe: a participant replies in a thread (a CSRF-protected
form without cookies) and axe-core finds no violations on any of the pages, for a participant and
for a facilitator."""

import re

import pytest

from app.core.db import db
from app.events.models import ProgrammeEvent
from app.sparring.models import SparringGroup, SparringThread
from tests.support.browser import (
    assert_no_axe_violations,
    axe_violations,
    chromium,
    describe,
    launch_in_iframe,
    tool_frame,
)

pytestmark = [pytest.mark.browser, pytest.mark.live]


def _ids(tool):
    with tool.app_context():
        aktoris = db.session.scalar(db.select(SparringGroup).filter_by(audience="aktoris"))
        thread = db.session.scalar(db.select(SparringThread).filter_by(group_id=aktoris.id))
        kickoff = db.session.scalar(db.select(ProgrammeEvent).filter_by(slot="kickoff"))
        return aktoris.id, thread.id, kickoff.id


def _user_id(tool, subject):
    from app.people.models import User

    with tool.app_context():
        return db.session.scalar(db.select(User.id).filter_by(subject=subject))


def test_space_thread_and_attendance_pages(tmp_path, live):
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    group_id, thread_id, kickoff_id = _ids(live["tool"])
    with chromium(tmp_path / "profile") as context:
        page, frame = launch_in_iframe(context, platform_url, "Aino Virtanen", "Tervetuloa, Aino")
        token = re.search(r"[?&]s=([^&#]+)", tool_frame(page, tool_url).url).group(1)

        frame.get_by_role("navigation", name=re.compile("Päävalikko|Main")).get_by_role(
            "link", name=re.compile("Sparrausryhmät|Sparring groups")
        ).click()
        frame.get_by_role("link", name="Aktorien sparrausryhmä").click()
        frame.get_by_role("heading", level=1, name="Aktorien sparrausryhmä").wait_for()
        frame.get_by_role("link", name="Miten asetitte tavoitteet?").click()
        frame.get_by_role("heading", level=1, name="Miten asetitte tavoitteet?").wait_for()
        frame.locator("#reply-body").fill("Kiitos vinkeistä! <script>alert(1)</script> **Kokeilen tätä.**")
        frame.locator("form[action*='/replies'] button[type=submit]").click()
        frame.get_by_text("Kokeilen tätä.").wait_for()
        posts = frame.locator("ol.posts").inner_html()
        assert "<strong>Kokeilen tätä.</strong>" in posts and "<script" not in posts

        for path in (
            f"/sparring/groups/{group_id}",
            f"/sparring/groups/{group_id}/threads/{thread_id}",
            "/sparring/",
            "/events/",
            "/calendar/",
        ):
            assert_no_axe_violations(context, f"{tool_url}{path}?s={token}")
        assert_no_axe_violations(context, f"{tool_url}/sparring/groups/{group_id}?s={token}&lang=sv")

        page, frame = launch_in_iframe(context, platform_url, "Helena Saarinen", "Tervetuloa, Helena")
        token = re.search(r"[?&]s=([^&#]+)", tool_frame(page, tool_url).url).group(1)
        for path in (
            f"/sparring/groups/{group_id}",
            f"/sparring/groups/{group_id}/threads/{thread_id}",
            f"/sparring/groups/{group_id}/manage",
            "/sparring/",
            f"/events/{kickoff_id}/attendance",
            f"/events/{kickoff_id}/edit",
            "/events/",
            "/calendar/",
        ):
            assert_no_axe_violations(context, f"{tool_url}{path}?s={token}")
        assert_no_axe_violations(context, f"{tool_url}/events/{kickoff_id}/attendance?s={token}&lang=en")

        # A refused new event: the summary at the top takes focus and links to the field.
        check = context.new_page()
        check.goto(f"{tool_url}/events/?s={token}")
        check.locator("#event-title").fill("Luento")
        check.locator("#event-date").fill("2035-01-01")
        check.locator("#event-time").fill("10:00")
        check.locator("form[action*='/events/'] button[type=submit]").click()
        check.locator("#error-summary").wait_for()
        assert check.evaluate("document.activeElement.id") == "error-summary"
        assert "ohjelman ajalta" in check.locator("#error-summary").inner_text()
        violations = axe_violations(check)
        assert not violations, describe(violations)
        check.locator("#error-summary a").first.click()
        assert check.evaluate("document.activeElement.id") == "event-date"
        check.close()

        # The import preview: matched, unknown and malformed rows.
        check = context.new_page()
        check.goto(f"{tool_url}/events/{kickoff_id}/attendance?s={token}")
        check.locator("#report-text").fill(
            "Name,Email\nPekka "
            "Hämäläinen,pekka.hamalainen@ruokavirasto.example\nVieras,vieras@muu.example\nRikki,ei-osoite\n"
        )
        check.locator("form[enctype] button[type=submit]").click()
        check.locator("#preview-heading").wait_for()
        assert "vieras@muu.example" in check.locator("main").inner_text()
        violations = axe_violations(check)
        assert not violations, describe(violations)
        check.locator(".preview form button[type=submit]").click()
        check.locator(".flash").wait_for()
        assert check.locator("#attended-" + str(_user_id(live["tool"], "10"))).is_checked()
