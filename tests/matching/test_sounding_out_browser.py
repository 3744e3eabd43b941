"""Sounding out, tips and an agency contact in a real browser, inside the development platform's
cross-site iframe (issue 16): the facilitator publishes Mikko and Elina's pair; Mikko says "let's
go on", Elina asks for another match with a reason; Mikko is told kindly, without the reason; the
facilitator sees it. An administrator names Aino as her agency's contact; Aino opens her agency's
page. axe-core finds no violation on the new pages in Finnish, Swedish and English."""

import re

import pytest

from tests.support.browser import assert_no_axe_violations, chromium, launch_in_iframe, tool_frame

pytestmark = pytest.mark.browser

REASON = "Tavoitteemme eivät kohtaa"
LANGS = ("", "&lang=sv", "&lang=en")


def _url(page, tool_url):
    return tool_frame(page, tool_url).url.split("#")[0]


def _token(url):
    return url.split("s=")[1].split("&")[0]


def _axe_in_every_language(context, url, status=200):
    for suffix in LANGS:
        assert_no_axe_violations(context, url + suffix, status=status)


def test_both_answers_tips_and_an_agency_contact(tmp_path, live):
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    with chromium(tmp_path / "profile") as context:
        page, frame = launch_in_iframe(context, platform_url, "Helena Saarinen", "Tervetuloa, Helena")
        frame.get_by_role("link", name="Ohjelman asetukset, ilmoittautumiset ja parinmuodostus").click()
        frame.get_by_role("link", name=re.compile(r"^Parinmuodostus\W+Tulanet-mentorointiohjelma 2022–2023$")).click()
        frame.get_by_role("button", name="Laske ehdotukset").click()
        frame.get_by_text("uutta ehdotusta laskettu").wait_for()
        frame.locator("li.group-card", has_text="Mikko Korhonen").get_by_role("checkbox").check()
        frame.get_by_role("button", name="Julkaise valitut ryhmät").click()
        frame.get_by_text("1 ryhmä julkaistu").wait_for()
        matching_url = _url(page, tool_url)
        staff_token = _token(matching_url)
        programme_id = matching_url.split("/matching/programmes/")[1].split("?")[0]

        # Mikko: let's go on.
        page, frame = launch_in_iframe(context, platform_url, "Mikko Korhonen", "Tervetuloa, Mikko")
        frame.get_by_role("link", name="Katso parisi tai ryhmäsi").click()
        frame.get_by_role("heading", name="Tunnustelu").wait_for()
        _axe_in_every_language(context, _url(page, tool_url))
        # While sounding out, the pair's mentoring page opens for logging meetings (it passes axe too).
        frame.get_by_role("link", name=re.compile("^Kirjaa tapaamisenne")).click()
        frame.get_by_text("Tunnustelette vielä").wait_for()
        _axe_in_every_language(context, _url(page, tool_url))
        frame.get_by_role("link", name="Anna vastauksesi parisivullasi").click()
        frame.get_by_role("heading", name="Tunnustelu").wait_for()
        frame.get_by_label("Jatketaan").check()
        frame.get_by_role("button", name="Lähetä vastaukseni").click()
        frame.get_by_text("Päätit jatkaa.").wait_for()
        mikko_mine = _url(page, tool_url)

        # Elina: please find me another match, with a reason only the facilitators see.
        page, frame = launch_in_iframe(context, platform_url, "Elina Nieminen", "Tervetuloa, Elina")
        frame.get_by_role("link", name="Katso parisi tai ryhmäsi").click()
        frame.get_by_label("Etsikää minulle toinen pari").check()
        frame.get_by_label("Syy (vapaaehtoinen; vain fasilitaattorit näkevät sen)").fill(REASON)
        frame.get_by_role("button", name="Lähetä vastaukseni").click()
        frame.get_by_text("Pyysit uutta paria.").wait_for()

        # Mikko is told kindly, without the reason.
        told = context.new_page()
        told.goto(mikko_mine)
        assert "Aiempi parisi ei jatku" in told.locator("main").inner_text()
        assert REASON not in told.content()
        told.close()
        _axe_in_every_language(context, mikko_mine)

        # The facilitator sees the dissolved pair and the reason; the new staff pages pass axe.
        staff = context.new_page()
        staff.goto(matching_url)
        row = staff.locator("table.sounding tr", has_text="Mikko Korhonen")
        assert REASON in row.inner_text() and "Elina Nieminen" in row.inner_text()
        staff.close()
        _axe_in_every_language(context, matching_url)
        _axe_in_every_language(context, f"{tool_url}/programmes/{programme_id}/tips?s={staff_token}")
        _axe_in_every_language(context, f"{tool_url}/mentoring?s={staff_token}")  # progress, sounding out shown

        # Aino gives a tip about a colleague (the form passes axe in every language).
        page, frame = launch_in_iframe(context, platform_url, "Aino Virtanen", "Tervetuloa, Aino")
        aino_token = _token(_url(page, tool_url))
        tip_url = f"{tool_url}/register/tip?s={aino_token}"
        _axe_in_every_language(context, tip_url)
        _axe_in_every_language(context, f"{tool_url}/register?s={aino_token}")  # the tip section inside

        # An administrator names Aino her agency's contact person; she opens her agency's page.
        page, frame = launch_in_iframe(context, platform_url, "Tuomas Salminen", "Tervetuloa, Tuomas")
        admin_token = _token(_url(page, tool_url))
        contacts_url = f"{tool_url}/agency/programmes/{programme_id}/contacts?s={admin_token}"
        _axe_in_every_language(context, f"{tool_url}/admin/report?s={admin_token}")
        admin = context.new_page()
        admin.goto(contacts_url)
        admin.locator("#contact-organisation").select_option(index=1)
        admin.locator("#contact-person").select_option(label="Aino Virtanen")
        admin.get_by_role("button", name="Nimeä yhteyshenkilöksi").click()
        admin.get_by_text("Yhteyshenkilö nimettiin.").wait_for()
        admin.close()
        _axe_in_every_language(context, contacts_url)

        page, frame = launch_in_iframe(context, platform_url, "Aino Virtanen", "Tervetuloa, Aino")
        frame.get_by_role("link", name="Virastosi osallistuminen (olet sen yhteyshenkilö)").click()
        frame.get_by_role("heading", name="Kustannusten jako").wait_for()
        _axe_in_every_language(context, _url(page, tool_url))
