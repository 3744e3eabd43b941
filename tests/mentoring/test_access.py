"""Who may see and change what: every route tried with another pair's ids is 404 (or 403 for a
role that never may); facilitators see meeting dates and counts but never journal text; the
journal is not in the database in clear."""

import pytest

from tests.mentoring.conftest import last_meeting_id, log, make_group

SECRET = "Salainen pohdinta: pelkään esiintymistä johtoryhmälle"


@pytest.fixture
def world(app, people, pair, other_pair, programme):
    """Our pair with a meeting, an agreement and a journal entry; another pair likewise."""
    mentor = people["mentor"]
    outsider = people["outsider"]
    assert log(mentor, pair).status_code == 303
    assert log(outsider, other_pair).status_code == 303
    for person, group in ((mentor, pair), (outsider, other_pair)):
        response = person.post(
            f"/mentoring/groups/{group}/agreement/edit",
            {"base_version": "0", "confidentiality": "Luottamus", "goals": "Tavoite"},
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
    response = outsider.post("/mentoring/journal/new", {"text": SECRET})
    assert response.status_code == 303
    from app.core.db import db
    from app.mentoring.models import JournalEntry

    with app.app_context():
        entry = db.session.scalar(db.select(JournalEntry.id).where(JournalEntry.user_id == outsider.user_id))
    return {
        "pair": pair,
        "other": other_pair,
        "other_meeting": last_meeting_id(app, other_pair),
        "my_meeting": last_meeting_id(app, pair),
        "other_entry": entry,
    }


def routes(group, meeting, entry):
    """Every mentoring route with these ids: (method, path, form data)."""
    return [
        ("GET", f"/mentoring/groups/{group}", None),
        ("POST", f"/mentoring/groups/{group}/end", {"reason": "x"}),
        ("GET", f"/mentoring/groups/{group}/meetings/new", None),
        (
            "POST",
            f"/mentoring/groups/{group}/meetings/new",
            {"date": "2022-09-01", "time": "10:00", "duration": "60", "mode": "video"},
        ),
        ("GET", f"/mentoring/groups/{group}/meetings/{meeting}/edit", None),
        (
            "POST",
            f"/mentoring/groups/{group}/meetings/{meeting}/edit",
            {"date": "2022-09-01", "time": "10:00", "duration": "60", "mode": "video"},
        ),
        ("POST", f"/mentoring/groups/{group}/meetings/{meeting}/confirm", {}),
        ("POST", f"/mentoring/groups/{group}/meetings/{meeting}/dispute", {"reason": "x"}),
        ("POST", f"/mentoring/groups/{group}/meetings/{meeting}/delete", {}),
        ("GET", f"/mentoring/groups/{group}/agreement", None),
        ("GET", f"/mentoring/groups/{group}/agreement/versions/1", None),
        ("GET", f"/mentoring/groups/{group}/agreement/edit", None),
        ("POST", f"/mentoring/groups/{group}/agreement/edit", {"base_version": "1", "goals": "x"}),
        ("POST", f"/mentoring/groups/{group}/agreement/accept", {"version": "1"}),
        (
            "POST",
            f"/mentoring/groups/{group}/checklists/first-meeting",
            {"item": "first-meeting.introductions", "ticked": "1"},
        ),
        ("GET", f"/mentoring/journal/{entry}/edit", None),
        ("POST", f"/mentoring/journal/{entry}/edit", {"text": "overwritten"}),
        ("POST", f"/mentoring/journal/{entry}/delete", {}),
    ]


def call(person, method, path, data):
    return person.get(path) if method == "GET" else person.post(path, data)


def test_another_pairs_ids_are_not_found(app, people, world):
    mentor = people["mentor"]
    for method, path, data in routes(world["other"], world["other_meeting"], world["other_entry"]):
        response = call(mentor, method, path, data)
        assert response.status_code == 404, (method, path, response.status_code)
    # A meeting id of another pair under our own group id is not found either.
    for method, path, data in routes(world["pair"], world["other_meeting"], world["other_entry"]):
        if "/meetings/" in path and "/new" not in path:
            assert call(mentor, method, path, data).status_code == 404, path


def test_nothing_of_the_other_pair_changed(app, people, world):
    from app.core.db import db
    from app.groups.models import MentoringGroup
    from app.mentoring import journal
    from app.mentoring.models import AgreementVersion, JournalEntry, Meeting

    mentor = people["mentor"]
    for method, path, data in routes(world["other"], world["other_meeting"], world["other_entry"]):
        call(mentor, method, path, data)
    with app.app_context():
        assert db.session.get(MentoringGroup, world["other"]).status == "published"
        meeting = db.session.get(Meeting, world["other_meeting"])
        assert meeting.revision == 1 and meeting.state == "pending"
        assert db.session.scalar(db.select(db.func.count(AgreementVersion.id))) == 2
        assert journal.decrypt(db.session.get(JournalEntry, world["other_entry"]).body) == SECRET


def test_unpublished_groups_are_invisible_to_their_members(app, people, programme):
    draft = make_group(app, programme, [(people["mentor"], "mentor"), (people["outsider"], "aktori")], status="draft")
    assert people["mentor"].get(f"/mentoring/groups/{draft}").status_code == 404
    assert people["mentor"].get(f"/mentoring/groups/{draft}/agreement").status_code == 404


def test_facilitators_see_dates_and_counts_never_the_journal(app, people, world):
    staff = people["staff"]
    overview = staff.page("/mentoring")
    assert "Maija Mentori" in overview and "Olli Ulkopuolinen" in overview
    detail = staff.page(f"/mentoring/groups/{world['other']}")
    assert "odottaa vahvistusta" in detail  # the meeting's state
    for page in (overview, detail):
        assert SECRET not in page
        assert "Luottamus" not in page and "Tavoite" not in page  # nor the agreement's text
    for method, path, data in routes(world["other"], world["other_meeting"], world["other_entry"]):
        if (
            path.startswith("/mentoring/journal")
            or "/agreement" in path
            or "/meetings/" in path
            or "/checklists/" in path
        ):
            assert call(staff, method, path, data).status_code in (403, 404), path
    assert staff.get("/mentoring/journal").status_code == 403


def test_staff_of_another_course_see_nothing(app, platform, people, world):
    from tests.mentoring.conftest import _launch

    foreign = _launch(app, platform, "staff", course="99")
    assert foreign.get(f"/mentoring/groups/{world['pair']}").status_code == 404
    assert foreign.post(f"/mentoring/groups/{world['pair']}/end", {"reason": "x"}).status_code == 404


def test_journal_is_encrypted_at_rest(app, world):
    from sqlalchemy import text

    from app.core.db import db

    with app.app_context():
        raw = db.session.execute(text("SELECT body FROM mentoring_journal_entry")).scalars().all()
    assert raw and all(SECRET not in body and "pelkään" not in body for body in raw)
    assert all(body.startswith("gAAAA") for body in raw)  # Fernet tokens


def test_journal_is_its_authors_alone(app, people, world):
    outsider, partner = people["outsider"], people["outsider2"]
    assert SECRET in outsider.page("/mentoring/journal")
    assert SECRET not in partner.page("/mentoring/journal")
    assert SECRET not in partner.page(f"/mentoring/groups/{world['other']}")


def test_journal_export_gives_the_author_their_entries(app, people, world):
    from app.mentoring.journal import entries_for_export

    with app.app_context():
        mine = entries_for_export(people["outsider"].user_id)
        theirs = entries_for_export(people["outsider2"].user_id)
    assert [e["text"] for e in mine] == [SECRET] and theirs == []


def test_journal_prompt_opens_a_prefilled_entry(app, people, programme):
    from app.mentoring.journal import PROMPTS

    person = people["aktori"]
    page = person.page("/mentoring/journal/new", prompt="midpoint")
    assert "Puolivälissä: miten tavoitteeni ovat liikkuneet" in page
    assert 'name="prompt" value="midpoint"' in page
    assert person.page("/mentoring/journal/new", prompt="nonsense").count("<textarea") == 1
    assert set(PROMPTS) >= {"expectations", "after-meeting", "midpoint", "closing"}
    response = person.post("/mentoring/journal/new", {"text": "", "prompt": "midpoint"})
    assert response.status_code == 422 and "Kirjoita jotakin" in response.get_data(as_text=True)


def test_production_refuses_to_start_without_a_journal_key(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.delenv("JOURNAL_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="JOURNAL_KEY must be set"):
        create_app({"APP_ENV": "production", "SECRET_KEY": "x"})
    from app.mentoring.journal import JournalKeyError

    with pytest.raises(JournalKeyError, match="Fernet"):
        create_app({"APP_ENV": "production", "SECRET_KEY": "x", "JOURNAL_KEY": "not-a-key"})


def test_development_generates_a_journal_key(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.delenv("JOURNAL_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert (tmp_path / "journal_key").read_text().strip() == app.config["JOURNAL_KEY"]
    assert (
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["JOURNAL_KEY"]
        == app.config["JOURNAL_KEY"]
    )


def test_without_a_launch_or_as_a_guest(app, client, world):
    assert client.get("/mentoring").status_code == 401
    assert client.get(f"/mentoring/groups/{world['pair']}").status_code == 401


def test_author_edits_and_deletes_an_entry(app, people, programme):
    from app.core.db import db
    from app.mentoring import journal
    from app.mentoring.models import JournalEntry

    person = people["aktori"]
    assert person.post("/mentoring/journal/new", {"text": "Ensimmäinen ajatus"}).status_code == 303
    with app.app_context():
        entry = db.session.scalar(db.select(JournalEntry).where(JournalEntry.user_id == person.user_id))
        entry_id, before = entry.id, entry.body
    assert "Ensimmäinen ajatus" in person.page(f"/mentoring/journal/{entry_id}/edit")
    response = person.post(f"/mentoring/journal/{entry_id}/edit", {"text": "x" * 20_001})
    assert response.status_code == 422 and "enintään 20000 merkkiä" in response.get_data(as_text=True)
    assert person.post(f"/mentoring/journal/{entry_id}/edit", {"text": "Toinen ajatus"}).status_code == 303
    with app.app_context():
        entry = db.session.get(JournalEntry, entry_id)
        assert entry.body != before and journal.decrypt(entry.body) == "Toinen ajatus"
    assert person.post(f"/mentoring/journal/{entry_id}/delete").status_code == 303
    with app.app_context():
        assert db.session.get(JournalEntry, entry_id) is None
