"""No GET form forgets the session: every one is the macro in app/templates/_forms.html, and
every GET form on every page staff can reach answers without asking for a launch. The same walk
checks that no page title holds markup."""

import re
from pathlib import Path

import pytest

from tests.support.admin_seed import seed
from tests.support.admin_web import administrator, facilitator
from tests.support.crawl import walk

APP = Path(__file__).resolve().parents[2] / "app"


@pytest.fixture
def seeded(app, platform):
    with app.test_request_context("/"):
        yield seed(app, issuer=platform.issuer)


@pytest.mark.parametrize("launch", [facilitator, administrator], ids=["facilitator", "administrator"])
def test_every_get_form_of_every_page_keeps_the_session(app, platform, seeded, launch):
    viewer = launch(app, platform)
    pages = walk(viewer)
    submitted = []
    for key, page in pages.items():
        for form in page.forms:
            if form.method != "get":
                continue
            path, fields = form.submission()
            response = viewer.client.get(path, query_string=fields)
            assert response.status_code != 401, f"the GET form to {path} on {key} lost the session"
            assert response.status_code < 500, (key, path, response.status_code)
            submitted.append(path)
    # The walk reached the pages whose GET forms lost the session before.
    assert {"/admin/report", "/material/search", "/material/questions"} <= set(submitted)
    if launch is administrator:
        assert {"/admin/people", "/admin/audit"} <= set(submitted)


def test_every_get_form_in_the_tool_is_the_macro():
    # The development platform is a separate app without sessions.
    offenders = []
    for template in APP.rglob("*.html"):
        if "devplatform" in template.parts or template == APP / "templates" / "_forms.html":
            continue
        for match in re.finditer(r"<form\b[^>]*>", template.read_text(encoding="utf-8")):
            if 'method="post"' not in match.group(0).lower():
                offenders.append(f"{template.relative_to(APP)}: {match.group(0)}")
    assert offenders == [], "use get_form from _forms.html for GET forms"


@pytest.mark.parametrize("launch", [facilitator, administrator], ids=["facilitator", "administrator"])
def test_every_page_title_is_plain_text(app, platform, seeded, launch):
    # A tag pasted into a title block shows as text in the browser's tab and in screen readers.
    pages = walk(launch(app, platform))
    assert {key: page.title_tags for key, page in pages.items() if page.title_tags} == {}
    assert all(page.title.strip() for page in pages.values())
