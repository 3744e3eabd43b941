"""After a refused submit every form shows one error summary (the macro in app/templates/_forms.html):
focused on load, each message a link to its field, and cross-field checks listed in the same round
as field errors."""

import re
from pathlib import Path

from tests.programme.test_programme_setup import VALID
from tests.support.programme_web import facilitator, post

APP = Path(__file__).resolve().parents[2] / "app"


def test_no_template_draws_an_error_summary_of_its_own():
    offenders = [
        str(t.relative_to(APP))
        for t in APP.rglob("*.html")
        if "devplatform" not in t.parts and t != APP / "templates" / "_forms.html" and "error-summary" in t.read_text()
    ]
    assert offenders == [], "use error_summary from app/templates/_forms.html"


def summary(page: str) -> list[tuple[str, str]]:
    box = re.search(r'<div class="error-summary"[^>]*autofocus[^>]*>(.*?)</div>', page, flags=re.S)
    assert box, "no focused error summary"
    return re.findall(r'<a href="#([\w-]+)">([^<]*)</a>', box.group(1))


def test_field_and_cross_field_errors_come_in_one_round(app, platform):
    staff = facilitator(app, platform)
    # A missing name (a field check) and a closing before the kickoff plus a longest meeting
    # shorter than the shortest (cross-field checks), all in one submit.
    data = {**VALID, "name": "", "closing": "2025-01-01", "min_meeting_minutes": "90"}
    response = post(staff, "/programmes/new", data)
    assert response.status_code == 422
    links = dict(summary(response.get_data(as_text=True)))
    assert set(links) == {"name", "closing", "max_meeting_minutes"}, links
    assert "Päätöstilaisuuden on oltava aloitustilaisuuden jälkeen." in links["closing"]
