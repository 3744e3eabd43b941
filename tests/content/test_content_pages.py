"""The material pages inside the tool: index, module pages, search, question bank and
checklists, in fi, sv and en; the Finnish fallback; who may see what; escaping."""

import re
import shutil

import pytest

from app.content.library.rendering import clear_caches
from tests.content.conftest import SHIPPED
from tests.support.lti_double import MENTOR_OBSERVER
from tests.support.web import facilitator, launch, module_item, text

LANGS = ["fi", "sv", "en"]

H1 = {
    "index": {"fi": "Lukumateriaali", "sv": "Läsmaterial", "en": "Reading material"},
    "questions": {"fi": "Kysymyspankki", "sv": "Frågebank", "en": "Question bank"},
    "search": {"fi": "Hae materiaalista", "sv": "Sök i materialet", "en": "Search the material"},
}
FEEDBACK_TITLE = {
    "fi": "Palautteen antaminen ja vastaanottaminen",
    "sv": "Att ge och ta emot respons",
    "en": "Giving and receiving feedback",
}


@pytest.fixture
def content_root(app, tmp_path):
    """A writable copy of the shipped content, used by the app for this test."""
    root = tmp_path / "content"
    shutil.copytree(SHIPPED, root)
    app.config["CONTENT_ROOT"] = str(root)
    yield root
    clear_caches()


def h1(page: str) -> str:
    return text(re.search(r"<h1[^>]*>(.*?)</h1>", page, flags=re.S).group(1))


# -- languages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_index_in_each_language(app, platform, lang):
    viewer = launch(app, platform, locale=lang)
    page = viewer.page("/material/")
    assert f'<html lang="{lang}">' in page
    assert h1(page) == H1["index"][lang]
    assert FEEDBACK_TITLE[lang] in page
    section_title = {"fi": "Perehdytys", "sv": "Introduktion", "en": "Onboarding"}[lang]
    assert f">{section_title}</h2>" in page
    assert 'lang="fi"' not in page.split("<main", 1)[1]  # every module is translated


@pytest.mark.parametrize("lang", LANGS)
def test_module_page_in_each_language(app, platform, lang):
    viewer = launch(app, platform, locale=lang)
    page = viewer.page("/material/modules/palaute")
    assert h1(page) == FEEDBACK_TITLE[lang]
    assert "fallback-note" not in page
    toc = re.search(r'<nav class="toc".*?</nav>', page, flags=re.S).group(0)
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert anchors and all(f'id="{a}"' in page for a in anchors)
    reading = {"fi": "Lukuaika", "sv": "Lästid", "en": "Reading time"}[lang]
    assert reading in page
    button = {"fi": "Merkitse luetuksi", "sv": "Markera som läst", "en": "Mark as read"}[lang]
    assert f">{button}</button>" in page
    # Internal links point at this tool's module pages and carry the session.
    assert re.search(rf'href="/material/modules/[a-z-]+\?s={viewer.token}', page)


@pytest.mark.parametrize("lang, word", [("fi", "palaute"), ("sv", "respons"), ("en", "feedback")])
def test_search_in_each_language(app, platform, lang, word):
    viewer = launch(app, platform, locale=lang)
    page = viewer.page("/material/search", q=word)
    assert h1(page) == H1["search"][lang]
    results = re.search(r'<ol class="search-results".*?</ol>', page, flags=re.S).group(0)
    assert FEEDBACK_TITLE[lang] in results
    marks = re.findall(r"<mark>(.*?)</mark>", results)
    assert marks and all(m.lower().startswith(word[:5]) for m in marks)  # the word or its stem
    assert f'value="{word}"' in page


@pytest.mark.parametrize("lang", LANGS)
def test_question_bank_in_each_language(app, platform, lang):
    viewer = launch(app, platform, locale=lang)
    page = viewer.page("/material/questions")
    assert h1(page) == H1["questions"][lang]
    from app.content import get_library

    with app.app_context():
        bank = get_library(app).question_bank()
    assert page.count('<li id="q-') == len(bank.questions)
    assert bank.questions[0].text.get(lang) in text(page)


@pytest.mark.parametrize("lang", LANGS)
def test_checklists_in_each_language(app, platform, lang):
    from app.content import get_library

    with app.app_context():
        checklists = get_library(app).checklists()
    assert set(checklists) == {"first-meeting", "closing-meeting"}
    viewer = launch(app, platform, locale=lang)
    index = viewer.page("/material/")
    for checklist in checklists.values():
        assert f"/material/tools/{checklist.id}?" in index
        page = viewer.page(f"/material/tools/{checklist.id}")
        assert h1(page) == checklist.title.get(lang)
        for item in checklist.items:
            assert item.text.get(lang) in text(page)
    viewer.page("/material/tools/no-such-checklist", status=404)


# -- the Finnish fallback ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, note, marker",
    [
        ("sv", "så den visas på finska", "(på finska)"),
        ("en", "so it is shown in Finnish", "(in Finnish)"),
    ],
)
def test_missing_translation_falls_back_to_finnish_with_a_note(app, platform, content_root, lang, note, marker):
    (content_root / lang / "palaute.md").unlink()
    viewer = launch(app, platform, locale=lang)

    page = viewer.page("/material/modules/palaute")
    assert f'<html lang="{lang}">' in page
    assert note in page
    article = re.search(r'<article class="module"([^>]*)>', page).group(1)
    assert 'lang="fi"' in article
    assert h1(page) == FEEDBACK_TITLE["fi"]
    assert "mentoroinnin tärkeimpiä lahjoja" in page

    item = module_item(viewer.page("/material/"), "palaute")
    assert f'<span lang="fi">{FEEDBACK_TITLE["fi"]}</span>' in item
    assert marker in item

    results = viewer.page("/material/search", q="palautetta")
    assert f'lang="fi">{FEEDBACK_TITLE["fi"]}</a>' in results

    # A translated module in the same language has no note and no lang switch.
    other = viewer.page("/material/modules/reflektointi")
    assert note not in other
    assert 'lang="fi"' not in re.search(r'<article class="module"([^>]*)>', other).group(1)


def test_finnish_page_never_shows_the_fallback_note(app, platform, content_root):
    (content_root / "sv" / "palaute.md").unlink()
    page = launch(app, platform, locale="fi").page("/material/modules/palaute")
    assert "fallback-note" not in page


# -- audience ----------------------------------------------------------------------------------


def _module_order(page: str) -> list[str]:
    return re.findall(r'<p class="module-link"><a href="/material/modules/([a-z-]+)\?', page)


def test_audience_filter_puts_the_groups_own_material_first(app, platform):
    from app.content import get_library

    viewer = launch(app, platform)
    everything = _module_order(viewer.page("/material/"))
    with app.app_context():
        library = get_library(app)
        for audience in ("mentors", "aktoris", "peers"):
            page = viewer.page("/material/", audience=audience)
            assert f'href="/material/?audience={audience}&amp;s={viewer.token}" aria-current="page"' in page
            order = _module_order(page)
            modules = {m.id: m for m in library.modules("fi")}
            assert all(modules[m].is_for(audience) for m in order)
            own = [m for m in order if audience in modules[m].audience]
            assert own, audience
            # Within its section, the group's own module comes before the general ones.
            for module_id in own:
                section = modules[module_id].section
                same_section = [m for m in order if modules[m].section == section]
                assert same_section.index(module_id) < len(own)
            assert set(order) < set(everything)


def test_participants_do_not_get_facilitator_material(app, platform):
    participant = launch(app, platform)
    page = participant.page("/material/")
    assert "sparrausryhman-ohjaaminen" not in page
    assert "audience=facilitators" not in page
    participant.page("/material/modules/sparrausryhman-ohjaaminen", status=404)
    assert "sparrausryhman-ohjaaminen" not in participant.page("/material/search", q="sparrausryhmä")
    # An unknown filter value is the default, not an error or a way in.
    assert "sparrausryhman-ohjaaminen" not in participant.page("/material/", audience="facilitators")


def test_facilitators_see_their_material_first(app, platform):
    staff = facilitator(app, platform)
    page = staff.page("/material/")
    sections = re.findall(r'<h2 id="section-([a-z]+)">', page)
    assert sections[0] == "facilitators"
    assert "sparrausryhman-ohjaaminen" in _module_order(page)
    assert "Sparrausryhmän" in staff.page("/material/modules/sparrausryhman-ohjaaminen")
    assert "audience=facilitators" in page


# -- who may look ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/material/",
        "/material/modules/palaute",
        "/material/search?q=palaute",
        "/material/questions",
        "/material/tools/first-meeting",
    ],
)
def test_pages_need_a_launch_and_a_programme_role(app, client, platform, path):
    assert client.get(path).status_code == 401
    assert client.get(path + ("&" if "?" in path else "?") + "s=forged").status_code == 401
    guest = launch(app, platform, (MENTOR_OBSERVER,))
    response = guest.client.get(path + ("&" if "?" in path else "?") + f"s={guest.token}")
    assert response.status_code == 403


@pytest.mark.parametrize("module_id", ["no-such-module", "Palaute", "..%2Fsecret", "palaute.md"])
def test_unknown_modules_are_404(app, platform, module_id):
    viewer = launch(app, platform)
    assert viewer.get(f"/material/modules/{module_id}").status_code == 404


def test_home_links_to_the_material(app, platform):
    viewer = launch(app, platform)
    home = viewer.page("/home")
    assert f'href="/material/?s={viewer.token}"' in home
    guest = launch(app, platform, (MENTOR_OBSERVER,), sub="99")
    assert "/material/" not in guest.page("/home")


# -- question bank filters ---------------------------------------------------------------------


def test_question_bank_filters_by_phase_and_theme(app, platform):
    from app.content import get_library

    with app.app_context():
        bank = get_library(app).question_bank()
    viewer = launch(app, platform, locale="en")
    for phase in bank.phases:
        page = viewer.page("/material/questions", phase=phase)
        shown = re.findall(r'<li id="q-([^"]+)">', page)
        assert shown == [q.id for q in bank.filter(phase=phase)]
        assert f'<option value="{phase}" selected>' in page
    for theme in bank.themes:
        shown = re.findall(r'<li id="q-([^"]+)">', viewer.page("/material/questions", theme=theme))
        expected = [q.id for p in bank.phases for q in bank.filter(phase=p, theme=theme)]
        assert shown == expected
    both = re.findall(r'<li id="q-([^"]+)">', viewer.page("/material/questions", phase="closing", theme="career"))
    assert both == [q.id for q in bank.filter("closing", "career")]
    # Unknown values are ignored: everything is shown.
    page = viewer.page("/material/questions", phase="<script>", theme="nope")
    assert len(re.findall(r'<li id="q-', page)) == len(bank.questions)
    assert "<script>" not in page
    # The filter form keeps the session when the browser drops the action's query string.
    form = re.search(r'<form class="filter-form".*?</form>', page, flags=re.S).group(0)
    assert f'<input type="hidden" name="s" value="{viewer.token}">' in form


# -- escaping ----------------------------------------------------------------------------------


def test_search_query_is_escaped(app, platform):
    viewer = launch(app, platform)
    page = viewer.page("/material/search", q='<script>alert("x")</script> palaute')
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page


def test_search_snippets_are_escaped(app, platform, content_root, write_module):
    body = 'Turvallisuusohje: <script>alert("x")</script> ja <img src=x onerror=alert(1)> ovat tekstiä.\n'
    for lang in ("fi", "sv", "en"):
        write_module(content_root / lang / "testi.md", body, id="testi", title="Testi <b>otsikko</b>")
    viewer = launch(app, platform)
    page = viewer.page("/material/search", q="turvallisuusohje")
    results = re.search(r'<ol class="search-results".*?</ol>', page, flags=re.S).group(0)
    assert "<script" not in results and "<img" not in results and "<b>" not in results
    assert "&lt;script&gt;alert(" in results
    assert "Testi &lt;b&gt;otsikko&lt;/b&gt;" in results
    assert re.search(r"<mark>Turvallisuusohje</mark>", results)
    module = viewer.page("/material/modules/testi")
    assert "<script>alert" not in module and "<img" not in module
