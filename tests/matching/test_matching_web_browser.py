"""Matching in a real browser, inside the development platform's cross-site iframe: the
facilitator computes suggestions for the demo cohort, splits one person off a draft, publishes
Mikko's pair; Mikko sees the match with Elina's profile, Aino (registered, unpublished) does not.
axe-core finds no violation on the registration, matching and match pages (and the set-up pages)."""

import re

import pytest

from tests.support.browser import assert_no_axe_violations, chromium, launch_in_iframe, tool_frame

pytestmark = pytest.mark.browser


def test_compute_edit_publish_and_see_the_match(tmp_path, live):
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    with chromium(tmp_path / "profile") as context:
        page, frame = launch_in_iframe(context, platform_url, "Helena Saarinen", "Tervetuloa, Helena")
        frame.get_by_role("link", name="Ohjelman asetukset, ilmoittautumiset ja parinmuodostus").click()
        frame.get_by_role("heading", name="Tämän kurssin ohjelmat").wait_for()
        frame.get_by_role("link", name=re.compile(r"^Parinmuodostus\W+Tulanet-mentorointiohjelma 2022–2023$")).click()
        frame.get_by_role("heading", name="Parinmuodostus: Tulanet-mentorointiohjelma 2022–2023").wait_for()
        frame.get_by_role("button", name="Laske ehdotukset").click()
        frame.get_by_text("uutta ehdotusta laskettu").wait_for()

        # Edit one draft: split Aino off hers (the demo keeps her registered but unmatched).
        frame.get_by_role("button", name=re.compile(r"^Erota\W+Aino Virtanen$")).click()
        frame.get_by_text("Henkilö erotettiin ryhmästä").wait_for()
        unmatched = frame.locator("section", has=frame.get_by_role("heading", name="Ilman paria", exact=True))
        assert "Aino Virtanen" in unmatched.inner_text()

        # Publish Mikko's pair only.
        card = frame.locator("li.group-card", has_text="Mikko Korhonen")
        assert "Elina Nieminen" in card.inner_text()
        card.get_by_role("checkbox").check()
        frame.get_by_role("button", name="Julkaise valitut ryhmät").click()
        frame.get_by_text("1 ryhmä julkaistu").wait_for()
        published = frame.locator("section", has=frame.get_by_role("heading", name="Julkaistut ryhmät"))
        assert "Mikko Korhonen" in published.inner_text()
        matching_url = tool_frame(page, tool_url).url.split("#")[0]
        token = matching_url.split("s=")[1].split("&")[0]
        programme_path = matching_url.split("/matching/programmes/")[1].split("?")[0]
        draft = (
            frame.locator("section", has=frame.get_by_role("heading", name="Luonnosryhmät"))
            .locator("li.group-card")
            .first
        )
        swap_href = draft.get_by_role("link", name=re.compile(r"^Vaihda\W")).first.get_attribute("href")
        for url in (
            matching_url,
            f"{tool_url}/programmes?s={token}",
            f"{tool_url}/programmes/{programme_path}?s={token}",
            f"{tool_url}/programmes/{programme_path}/themes?s={token}",
            f"{tool_url}/programmes/{programme_path}/organisations?s={token}&lang=sv",
            f"{tool_url}/programmes/{programme_path}/registrations?s={token}&lang=en",
            f"{tool_url}/matching/programmes/{programme_path}/groups/new?s={token}",
            tool_url + swap_href,
        ):
            assert_no_axe_violations(context, url)

        # Mikko sees his published match from the home page.
        page, frame = launch_in_iframe(context, platform_url, "Mikko Korhonen", "Tervetuloa, Mikko")
        frame.get_by_role("link", name="Katso parisi tai ryhmäsi").click()
        frame.get_by_role("heading", name="Mentorointiparisi tai -ryhmäsi").wait_for()
        frame.get_by_role("heading", name="Elina Nieminen – aktori").wait_for()
        text = frame.locator("main").inner_text()
        assert "Ilmastotutkimus" in text and "Haluan oppia hallitsemaan isoja projekteja" in text
        assert "ehdottivat toisiaan" in text
        assert_no_axe_violations(context, tool_frame(page, tool_url).url)

        # Aino: registered, not matched; her registration page passes axe in all three languages.
        page, frame = launch_in_iframe(context, platform_url, "Aino Virtanen", "Tervetuloa, Aino")
        assert "Katso parisi tai ryhmäsi" not in frame.locator("main").inner_text()
        frame.get_by_role("link", name="Katso tai muokkaa ilmoittautumistasi").click()
        frame.get_by_role("heading", name="Ilmoittautuminen: Tulanet-mentorointiohjelma 2022–2023").wait_for()
        frame.get_by_label("Yksikkösi tai tiimisi").fill("")
        frame.get_by_label("Tavoitteesi").fill("")
        frame.get_by_role("button", name="Tallenna ilmoittautumiseni").click()
        frame.get_by_text("Kuvaa tavoitteesi: parinmuodostus vertaa niitä.").first.wait_for()
        register_url = tool_frame(page, tool_url).url.split("#")[0]
        for suffix in ("", "&lang=sv", "&lang=en"):
            assert_no_axe_violations(context, register_url + suffix)
        mine = register_url.replace("/register", "/matching/mine")
        assert_no_axe_violations(context, mine)  # not yet matched: a page that says so
