"""Pages and files say what they are: administration is reachable from the home page, and an
export's file name says what it holds and when it was made."""

import re

import pytest

from app.core.clock import helsinki_today
from tests.support.admin_seed import seed
from tests.support.admin_web import administrator, facilitator
from tests.support.programme_web import launch, make_programme


@pytest.fixture
def seeded(app, platform):
    with app.test_request_context("/"):
        yield seed(app, issuer=platform.issuer)


def main_of(page: str) -> str:
    return re.search(r"<main\b.*?</main>", page, flags=re.S).group(0)


def test_home_leads_administrators_to_administration_and_facilitators_to_the_report(app, platform, seeded):
    assert re.search(r'<a href="/admin/\?s=', main_of(administrator(app, platform).page("/home")))
    main = main_of(facilitator(app, platform).page("/home"))
    assert re.search(r'<a href="/admin/report\?s=', main) and 'href="/admin/?' not in main


def test_export_files_are_named_after_what_they_hold_and_the_day(app, platform, seeded):
    admin = administrator(app, platform)
    today = helsinki_today().isoformat()
    programme = re.sub(r"[^a-z0-9]+", "-", seeded.programme.name.lower()).strip("-")
    for fmt in ("csv", "xlsx"):
        response = admin.get(f"/admin/report/export.{fmt}")
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="suoritusraportti-{programme}-{today}.{fmt}"'
        )
    vtt = admin.get("/admin/report/export.csv", organisation=seeded.organisations["VTT"].id, lang="sv")
    assert f"-vtt-{today}.csv" in vtt.headers["Content-Disposition"]
    assert admin.get("/my-data.json").headers["Content-Disposition"] == f'attachment; filename="my-data-{today}.json"'


def test_a_match_not_yet_published_is_a_page_that_says_when(app, platform):
    launch(app, platform, sub="4")
    make_programme(app)  # kickoff in a month
    viewer = launch(app, platform, sub="5")
    page = viewer.page("/matching/mine", status=200)
    assert "Pariasi tai ryhmääsi ei ole vielä julkaistu" in page and "ennen aloitustilaisuutta" in page


def test_my_data_reads_in_words(app, platform, seeded):
    from tests.support.admin_web import participant

    page = participant(app, platform, seeded.people["m2"]).page("/my-data")
    main = main_of(page)
    assert "videopuhelu" in main and "vahvistettu" in main
    # No ISO dates or times, no "UTC" and no JSON where a person reads.
    assert not re.search(r"\d{4}-\d{2}-\d{2}|UTC|\{&#34;|\[&#34;", main), re.findall(
        r".{40}\d{4}-\d{2}-\d{2}.{20}", main
    )
