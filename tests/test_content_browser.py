"""The reading material in a real browser: a participant opens it from the home page inside the
cross-site iframe, reads a module and marks it read (a CSRF-protected form without cookies);
axe-core finds no violation on the index, a module page, the question bank, search, a checklist,
or the facilitator's index with read counts."""

import pytest

from tests.support.browser import assert_no_axe_violations, chromium, launch_in_iframe, tool_frame

pytestmark = pytest.mark.browser


def test_material_in_the_iframe_and_axe(tmp_path, live):
    tool_url, platform_url = live["tool_url"], live["platform_url"]
    with chromium(tmp_path / "profile") as context:
        page, frame = launch_in_iframe(context, platform_url, "Aino Virtanen", "Tervetuloa, Aino")

        frame.get_by_role("link", name="Lukumateriaali sekä vinkit ja työkalut vuorovaikutukseen").click()
        frame.get_by_role("heading", name="Lukumateriaali", exact=True).wait_for()
        index_url = tool_frame(page, tool_url).url

        frame.get_by_role("link", name="Palautteen antaminen ja vastaanottaminen").click()
        frame.get_by_role("heading", level=1, name="Palautteen antaminen ja vastaanottaminen").wait_for()
        module_url = tool_frame(page, tool_url).url.split("#")[0]
        frame.get_by_role("button", name="Merkitse luetuksi").click()
        frame.get_by_text("Merkitsit tämän moduulin luetuksi").wait_for()

        frame.get_by_role("navigation", name="Materiaali").get_by_role("link", name="Lukumateriaali").click()
        frame.get_by_role("heading", name="Lukumateriaali", exact=True).wait_for()
        assert "Olet lukenut tämän" in frame.locator("main").inner_text()

        # The search form (GET) keeps the session although the browser drops the action's query.
        frame.get_by_label("Hae materiaalista").fill("palaute")
        frame.get_by_role("button", name="Hae", exact=True).click()
        frame.locator("ol.search-results mark").first.wait_for()
        search_url = tool_frame(page, tool_url).url

        frame.get_by_role("link", name="Kysymyspankki").first.click()
        frame.get_by_role("heading", level=1, name="Kysymyspankki").wait_for()
        frame.get_by_label("Vaihe").select_option("closing")
        frame.get_by_role("button", name="Näytä kysymykset").click()
        frame.get_by_role("heading", level=2, name="Lopetus").wait_for()
        assert frame.get_by_role("heading", level=2, name="Alku").count() == 0
        questions_url = tool_frame(page, tool_url).url

        token = index_url.split("s=")[1].split("&")[0]
        for url in (
            index_url,
            index_url + "&audience=mentors",
            module_url,
            search_url,
            questions_url,
            f"{tool_url}/material/questions?s={token}",
            f"{tool_url}/material/tools/first-meeting?s={token}",
            f"{tool_url}/material/tools/closing-meeting?s={token}&lang=en",
            f"{tool_url}/material/modules/ensimmainen-tapaaminen?s={token}&lang=sv",
        ):
            assert_no_axe_violations(context, url)

        # The facilitator's index, with the read counts.
        page, frame = launch_in_iframe(context, platform_url, "Helena Saarinen", "Tervetuloa, Helena")
        frame.get_by_role("link", name="Lukumateriaali sekä vinkit ja työkalut vuorovaikutukseen").click()
        frame.get_by_role("heading", name="Fasilitaattoreille").wait_for()
        # The demo course is small: the k ≥ 5 rule hides the counts rather than tell who read what.
        assert "Lukumäärää ei näytetä (jommallakummalla puolella alle 5)" in frame.locator("main").inner_text()
        assert_no_axe_violations(context, tool_frame(page, tool_url).url)
