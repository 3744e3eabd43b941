"""Reflow (WCAG 1.4.10): launched through the development platform as a participant, a facilitator
and an administrator, no page reachable from their navigation is wider than a 320 CSS px viewport;
at 1280 px staff tables use the full content width; axe-core finds nothing on any of those pages
in Finnish, Swedish or English. Every table is the one macro that labels its cells for the stacked
rows (app/templates/_tables.html, app/core/tables.py)."""

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.core.tables import column_labels, label_cells
from tests.conftest import live_pair
from tests.support.browser import chromium, describe, launch_in_iframe, tool_frame
from tests.support.crawl import walk
from tests.support.web import Viewer

APP = Path(__file__).resolve().parents[2] / "app"

# Whom the development platform launches as (demo people): the ready pair's aktori has a group,
# meetings, an agreement and a journal to show.
VIEWERS = {
    "participant": ("Kaisa Järvinen", "Tervetuloa, Kaisa"),
    "facilitator": ("Helena Saarinen", "Tervetuloa, Helena"),
    "administrator": ("Tuomas Salminen", "Tervetuloa, Tuomas"),
}
STAFF = ("facilitator", "administrator")

# GET endpoints of the tool that are not pages, or that no one reaches from these three viewers'
# navigation in the demo: each is covered elsewhere or is not a page a person reads.
NOT_WALKED = {
    # Files, feeds, machine endpoints and the launch itself.
    "static",
    "healthz",
    "readyz",
    "admin.report_export",
    "agency.export",
    "evaluation.export",
    "evaluation.agency_export",
    "calendar.feed",
    "privacy.my_data_json",
    "lti.config",
    "lti.jwks",
    "lti.login",
    "lti.handoff",
    "lti_advantage.deep_linking",
    "lti_advantage.dynamic_registration",
    # Reached by a form, a mail or another person, not by a link these viewers see in the demo.
    "admin.person",  # the people search's results
    "content.search",  # the material search's results
    "agency.mine",  # an agency's contact person
    "agency.organisation",
    "evaluation.agency_results",
    "evaluation.answer",  # a survey that is open
    "calendar.feed_forms",  # the answer to the feed's POST forms
    "events.attendance_preview",  # the answer to an attendance import
    "lti_advantage.roster",
    "notifications.remind_registration",
    "notifications.unsubscribe_page",
    "matching.swap",  # a draft group's swap form
    "matching.withdraw",  # the demo's published pairs have met, so withdrawing answers 409
    "matching.confirm_publish_all",  # the answer to "publish all"
    "mentoring.agreement_version",  # an agreement with an earlier version
    "mentoring.journal_edit",  # the person's own journal entries
    "programme.register",  # a participant who has not registered
    "tips.give_tip",
    "sparring.edit_post",  # the person's own messages
}

# Each element wider than the viewport whose children are not (the innermost culprits), and each
# element whose content spills out of it; with the document's width.
OVERFLOW = """() => {
  const w = document.documentElement.clientWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const culprits = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    const wide = r.width > 0 && r.right > w + 0.5
      && ![...el.children].some(c => c.getBoundingClientRect().right > w + 0.5);
    const spills = el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 0.5
      && getComputedStyle(el).overflowX === 'visible';
    if (wide || spills) {
      culprits.push(`${name(el)} (right edge ${Math.round(r.right)} px` +
        (spills ? `, content ${el.scrollWidth} px in ${el.clientWidth} px` : '') +
        `): ${(el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50)}`);
    }
  }
  return {width: document.documentElement.scrollWidth, culprits: culprits.slice(0, 6)};
}"""

# Each macro table's width against the width its container offers, and main's against the viewport.
TABLE_WIDTHS = """() => {
  const main = document.querySelector('main');
  const inner = el => { const s = getComputedStyle(el);
    return el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); };
  return {
    main: main.getBoundingClientRect().width, viewport: document.documentElement.clientWidth,
    tables: [...document.querySelectorAll('.table-stack > table')].map(t => ({
      table: t.getBoundingClientRect().width, room: inner(t.parentElement.parentElement),
      caption: (t.caption ? t.caption.textContent : t.getAttribute('aria-labelledby') || '').trim().slice(0, 40)}))
  };
}"""


# Rules whose outcome a page's language can change: its lang, and names, labels and headings
# that a translation could leave empty.
TEXT_RULES = [
    "html-has-lang",
    "html-lang-valid",
    "valid-lang",
    "document-title",
    "label",
    "link-name",
    "button-name",
    "select-name",
    "input-button-name",
    "aria-input-field-name",
    "aria-command-name",
    "empty-heading",
    "empty-table-header",
    "frame-title",
    "image-alt",
    "svg-img-alt",
]
# Rules whose outcome the layout can change.
# Rules whose outcome the layout can change (colours do not change with the width).
LAYOUT_RULES = ["scrollable-region-focusable", "target-size", "region", "landmark-one-main"]


def page_url(tool_url: str, key: str, token: str, lang: str | None = None) -> str:
    return f"{tool_url}{key}{'&' if '?' in key else '?'}s={token}" + (f"&lang={lang}" if lang else "")


@pytest.fixture(scope="module")
def world(_migrated, database_url, instance_dir, tmp_path_factory):
    """The demo, a browser, and for each viewer a session launched through the development platform
    (its launch page checked at 320 px on the way) and every page their navigation reaches."""
    with (
        live_pair(database_url, instance_dir, tmp_path_factory.mktemp("live")) as live,
        chromium(tmp_path_factory.mktemp("profile")) as context,
    ):
        tool = live["tool"]
        adapter = tool.url_map.bind("localhost")
        viewers = {}
        for role, (person, welcome) in VIEWERS.items():
            page, _ = launch_in_iframe(context, live["platform_url"], person, welcome)
            token = urlsplit(tool_frame(page, live["tool_url"]).url).query.split("s=")[1].split("&")[0]
            page.close()
            pages = walk(Viewer(tool.test_client(), token))
            endpoints = {key: adapter.match(urlsplit(key).path)[0] for key in pages}
            viewers[role] = (token, endpoints)
        yield {**live, "context": context, "viewers": viewers}


def axe_violations(page, rules: list[str] | None) -> list[dict]:
    """axe-core's violations on the page (axe added by ``page.add_init_script``): every rule, or
    only ``rules``."""
    options: dict = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    return page.evaluate("options => axe.run(options).then(results => results.violations)", options)


def overflow(page) -> dict:
    return page.evaluate(OVERFLOW)


@pytest.mark.browser
def test_the_development_platforms_launch_page_and_its_iframe_fit_320_px(world):
    page = world["context"].new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(world["platform_url"] + "/")
    wide = {"/": overflow(page)}
    page.get_by_role("button", name="Käynnistä käyttäjänä Kaisa Järvinen").click()
    page.frame_locator("iframe.tool-frame").get_by_role("heading", name="Tervetuloa, Kaisa").wait_for()
    wide["/course (the tool in its iframe)"] = overflow(page)
    inner = tool_frame(page, world["tool_url"])
    wide["the tool inside the iframe"] = inner.evaluate(OVERFLOW)
    page.close()
    assert {where: o for where, o in wide.items() if o["width"] > 320} == {}


@pytest.mark.browser
@pytest.mark.parametrize("role", VIEWERS)
def test_no_page_is_wider_than_320_px_and_staff_tables_fill_1280_px(world, role):
    token, endpoints = world["viewers"][role]
    page = world["context"].new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    too_wide = {}
    for key in endpoints:
        response = page.goto(page_url(world["tool_url"], key, token))
        assert response.status == 200, key
        found = overflow(page)
        if found["width"] > 320:
            too_wide[key] = found
    assert too_wide == {}, "pages wider than 320 px:\n" + "\n".join(
        f"{key} ({found['width']} px): " + "; ".join(found["culprits"]) for key, found in too_wide.items()
    )
    if role not in STAFF:
        page.close()
        return
    # Wide screens: one page of each kind, every table as wide as its container, main as the viewport.
    page.set_viewport_size({"width": 1280, "height": 800})
    narrow, checked = {}, 0
    for key in {endpoint: key for key, endpoint in reversed(endpoints.items())}.values():
        page.goto(page_url(world["tool_url"], key, token))
        widths = page.evaluate(TABLE_WIDTHS)
        if not widths["tables"]:
            continue
        checked += len(widths["tables"])
        if widths["main"] < widths["viewport"] - 1:
            narrow[key] = f"main is {widths['main']} px of {widths['viewport']} px"
        short = [t for t in widths["tables"] if t["table"] < t["room"] - 1]
        if short:
            narrow[key] = short
    page.close()
    assert checked >= 10, "the walk reached the staff tables"
    assert narrow == {}, narrow


@pytest.mark.browser
def test_axe_finds_nothing_on_any_page_in_three_languages(world):
    """Each kind of page each viewer reaches: every axe-core rule in Finnish at 320 px; in Swedish
    and English the rules a translation can break; at 1280 px the rules the layout can break.
    (Every rule in three languages at both widths took over seven minutes on a shared two-core
    machine; this takes about two.)"""
    walked = {endpoint for _, endpoints in world["viewers"].values() for endpoint in endpoints.values()}
    # Every GET page of the tool is walked or named as reached otherwise.
    rules = {r.endpoint for r in world["tool"].url_map.iter_rules() if "GET" in (r.methods or ())}
    assert rules - NOT_WALKED - walked == set(), "pages no viewer's navigation reaches"
    assert NOT_WALKED & walked == set(), "now walked: remove from NOT_WALKED"

    started = time.monotonic()
    from axe_playwright_python.sync_playwright import Axe

    page = world["context"].new_page()
    page.add_init_script(Axe().axe_script)  # sent once, not with every run
    found, runs = {}, 0
    for width, lang, only in (
        (320, "fi", None),
        (320, "sv", TEXT_RULES),
        (320, "en", TEXT_RULES),
        (1280, "fi", LAYOUT_RULES),
    ):
        page.set_viewport_size({"width": width, "height": 800})
        for role, (token, endpoints) in world["viewers"].items():
            # The administrator's pages include the facilitator's: those are checked once, as theirs.
            shared = set(world["viewers"]["administrator"][1].values()) if role == "facilitator" else set()
            for key in {e: k for k, e in reversed(endpoints.items()) if e not in shared}.values():
                page.goto(page_url(world["tool_url"], key, token, lang))
                assert page.locator("html").get_attribute("lang") == lang, key
                violations = axe_violations(page, only)
                runs += 1
                if violations:
                    found[f"{width} px, {lang}, {role}: {key}"] = describe(violations)
    page.close()
    print(f"axe-core: {runs} runs in {time.monotonic() - started:.0f} s")
    assert runs >= 150
    assert found == {}, "\n".join(f"{where}\n{text}" for where, text in found.items())


def test_every_table_in_the_tool_is_the_macro():
    offenders = []
    for template in APP.rglob("*.html"):
        if "devplatform" in template.parts or template.name == "_tables.html":  # a separate app; the macro
            continue
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"(.{0,30})<table\b", text):
            if not match.group(1).endswith("{% call stacked_table() %}"):
                offenders.append(f"{template.relative_to(APP)}: {match.group(0)}")
        if text.count("<table") != text.count("</table>{% endcall %}"):
            offenders.append(f"{template.relative_to(APP)}: a table not closed inside the macro call")
    assert offenders == [], "write tables inside {% call stacked_table() %} from _tables.html"


def test_body_cells_are_labelled_by_their_column_headers():
    table = (
        '<table><caption>Teemat</caption><thead><tr><td></td><th scope="colgroup" colspan="2">2026 &amp; 2027</th>'
        '</tr><tr><th scope="col">Teema</th><th>Toivottu</th><th>Tarjottu <span class="visually-hidden">(kpl)</span>'
        '</th></tr></thead><tbody><tr><th scope="row">Johtaminen</th><td>3</td><td class="n">1</td></tr>'
        '<tr><td colspan="3">Ei rivejä</td></tr><tr><td>x</td><td data-label="oma">y</td><td>z</td></tr>'
        "</tbody></table>"
    )
    out = str(label_cells(table))
    assert '<th scope="row">Johtaminen</th>' in out  # a row header is the stacked row's heading
    assert '<td data-label="2026 &amp; 2027 – Toivottu">3</td>' in out
    assert '<td class="n" data-label="2026 &amp; 2027 – Tarjottu (kpl)">1</td>' in out
    assert '<td colspan="3">Ei rivejä</td>' in out  # spans columns: no one header
    assert '<td data-label="Teema">x</td><td data-label="oma">y</td>' in out


def test_a_table_without_thead_takes_its_leading_header_row():
    out = str(
        label_cells('<table><tr><th>Nimi</th><th>"Rooli"</th></tr><tr><td>Aino</td><td>mentori</td></tr></table>')
    )
    assert out == (
        '<table><tr><th>Nimi</th><th>"Rooli"</th></tr>'
        '<tr><td data-label="Nimi">Aino</td><td data-label="&#34;Rooli&#34;">mentori</td></tr></table>'
    )


def test_column_labels_join_group_and_column_headers_once():
    assert column_labels([[("", 1), ("A", 2)], [("x", 1), ("A", 1), ("b", 1)]]) == ["x", "A", "A – b"]
    assert column_labels([]) == []
