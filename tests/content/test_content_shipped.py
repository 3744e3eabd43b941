"""The shipped material: complete in fi, sv and en, nothing empty, every link resolves, and the
question bank and checklists load with unique ids in all three languages."""

import pytest

from app.content.library import Library
from app.content.library.modules import AUDIENCES, LANGUAGES, SECTIONS
from app.content.library.rendering import render
from app.content.library.tools import QUESTION_PHASES


@pytest.fixture(scope="module")
def library(shipped_root):
    return Library(shipped_root)


def test_at_least_twelve_modules_in_every_section(library):
    ids = library.module_ids()
    assert len(ids) >= 12
    sections = {m.section for m in library.modules("fi")}
    assert sections == set(SECTIONS)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_module_exists_in_every_language(library, shipped_root, lang):
    fi_ids = sorted(p.stem for p in (shipped_root / "fi").glob("*.md"))
    ids = sorted(p.stem for p in (shipped_root / lang).glob("*.md"))
    assert ids == fi_ids
    for module in library.modules(lang):
        assert module.lang == lang and not module.fallback, module.id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_module_is_empty(library, lang):
    for module in library.modules(lang):
        text = render(module).text
        assert len(text.split()) >= 200, (lang, module.id, len(text.split()))
        assert module.title and module.summary and module.reading_minutes >= 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_internal_link_resolves(library, lang):
    checked = 0
    for module in library.modules(lang):
        for link in render(module).links:
            assert link.kind in {"module", "external", "anchor"}, (module.id, link)
            if link.kind == "module":
                target = library.get(link.module_id, lang)
                assert target is not None and not target.fallback, (module.id, link)
                if link.anchor:
                    assert link.anchor in render(target).anchors, (module.id, link)
                checked += 1
    assert checked >= 40


def test_finnish_modules_are_substantial(library):
    """Roughly 300–700 words each in Finnish."""
    for module in library.modules("fi"):
        words = len(module.body.split())
        assert 280 <= words <= 750, (module.id, words)


def test_translations_keep_the_finnish_placement(library):
    for fi in library.modules("fi"):
        for lang in ("sv", "en"):
            other = library.get(fi.id, lang)
            assert (other.section, other.order, other.audience) == (fi.section, fi.order, fi.audience)


def test_audience_filter_puts_own_material_first(library):
    for audience in ("mentors", "aktoris", "peers"):
        onboarding = library.modules("fi", section="onboarding", audience=audience)
        assert audience in onboarding[0].audience
        assert all(m.is_for(audience) for m in onboarding)
    facilitator_ids = [m.id for m in library.modules("fi", section="facilitators")]
    assert facilitator_ids and all(library.get(i).audience == ("facilitators",) for i in facilitator_ids)
    assert not library.modules("fi", section="facilitators", audience="mentors")
    assert set(a for m in library.modules("fi") for a in m.audience) <= set(AUDIENCES)


def test_sections_for_an_index(library):
    sections = library.sections("sv")
    assert [s[0] for s in sections] == list(SECTIONS)
    assert sections[1][1] == SECTIONS["tips"]["sv"]
    assert all(m.lang == "sv" for _, _, modules in sections for m in modules)


def test_missing_translation_falls_back_to_finnish_with_a_flag(content_copy):
    (content_copy / "sv" / "roolit.md").unlink()
    library = Library(content_copy)
    module = library.get("roolit", "sv")
    assert module.lang == "fi" and module.requested_lang == "sv" and module.fallback
    assert module.title == "Mentori, aktori ja vertainen"
    listed = {m.id: m for m in library.modules("sv")}
    assert listed["roolit"].fallback and not listed["palaute"].fallback
    assert library.get("ei-ole", "sv") is None
    assert library.get("../fi/roolit", "sv") is None


# -- question bank ---------------------------------------------------------------------------


def test_question_bank(library):
    bank = library.question_bank()
    assert len(bank.questions) >= 40
    ids = [q.id for q in bank.questions]
    assert len(ids) == len(set(ids))
    assert list(bank.phases) == list(QUESTION_PHASES)
    for phase in QUESTION_PHASES:
        assert len(bank.filter(phase=phase)) >= 10, phase
    for theme in ("goals", "career", "leadership", "communication", "wellbeing", "expertise", "reflection"):
        assert bank.filter(theme=theme), theme
    used = {t for q in bank.questions for t in q.themes}
    assert used == set(bank.themes)
    for q in bank.questions:
        for lang in LANGUAGES:
            assert q.text.get(lang).strip().endswith("?"), (q.id, lang)
    for labels in list(bank.phases.values()) + list(bank.themes.values()):
        assert all(labels.get(lang) for lang in LANGUAGES)
    assert bank.filter(phase="closing", theme="reflection")
    assert bank.get("start-hopes").text.get("en").startswith("What do you hope")


# -- checklists ------------------------------------------------------------------------------


def test_checklists(library):
    checklists = library.checklists()
    assert {"first-meeting", "closing-meeting"} <= set(checklists)
    all_ids = [item.id for c in checklists.values() for item in c.items]
    assert len(all_ids) == len(set(all_ids))
    for checklist in checklists.values():
        assert len(checklist.items) >= 5
        assert library.get(checklist.module) is not None
        for item in checklist.items:
            assert item.id.startswith(checklist.id + ".")
            assert all(item.text.get(lang) for lang in LANGUAGES)
        assert all(checklist.title.get(lang) and checklist.intro.get(lang) for lang in LANGUAGES)
    agenda = checklists["first-meeting"]
    assert agenda.kind == "agenda"
    assert 45 <= sum(item.minutes for item in agenda.items) <= 75
    assert checklists["closing-meeting"].kind == "checklist"
