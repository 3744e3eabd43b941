"""``check_content``: passes on the shipped content, and names each kind of breakage precisely."""

from app.content.library.check import check_content
from app.content.library.modules import Problem


def messages(root):
    return [(p.file, p.line, p.message) for p in check_content(root)]


def test_shipped_content_passes(shipped_problems):
    assert shipped_problems == [], "\n".join(str(p) for p in shipped_problems)


def test_the_copy_passes_before_it_is_broken(content_copy):
    assert check_content(content_copy) == []


# -- front matter ----------------------------------------------------------------------------


def test_missing_front_matter(content_copy):
    path = content_copy / "fi" / "roolit.md"
    path.write_text("# Roolit\n\nTeksti.\n", encoding="utf-8")
    assert messages(content_copy) == [
        ("fi/roolit.md", 1, "the file must start with a front matter block: '---' on the first line"),
    ]


def test_unclosed_front_matter(content_copy):
    path = content_copy / "fi" / "roolit.md"
    path.write_text("---\nid: roolit\ntitle: Roolit\n\nTeksti.\n", encoding="utf-8")
    assert messages(content_copy) == [
        ("fi/roolit.md", 1, "the front matter block is not closed: no '---' line after line 1"),
    ]


def test_line_that_is_not_key_value(content_copy):
    path = content_copy / "fi" / "roolit.md"
    text = path.read_text(encoding="utf-8").replace("section: onboarding\n", "section onboarding\n", 1)
    path.write_text(text, encoding="utf-8")
    assert messages(content_copy) == [
        ("fi/roolit.md", 4, "expected 'key: value' in the front matter, got 'section onboarding'"),
    ]


def test_non_integer_order_and_reading_time(content_copy):
    path = content_copy / "fi" / "roolit.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("order: 20\n", "order: kaksikymmentä\n").replace("reading_minutes: 5\n", "reading_minutes: 0\n")
    path.write_text(text, encoding="utf-8")
    assert messages(content_copy) == [
        ("fi/roolit.md", 5, "'order' must be a whole number, got 'kaksikymmentä'"),
        ("fi/roolit.md", 7, "'reading_minutes' must be at least 1, got 0"),
    ]


def test_unknown_section_and_audience(content_copy):
    path = content_copy / "fi" / "roolit.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("section: onboarding\n", "section: perehdytys\n").replace(
        "audience: all\n", "audience: [mentors, esihenkilot]\n"
    )
    path.write_text(text, encoding="utf-8")
    assert messages(content_copy) == [
        ("fi/roolit.md", 4, "unknown section 'perehdytys'; expected one of: onboarding, tips, facilitators"),
        (
            "fi/roolit.md",
            6,
            "unknown audience 'esihenkilot'; expected one of: all, mentors, aktoris, peers, facilitators",
        ),
    ]


def test_all_cannot_be_combined(content_copy):
    path = content_copy / "fi" / "roolit.md"
    text = path.read_text(encoding="utf-8").replace("audience: all\n", "audience: [all, mentors]\n")
    path.write_text(text, encoding="utf-8")
    assert messages(content_copy) == [
        ("fi/roolit.md", 6, "audience 'all' cannot be combined with other audiences"),
    ]


def test_missing_key(content_copy):
    path = content_copy / "sv" / "roolit.md"
    text = path.read_text(encoding="utf-8").replace("reading_minutes: 5\n", "")
    path.write_text(text, encoding="utf-8")
    assert messages(content_copy) == [("sv/roolit.md", 1, "missing front matter key 'reading_minutes'")]


def test_unknown_key(content_copy):
    path = content_copy / "en" / "roolit.md"
    text = path.read_text(encoding="utf-8").replace("order: 20\n", "order: 20\nauthor: someone\n")
    path.write_text(text, encoding="utf-8")
    assert messages(content_copy) == [
        (
            "en/roolit.md",
            6,
            "unknown front matter key 'author'; allowed keys: id, title, section, order, "
            "audience, reading_minutes, summary",
        ),
    ]


def test_duplicate_key(content_copy):
    path = content_copy / "fi" / "roolit.md"
    text = path.read_text(encoding="utf-8").replace("order: 20\n", "order: 20\norder: 30\n")
    path.write_text(text, encoding="utf-8")
    assert messages(content_copy) == [("fi/roolit.md", 6, "duplicate front matter key 'order' (first on line 5)")]


# -- ids, bodies, links ----------------------------------------------------------------------


def test_id_does_not_match_file_name(content_copy):
    path = content_copy / "en" / "palaute.md"
    text = path.read_text(encoding="utf-8").replace("id: palaute\n", "id: feedback\n")
    path.write_text(text, encoding="utf-8")
    assert messages(content_copy) == [
        ("en/palaute.md", 2, "id 'feedback' does not match the file name 'palaute.md' (expected id 'palaute')"),
    ]


def test_duplicate_id(content_copy, write_module):
    write_module(content_copy / "fi" / "roolit-kopio.md", id="roolit", section="onboarding", order="20")
    problems = messages(content_copy)
    assert ("fi/roolit.md", 2, "duplicate id 'roolit': also used by fi/roolit-kopio.md") in problems
    assert (
        "fi/roolit-kopio.md",
        2,
        "id 'roolit' does not match the file name 'roolit-kopio.md' (expected id 'roolit-kopio')",
    ) in problems


def test_empty_body(content_copy):
    path = content_copy / "sv" / "reflektointi.md"
    text = path.read_text(encoding="utf-8")
    front = text[: text.index("---", 3) + 4]
    path.write_text(front + "\n   \n", encoding="utf-8")
    assert messages(content_copy) == [("sv/reflektointi.md", 10, "the body is empty")]


def test_broken_internal_link(content_copy):
    path = content_copy / "fi" / "palaute.md"
    text = path.read_text(encoding="utf-8").replace("(luottamuksellisuus)", "(luottamus)")
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "](luottamus)" in row)
    assert messages(content_copy) == [("fi/palaute.md", line, "link to unknown module 'luottamus'")]


def test_broken_anchor(content_copy):
    path = content_copy / "fi" / "reflektointi.md"
    text = path.read_text(encoding="utf-8").replace("palaute#palaute-mentoroinnista-itsestaan", "palaute#ei-ole")
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "palaute#ei-ole" in row)
    [problem] = check_content(content_copy)
    assert (problem.file, problem.line) == ("fi/reflektointi.md", line)
    assert problem.message.startswith("anchor '#ei-ole' not found in fi/palaute.md; headings there: ")
    assert "palaute-mentoroinnista-itsestaan" in problem.message


def test_anchor_is_checked_against_the_same_language(content_copy):
    """Headings are translated, so an sv page must use the sv anchor."""
    path = content_copy / "sv" / "reflektointi.md"
    text = path.read_text(encoding="utf-8").replace(
        "palaute#respons-pa-sjalva-mentorskapet", "palaute#palaute-mentoroinnista-itsestaan"
    )
    path.write_text(text, encoding="utf-8")
    [problem] = check_content(content_copy)
    assert problem.file == "sv/reflektointi.md"
    assert problem.message.startswith("anchor '#palaute-mentoroinnista-itsestaan' not found in sv/palaute.md")


def test_same_page_anchor(content_copy, write_module):
    for lang in ("fi", "sv", "en"):
        write_module(content_copy / lang / "testi.md", "## Otsikko\n\n[ylös](#otsikko) [alas](#puuttuu)\n")
    problems = messages(content_copy)
    assert [p for p in problems if p[0] == "fi/testi.md"] == [
        ("fi/testi.md", 11, "anchor '#puuttuu' is not a heading on this page; headings here: otsikko"),
    ]


def test_disallowed_and_relative_links(content_copy, write_module):
    for lang in ("fi", "sv", "en"):
        write_module(
            content_copy / lang / "testi.md",
            "[a](javascript:alert(1))\n\n[b](../fi/roolit.md)\n\n[c](https://example.org/x)\n",
        )
    problems = [p for p in messages(content_copy) if p[0] == "en/testi.md"]
    assert problems == [
        (
            "en/testi.md",
            9,
            "link 'javascript:alert(1)' is not allowed: only http, https and internal links "
            "(module-id or module-id#anchor)",
        ),
        (
            "en/testi.md",
            11,
            "link '../fi/roolit.md' is not a module id; write internal links as module-id or module-id#anchor",
        ),
    ]


def test_raw_html_untitled_admonition_and_heading_levels(content_copy, write_module):
    body = """\
    # Iso otsikko

    Teksti <b>lihava</b> ja `<koodi>` on sallittu.

    !!! note
        Huomautus.

    ## Kakkonen

    #### Nelonen
    """
    for lang in ("fi", "sv", "en"):
        write_module(content_copy / lang / "testi.md", body)
    problems = [p for p in messages(content_copy) if p[0] == "fi/testi.md"]
    assert problems == [
        ("fi/testi.md", 9, "level-1 heading in the body: the title comes from the front matter, start at ##"),
        ("fi/testi.md", 11, "raw HTML is not allowed and is shown as text: '<b>'"),
        ("fi/testi.md", 13, 'admonition without a title shows the English word "Note"; write e.g. !!! note "Muista"'),
        ("fi/testi.md", 18, "heading level jumps from h2 to h4"),
    ]


# -- translations ----------------------------------------------------------------------------


def test_missing_translation(content_copy):
    (content_copy / "sv" / "roolit.md").unlink()
    assert messages(content_copy) == [("sv/roolit.md", None, "missing translation of fi/roolit.md")]


def test_translation_without_finnish_original(content_copy, write_module):
    write_module(content_copy / "en" / "extra.md", id="extra")
    assert messages(content_copy) == [("en/extra.md", None, "no Finnish original fi/extra.md for this translation")]


def test_translation_placed_differently(content_copy):
    path = content_copy / "sv" / "roolit.md"
    text = path.read_text(encoding="utf-8")
    text = (
        text.replace("section: onboarding\n", "section: tips\n")
        .replace("order: 20\n", "order: 25\n")
        .replace("audience: all\n", "audience: [mentors, aktoris]\n")
    )
    path.write_text(text, encoding="utf-8")
    assert messages(content_copy) == [
        ("sv/roolit.md", 4, "section tips differs from fi/roolit.md (onboarding)"),
        ("sv/roolit.md", 5, "order 25 differs from fi/roolit.md (20)"),
        ("sv/roolit.md", 6, "audience [mentors, aktoris] differs from fi/roolit.md ([all])"),
    ]


def test_unexpected_files_and_folders(content_copy):
    (content_copy / "fi" / "muistiinpanot.txt").write_text("x", encoding="utf-8")
    (content_copy / "de").mkdir()
    assert messages(content_copy) == [
        ("de", None, "unknown language folder; expected one of: fi, sv, en"),
        ("fi/muistiinpanot.txt", None, "unexpected file: a language folder holds only <module-id>.md files"),
    ]


def test_problem_reads_as_file_line_message():
    assert str(Problem("fi/x.md", 3, "bad")) == "fi/x.md:3: bad"
    assert str(Problem("sv/x.md", None, "missing")) == "sv/x.md: missing"


# -- question bank and checklists ------------------------------------------------------------


def test_question_bank_problems(content_copy):
    path = content_copy / "question-bank.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('id = "start-path"', 'id = "start-hopes"', 1)
    text = text.replace('sv = "Vad hoppas du att du får ut av det här programmet?"\n', "", 1)
    text = text.replace('themes = ["career"]', 'themes = ["karriere"]', 1)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    first = lines.index('id = "start-hopes"') + 1
    problems = messages(content_copy)
    assert ("question-bank.toml", first, "question 'start-hopes': missing key 'sv'") in problems
    assert ("question-bank.toml", first, "question 'start-hopes': missing or empty sv text") in problems
    assert ("question-bank.toml", first, "duplicate question id 'start-hopes' (also question #1)") in problems
    assert (
        "question-bank.toml",
        first,
        "question 'start-hopes': unknown theme 'karriere'; expected one of: "
        "goals, career, leadership, communication, wellbeing, expertise, networks, relationship, reflection",
    ) in problems
    assert len(problems) == 4


def test_question_bank_syntax_error(content_copy):
    path = content_copy / "question-bank.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[[questions]\n", encoding="utf-8")
    [problem] = check_content(content_copy)
    assert problem.file == "question-bank.toml" and problem.message.startswith("not valid TOML: ")
    assert problem.line == len(path.read_text(encoding="utf-8").splitlines())


def test_checklist_problems(content_copy):
    path = content_copy / "checklists.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('module = "ensimmainen-tapaaminen"', 'module = "eka-tapaaminen"')
    text = text.replace('id = "closing-meeting.thanks"', 'id = "closing-meeting.feedback"')
    text = text.replace('id = "first-meeting.expectations"\nminutes = 10\n', 'id = "first-meeting.expectations"\n')
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    assert sorted(messages(content_copy)) == sorted(
        [
            (
                "checklists.toml",
                lines.index("[checklists.first-meeting]") + 1,
                "checklist 'first-meeting': module 'eka-tapaaminen' does not exist",
            ),
            (
                "checklists.toml",
                lines.index('id = "first-meeting.expectations"') + 1,
                "checklist 'first-meeting' item 'first-meeting.expectations': an agenda item needs 'minutes'",
            ),
            (
                "checklists.toml",
                lines.index('id = "closing-meeting.feedback"') + 1,
                "duplicate checklist item id 'closing-meeting.feedback' (also in checklist 'closing-meeting')",
            ),
        ]
    )


def test_checklist_item_id_must_carry_its_checklist(content_copy):
    path = content_copy / "checklists.toml"
    text = path.read_text(encoding="utf-8").replace('id = "closing-meeting.thanks"', 'id = "thanks"')
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index('id = "thanks"') + 1
    assert messages(content_copy) == [
        (
            "checklists.toml",
            line,
            "checklist 'closing-meeting' item 'thanks': id must look like 'closing-meeting.<item>' "
            "(lowercase a-z, digits, hyphens)",
        ),
    ]
