"""Search over titles and text, per language: case- and accent-insensitive, tolerant of Finnish
inflection, with a snippet around the match."""

import pytest

from app.content.library import Library
from app.content.library.search import normalize


@pytest.fixture(scope="module")
def library(shipped_root):
    return Library(shipped_root)


@pytest.mark.parametrize(
    "lang, query, module_id",
    [
        ("fi", "tapauskonsultaatio", "sparrausryhman-ohjaaminen"),
        ("sv", "fallkonsultation", "sparrausryhman-ohjaaminen"),
        ("en", "case consultation", "sparrausryhman-ohjaaminen"),
        ("fi", "kävelytapaaminen", "hyva-tapaaminen"),
        ("sv", "promenadmöte", "hyva-tapaaminen"),
        ("en", "walking meeting", "hyva-tapaaminen"),
        ("fi", "sudenkuoppa", "mentorina-toimiminen"),
        ("sv", "fallgrop", "mentorina-toimiminen"),
        ("en", "pitfalls", "mentorina-toimiminen"),
    ],
)
def test_finds_a_module_by_a_word_in_its_body(library, lang, query, module_id):
    hits = library.search(query, lang)
    assert hits, (lang, query)
    assert hits[0].module_id == module_id
    hit = hits[0]
    assert hit.lang == lang and not hit.fallback
    assert hit.highlight is not None
    start, end = hit.highlight
    # The highlighted word starts like the query word (an inflected form may end differently:
    # "sudenkuoppa" finds "Sudenkuopat").
    assert normalize(hit.snippet[start:end])[:5] == normalize(query.split()[0])[:5]
    assert len(hit.snippet) <= 200


def test_case_and_finnish_letters_do_not_matter(library):
    expected = library.search("kävelytapaaminen", "fi")[0].module_id
    assert library.search("KAVELYTAPAAMINEN", "fi")[0].module_id == expected
    assert library.search("Kävelytapaaminen", "fi")[0].module_id == expected


def test_inflected_finnish_words_are_found_and_titles_rank_first(library):
    # "palaute" (feedback) must also find "palautteen", "palautetta"…; the module titled with it wins.
    hits = library.search("palaute", "fi")
    assert hits[0].module_id == "palaute"
    assert len(hits) > 3
    assert library.search("kysymys", "fi")[0].module_id == "voimakkaat-kysymykset"
    assert library.search("tavoite", "fi")[0].module_id == "tavoitteiden-asettaminen"


def test_every_word_must_match(library):
    assert library.search("tapauskonsultaatio kävelytapaaminen", "fi") == []
    assert [h.module_id for h in library.search("tapauskonsultaatio pelisäännöt", "fi")] == [
        "sparrausryhman-ohjaaminen"
    ]


def test_empty_and_nonsense_queries(library):
    assert library.search("", "fi") == []
    assert library.search("  ? ", "fi") == []
    assert library.search("xyzzyqwerty", "en") == []


def test_searches_finnish_text_of_a_missing_translation(content_copy):
    (content_copy / "en" / "sparrausryhman-ohjaaminen.md").unlink()
    hits = Library(content_copy).search("tapauskonsultaatio", "en")
    assert [(h.module_id, h.lang, h.fallback) for h in hits] == [("sparrausryhman-ohjaaminen", "fi", True)]


def test_search_follows_edits(tmp_path, write_module):
    import os

    path = write_module(tmp_path / "fi" / "testi.md", "Ensin sana omena.\n")
    library = Library(tmp_path)
    assert [h.module_id for h in library.search("omena", "fi")] == ["testi"]
    path.write_text(path.read_text(encoding="utf-8").replace("omena", "päärynä"), encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert library.search("omena", "fi") == []
    assert [h.module_id for h in library.search("paaryna", "fi")] == ["testi"]


def test_normalize_keeps_length():
    for text in ("Äiti ÖLJY Åbo", "straße İstanbul", "ﬁ ligature"):
        assert len(normalize(text)) == len(text)
    assert normalize("Äiti ÖLJY Åbo") == "aiti oljy abo"
