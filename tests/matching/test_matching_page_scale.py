"""The matching page at scale (issue 19): a view runs the matcher only when something its reasons
depend on changed (the snapshot), and the unmatched are paged and searchable by name."""

import pytest

from app.core.db import db
from app.matching import page as matching_page
from app.matching import services
from app.matching.models import MatchingSnapshot
from app.programme.models import Registration
from tests.matching.test_matching_web import compute
from tests.support.programme_web import post, text


@pytest.fixture
def runs(monkeypatch):
    """How many times the matcher ran."""
    calls = []
    real = services.match

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "match", counted)
    return calls


def test_views_reuse_the_reasons_until_something_changes(app, cohort, runs):
    pid, staff = cohort["pid"], cohort["staff"]
    path = f"/matching/programmes/{pid}"
    first = staff.page(path)
    assert len(runs) == 1 and "Aino Virtanen" in first.split('id="unmatched"')[1]
    again = staff.page(path)
    assert len(runs) == 1  # nothing changed: the stored reasons
    assert text(again.split('id="unmatched"')[1].split('id="sounding"')[0]) == text(
        first.split('id="unmatched"')[1].split('id="sounding"')[0]
    )
    # A participant edits her registration: the next view computes afresh, once.
    with app.app_context():
        row = db.session.scalar(db.select(Registration).filter_by(programme_id=pid, user_id=cohort["users"]["5"]))
        row.goals = "Uudet tavoitteet"
        db.session.commit()
    staff.page(path)
    staff.page(path)
    assert len(runs) == 2
    # Computing suggestions stores the reasons it found: the view after it runs no matcher.
    compute(cohort)
    assert len(runs) == 3
    staff.page(path)
    assert len(runs) == 3
    # A hand edit changes the groups, so the reasons are renewed.
    with app.app_context():
        assert db.session.get(MatchingSnapshot, pid) is not None
        group_id = services.groups(db.session.get(services.Programme, pid), "draft")[0].id
    assert post(staff, f"{path}/groups/{group_id}/delete", token_from=path).status_code == 303
    staff.page(path)
    assert len(runs) == 4


def test_the_unmatched_are_paged_and_searchable(app, cohort, monkeypatch):
    monkeypatch.setattr(matching_page, "UNMATCHED_PAGE_SIZE", 3)
    pid, staff = cohort["pid"], cohort["staff"]
    path = f"/matching/programmes/{pid}"

    def listed(page):
        section = page.split('id="unmatched"')[1].split('id="sounding"')[0]
        return [name for name in NAMES if name in section]

    first = staff.page(path)
    assert len(listed(first)) == 3 and "upage=2" in first
    second = staff.page(path, upage="2")
    third = staff.page(path, upage="3")
    assert sorted(listed(first) + listed(second) + listed(third)) == sorted(NAMES)
    assert not set(listed(first)) & set(listed(second))
    # The search form keeps the session (a GET form) and filters by a part of the name.
    assert 'name="q"' in first and 'name="s"' in first.split('name="q"')[0].rsplit("<form", 1)[1]
    found = staff.page(path, q="nieMINEN")
    assert listed(found) == ["Elina Nieminen"]
    assert "Kenenkään" in text(staff.page(path, q="zzz"))
    staff.page(path, upage=str(10**23))  # out of range: an empty page, not a 500


NAMES = [
    "Aino Virtanen",
    "Mikko Korhonen",
    "Elina Nieminen",
    "Johan Lindqvist",
    "Sanna Mäkinen",
    "Pekka Hämäläinen",
    "Maria Sjöberg",
]
