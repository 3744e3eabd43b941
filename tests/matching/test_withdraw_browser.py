"""Withdrawing a published match in a real browser, inside the development platform's cross-site
iframe (issue 15): the facilitator publishes Mikko and Elina's pair, reads its points in words,
withdraws it after a confirmation naming who is told; Mikko's home page says so, without a
reason. axe-core finds no violation on the confirmation page in Finnish, Swedish and English."""

import re

import pytest

from tests.support.browser import assert_no_axe_violations, chromium, launch_in_iframe, tool_frame

pytestmark = pytest.mark.browser


def test_withdraw_a_published_match(tmp_path, live):
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    with chromium(tmp_path / "profile") as context:
        page, frame = launch_in_iframe(context, platform_url, "Helena Saarinen", "Tervetuloa, Helena")
        frame.get_by_role("link", name="Ohjelman asetukset, ilmoittautumiset ja parinmuodostus").click()
        frame.get_by_role("link", name=re.compile(r"^Parinmuodostus\W+Tulanet-mentorointiohjelma 2022–2023$")).click()
        frame.get_by_role("button", name="Laske ehdotukset").click()
        frame.get_by_text("uutta ehdotusta laskettu").wait_for()
        card = frame.locator("li.group-card", has_text="Mikko Korhonen")
        assert re.search(r"Pisteet \d+/100 \(.*yhteinen teema: \d+", card.inner_text())
        card.get_by_role("checkbox").check()
        frame.get_by_role("button", name="Julkaise valitut ryhmät").click()
        frame.get_by_text("1 ryhmä julkaistu").wait_for()

        published = frame.locator("section", has=frame.get_by_role("heading", name="Julkaistut ryhmät"))
        mikko = published.locator("li.group-card", has_text="Mikko Korhonen")
        mikko.get_by_role("link", name=re.compile("^Peru pari")).click()
        frame.get_by_role("heading", name="Perutaanko julkaistu pari?").wait_for()
        assert "kotisivullaan ja sähköpostitse" in frame.locator("main").inner_text()
        confirm_url = tool_frame(page, tool_url).url.split("#")[0]
        for suffix in ("", "&lang=sv", "&lang=en"):
            assert_no_axe_violations(context, confirm_url + suffix)
        frame.get_by_role("button", name=re.compile(r"^Peru ryhmä \d+$")).click()
        frame.get_by_text("Pari peruttiin").wait_for()
        unmatched = frame.locator("section", has=frame.get_by_role("heading", name="Ilman paria", exact=True))
        assert "Mikko Korhonen" in unmatched.inner_text()

        page, frame = launch_in_iframe(context, platform_url, "Mikko Korhonen", "Tervetuloa, Mikko")
        assert "ovat peruneet sinulle julkaistun parin tai ryhmän" in frame.locator("main").inner_text()
        assert "Katso parisi tai ryhmäsi" not in frame.locator("main").inner_text()
