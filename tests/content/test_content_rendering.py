"""Rendering: raw HTML never becomes markup, bad links lose their href, headings get stable
anchors, internal links resolve through the web layer's ``link_for``, and the cache follows mtime."""

import os
from html.parser import HTMLParser

import pytest

from app.content.library import Library
from app.content.library.front_matter import load_module, parse_front_matter, validate_fields
from app.content.library.rendering import render, render_markdown, sanitise
from app.core.text import slugify


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def tags(fragment: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(fragment)
    return parser.tags


def assert_inert(fragment: str) -> None:
    """No element that could run script: no script/iframe/img/etc., no on* attribute, no
    javascript: URL, no style attribute."""
    for tag, attrs in tags(fragment):
        assert tag not in {"script", "style", "iframe", "img", "svg", "object", "embed", "form", "input"}, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name != "style", tag
            assert "javascript:" not in (value or "").lower(), (tag, name, value)


HOSTILE = """\
## Otsikko

<script>alert("x")</script>

<img src="x" onerror="alert(1)">

Inline <span onmouseover="alert(2)">hover</span> and <a href="javascript:alert(3)">raw link</a>.

[markdown link](javascript:alert(4)) [data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox)

[protocol-relative](//evil.example/x)

<div style="position:fixed" onclick="alert(5)">block</div>
"""


def test_raw_html_is_escaped_not_run():
    html = render_markdown(HOSTILE).html
    assert_inert(html)
    assert "<script" not in html and "<img" not in html and "<span" not in html
    # Escaped, so the reader sees what the author wrote.
    assert "&lt;script&gt;" in html
    assert "&lt;img" in html


def test_dangerous_link_schemes_lose_their_href():
    html = render_markdown(HOSTILE).html
    hrefs = [attrs.get("href") for tag, attrs in tags(html) if tag == "a"]
    assert all(h is None for h in hrefs), hrefs
    for scheme in ("javascript:alert(4)", "data:text/html", "vbscript:", "//evil.example"):
        assert f'href="{scheme}' not in html


def test_markdown_link_with_javascript_scheme_is_gone_entirely():
    html = render_markdown("[klikkaa](javascript:alert(1))\n").html
    assert "javascript:" not in html
    assert tags(html) == [("p", {}), ("a", {"rel": "noopener noreferrer"})]


def test_sanitiser_alone_strips_markup_that_would_run():
    """Second wall: even HTML that bypassed Markdown's escaping is cleaned."""
    dirty = (
        '<p onclick="x()">a</p><script>alert(1)</script><img src=x onerror=alert(1)>'
        '<a href="javascript:alert(1)">j</a><a href="https://example.org" target="_blank">ok</a>'
        '<div class="admonition note evil"><p class="admonition-title other">T</p></div>'
        '<h2 id="keep" style="color:red">H</h2><iframe src="https://example.org"></iframe>'
    )
    clean = sanitise(dirty)
    assert "onerror" not in clean and "onclick" not in clean and "<script" not in clean
    assert "alert(1)" not in clean.replace("<p>a</p>", "")  # script content removed too
    assert "javascript:" not in clean and "<iframe" not in clean and "style=" not in clean
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in clean
    assert '<div class="admonition note"><p class="admonition-title">T</p></div>' in clean
    assert '<h2 id="keep">H</h2>' in clean


def test_headings_get_stable_anchors_with_finnish_letters():
    source = "## Äänen käyttö ja öljy\n\nx\n\n### Påsk & Ørsted: 2. osa\n\n## Äänen käyttö ja öljy\n"
    first, second = render_markdown(source), render_markdown(source)
    assert first.html == second.html
    ids = [entry.id for entry in first.toc]
    assert ids == ["aanen-kaytto-ja-oljy", "pask-orsted-2-osa", "aanen-kaytto-ja-oljy_1"]
    assert '<h2 id="aanen-kaytto-ja-oljy">Äänen käyttö ja öljy</h2>' in first.html
    assert [e.title for e in first.toc] == ["Äänen käyttö ja öljy", "Påsk & Ørsted: 2. osa", "Äänen käyttö ja öljy"]
    assert first.anchors == frozenset(ids)


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Mitä mentorointi on?", "mita-mentorointi-on"),
        ("Työkalut – ja vinkit!", "tyokalut-ja-vinkit"),
        ("  Åbo Akademi  ", "abo-akademi"),
        ("Ääkköset ÄÖÅ äöå", "aakkoset-aoa-aoa"),
        ("GROW-malli", "grow-malli"),
        ("???", "section"),
    ],
)
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_tables_admonitions_and_allowed_markup():
    source = """\
| A | B |
|---|---|
| `koodi` | **vahva** *kursiivi* |

!!! note "Muista"
    Huomio [linkki](https://example.org).

> lainaus

1. yksi
2. kaksi
"""
    html = render_markdown(source).html
    assert '<th scope="col">A</th>' in html
    assert "<td><code>koodi</code></td>" in html
    assert '<div class="admonition note">\n<p class="admonition-title">Muista</p>' in html
    assert '<a href="https://example.org" rel="noopener noreferrer">linkki</a>' in html
    assert "<blockquote>" in html and "<ol>" in html
    assert_inert(html)


def test_internal_links_resolve_through_link_for(shipped_root):
    library = Library(shipped_root)
    module = library.get("voimakkaat-kysymykset", "fi")
    calls = []

    def link_for(module_id, anchor):
        calls.append((module_id, anchor))
        return f"/content/fi/{module_id}?x=1&y=2" + (f"#{anchor}" if anchor else "")

    html = render(module, link_for).html
    assert ("aktiivinen-kuuntelu", None) in calls
    assert ("tavoitteiden-asettaminen", "kysymyksia-tavoitteen-kirkastamiseen") in calls
    # The URL is attribute-escaped.
    assert 'href="/content/fi/aktiivinen-kuuntelu?x=1&amp;y=2"' in html
    assert "__module__" not in html
    # Without link_for: a relative link to the sibling page.
    assert 'href="tavoitteiden-asettaminen#kysymyksia-tavoitteen-kirkastamiseen"' in render(module).html


def test_link_for_output_is_escaped():
    base = render_markdown("[x](roolit)\n")
    assert "__module__/roolit" in base.html
    from pathlib import Path

    from app.content.library.modules import Module

    module = Module("t", "fi", "T", "tips", 1, ("all",), 1, "", "[x](roolit)\n", Path("/nonexistent/t.md"), 1, 1)
    html = render(module, lambda mid, anchor: '"><script>alert(1)</script>').html
    assert "<script" not in html
    assert 'href="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_plain_text_for_search():
    rendered = render_markdown("## Otsikko\n\nKappale *korostus* ja `koodi`.\n\n- kohta\n")
    assert rendered.text == "Otsikko Kappale korostus ja koodi. kohta"


# -- cache -----------------------------------------------------------------------------------


def test_cache_follows_modification_time(tmp_path, write_module):
    path = write_module(tmp_path / "fi" / "testi.md", "## Ensimmäinen\n\nVanha teksti.\n")
    stat = path.stat()
    first = render(load_module(path, "fi"))
    assert "Vanha teksti." in first.html

    # Same size, same mtime: the cached rendering is used (the file is not read again).
    path.write_text(path.read_text(encoding="utf-8").replace("Vanha", "Uusi "), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert "Vanha teksti." in render(load_module(path, "fi")).html

    # A new modification time: parsed and rendered again.
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    again = render(load_module(path, "fi"))
    assert "Uusi  teksti." in again.html and "Vanha" not in again.html


def test_cached_base_is_reused(tmp_path, write_module):
    from app.content.library.rendering import _render_base

    path = write_module(tmp_path / "fi" / "testi.md", "Teksti.\n")
    module = load_module(path, "fi")
    assert _render_base(module) is _render_base(load_module(path, "fi"))


# -- front matter parser ---------------------------------------------------------------------


def test_front_matter_values_lists_quotes_and_comments():
    text = (
        '---\n# kommentti\nid: testi\ntitle: "Otsikko: kaksoispiste"\naudience: [mentors, peers]\n\n'
        "order: 5\n---\nRunko\n"
    )
    fields, body_start, problems = parse_front_matter(text, "fi/testi.md")
    assert problems == []
    assert fields["title"] == ("Otsikko: kaksoispiste", 4)
    assert fields["audience"] == (["mentors", "peers"], 5)
    assert text.splitlines()[body_start] == "Runko"
    values, problems = validate_fields(fields, "fi/testi.md")
    assert values["audience"] == ("mentors", "peers") and values["order"] == 5
    assert [p.message for p in problems] == [
        "missing front matter key 'section'",
        "missing front matter key 'reading_minutes'",
    ]


def test_load_module_raises_with_every_problem(tmp_path, write_module):
    from app.content.library.modules import ContentError

    path = write_module(tmp_path / "fi" / "testi.md", section="vinkit", order="x")
    with pytest.raises(ContentError) as caught:
        load_module(path, "fi", tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        "fi/testi.md:4: unknown section 'vinkit'; expected one of: onboarding, tips, facilitators",
        "fi/testi.md:5: 'order' must be a whole number, got 'x'",
    ]
