"""The administration, privacy and accessibility pages in a real browser inside the cross-site
iframe: an administrator exports the report and resends a score through CSRF-protected forms
without cookies; axe-core finds no violation on any of the pages."""

import pytest

from app.admin.models import AccessibilityFeedback
from app.core.db import db
from app.lti.models import FAILED, ScoreOutbox
from app.people.models import Course
from tests.support.admin_seed import seed
from tests.support.browser import assert_no_axe_violations, chromium, launch_in_iframe, tool_frame

pytestmark = pytest.mark.browser


def _seed_live(live):
    tool = live["tool"]
    with tool.test_request_context("/"):
        course = db.session.scalars(db.select(Course)).one()  # the demo course
        seeded = seed(tool, issuer=course.issuer, course=course)
        for row in db.session.scalars(db.select(ScoreOutbox).order_by(ScoreOutbox.id).limit(2)):
            row.status, row.last_status, row.last_error = FAILED, 400, "Käyttäjä ei ole kurssilla"
        db.session.add(AccessibilityFeedback(message="Kaavion värit ovat vaaleita", contact="x@example.fi"))
        db.session.commit()
        return seeded.programme.id, seeded.people["m1"].id


def test_admin_pages_in_the_iframe_and_axe(tmp_path, live):
    programme_id, person_id = _seed_live(live)
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    with chromium(tmp_path / "profile") as context:
        page, frame = launch_in_iframe(context, platform_url, "Tuomas Salminen", "Tervetuloa, Tuomas")
        frame.get_by_role("link", name="Ylläpito", exact=True).click()
        frame.get_by_role("heading", level=1, name="Ylläpito").wait_for()
        frame.get_by_role("link", name="Arviointikirjan synkronointi").first.click()
        frame.get_by_role("heading", level=1, name="Arviointikirjan synkronointi").wait_for()
        frame.get_by_role("button", name="Lähetä kaikki epäonnistuneet uudelleen").click()
        frame.get_by_text("2 pistemerkintää jonossa uudelleen.").wait_for()
        token = tool_frame(page, tool_url).url.split("s=")[1].split("&")[0]

        # GET forms keep the session inside the iframe without cookies: search, show, filter.
        inner = tool_frame(page, tool_url)
        inner.goto(f"{tool_url}/admin/people?s={token}")
        inner.get_by_label("Nimi tai sähköposti").fill("Maija")
        inner.get_by_role("button", name="Hae").click()
        inner.get_by_role("link", name="Maija Mentori").click()
        inner.get_by_role("button", name="Poista", exact=True).wait_for()
        for path, button, heading in (
            ("/admin/report", "Näytä", "Suoritusraportti"),
            ("/admin/audit", "Rajaa", "Tapahtumaloki"),
        ):
            inner.goto(f"{tool_url}{path}?s={token}")
            with inner.expect_navigation():
                inner.get_by_role("button", name=button).click()
            assert "s=" in inner.url, path
            inner.get_by_role("heading", level=1, name=heading).wait_for(timeout=5000)

        report = context.new_page()
        report.goto(f"{tool_url}/admin/report?s={token}&programme={programme_id}")
        with report.expect_download() as download:
            report.get_by_role("link", name="CSV puolipisteillä (suomenkielinen Excel)").click()
        assert download.value.suggested_filename.endswith(".csv")
        assert "Maija Mentori" in open(download.value.path(), encoding="utf-8-sig").read()
        report.close()

        for path in (
            f"/admin/?s={token}",
            f"/admin/report?s={token}&programme={programme_id}",
            f"/admin/report?s={token}&programme={programme_id}&lang=sv",
            f"/admin/gradebook?s={token}",
            f"/admin/gradebook/placements?s={token}",
            f"/admin/audit?s={token}",
            f"/admin/feedback?s={token}",
            f"/admin/people?s={token}&q=Maija",
            f"/admin/people/{person_id}?s={token}",
            f"/my-data?s={token}",
            f"/privacy?s={token}",
            f"/accessibility?s={token}&lang=en",
            "/privacy",
            "/privacy?lang=sv",
            "/accessibility",
        ):
            assert_no_axe_violations(context, tool_url + path)

        # The feedback form's error state, as a visitor who has not launched the tool.
        check = context.new_page()
        check.goto(tool_url + "/accessibility")
        check.get_by_role("button", name="Lähetä palaute").click()
        check.get_by_role("alert").wait_for()
        from tests.support.browser import axe_violations, describe

        violations = axe_violations(check)
        assert not violations, describe(violations)
        check.get_by_label("Palautteesi").fill("Fontti on pieni")
        check.get_by_label("Sähköpostiosoitteesi tai puhelinnumerosi vastausta varten").fill("y@example.fi")
        check.get_by_role("button", name="Lähetä palaute").click()
        check.get_by_role("status").wait_for()
        assert "Kiitos" in check.get_by_role("status").inner_text()
