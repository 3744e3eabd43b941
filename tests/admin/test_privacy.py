"""Personal data: a person's own export, erasure of one person, and the programme purge."""

import json
from datetime import date

import pytest
from sqlalchemy import JSON, String, Text, select

from app.admin import privacy, report
from app.admin.models import AccessibilityFeedback
from app.core.audit import AuditEntry
from app.core.db import db
from app.mentoring.models import JournalEntry, MeetingCount
from app.programme.models import Registration
from app.sparring.models import SparringGroup, SparringMember, SparringPost, SparringThread
from tests.support.admin_seed import AGREEMENT_PHRASE, JOURNAL_PHRASE, seed
from tests.support.admin_web import administrator, participant, post


@pytest.fixture
def seeded(app, platform):
    with app.test_request_context("/"):
        yield seed(app, issuer=platform.issuer)


def traces(*needles: str) -> list[tuple[str, str]]:
    """Every (table, column) whose stored text holds any needle: all text and JSON columns of
    every table, JSON decoded (non-ASCII letters are escaped when stored)."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, (String, Text, JSON)):
                continue
            for (value,) in db.session.execute(select(column)):
                text = json.dumps(value, ensure_ascii=False) if isinstance(column.type, JSON) else value
                if text and any(n in text for n in needles):
                    found.append((table.name, column.name))
    return found


def _leave_traces_elsewhere(seeded):
    """Others write about a1: a nomination, their goals, the agreement text, a sparring post;
    a1 posts, sends feedback and launches (a session)."""
    a1, m1, a2 = (seeded.people[k] for k in ("a1", "m1", "a2"))
    reg_a2 = db.session.scalar(select(Registration).where(Registration.user_id == a2.id))
    reg_a2.counterpart_user_id = a1.id
    reg_a2.counterpart_name = a1.name
    reg_a2.counterpart_contact = a1.email
    reg_m1 = db.session.scalar(select(Registration).where(Registration.user_id == m1.id))
    reg_m1.goals = f"Haluan jatkaa työtä, jota aloitin {a1.name} kanssa"
    group = SparringGroup(programme_id=seeded.programme.id, name="Aktorit 1", audience="aktoris")
    db.session.add(group)
    db.session.flush()
    db.session.add_all(
        [SparringMember(group_id=group.id, user_id=a1.id), SparringMember(group_id=group.id, user_id=a2.id)]
    )
    thread = SparringThread(group_id=group.id, title="Esittäytyminen", author_id=a1.id)
    db.session.add(thread)
    db.session.flush()
    db.session.add_all(
        [
            SparringPost(thread_id=thread.id, author_id=a1.id, body="Hei, olen Aku Luonnonvarakeskuksesta."),
            SparringPost(thread_id=thread.id, author_id=a2.id, body=f"Tervetuloa {a1.name}! Kirjoita {a1.email}"),
            AccessibilityFeedback(user_id=a1.id, message="Fontti on pieni", contact=a1.email),
        ]
    )
    db.session.commit()


def test_erasure_leaves_others_completion_and_no_trace_of_the_person(app, platform, seeded):
    _leave_traces_elsewhere(seeded)
    a1 = seeded.people["a1"]
    participant(app, platform, a1)  # a session and a fresh launch of their own
    admin = administrator(app, platform)
    before = {r.user_id: r for r in report.participant_rows(seeded.programme, report.Filters())}
    name, email, uid = a1.name, a1.email, a1.id
    assert len(traces(name, email)) >= 5

    page = admin.page(f"/admin/people/{uid}")
    assert name in page
    refused = post(admin, f"/admin/people/{uid}/erase", {}, f"/admin/people/{uid}")
    assert refused.status_code == 400  # not confirmed
    response = post(admin, f"/admin/people/{uid}/erase", {"confirm": "erase"}, f"/admin/people/{uid}")
    assert response.status_code == 303
    db.session.expire_all()

    assert traces(name, email) == []
    after = {r.user_id: r for r in report.participant_rows(seeded.programme, report.Filters())}
    assert uid not in after
    for user_id, row in after.items():
        assert row == before[user_id]  # m1's six meetings with a1 still count for m1
    assert after[seeded.people["m1"].id].counted == 6 and after[seeded.people["m1"].id].completed
    assert db.session.scalar(select(JournalEntry).where(JournalEntry.user_id == uid)) is None
    assert db.session.scalar(select(MeetingCount).where(MeetingCount.user_id == uid)) is None
    posts = db.session.scalars(select(SparringPost).order_by(SparringPost.id)).all()
    assert posts[0].author_id is None and "[poistettu]" in posts[1].body
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "person.erased")).one()
    assert entry.target == f"user:{uid}" and entry.details["rows"]["registration"] == 1


def test_an_administrator_cannot_erase_themselves_or_another_courses_person(app, platform, seeded):
    admin = administrator(app, platform)
    me = db.session.scalar(select(AuditEntry.id))  # no entries yet
    assert me is None
    from app.people.models import User

    own = db.session.scalar(select(User).where(User.subject == "admin-1"))
    assert post(admin, f"/admin/people/{own.id}/erase", {"confirm": "erase"}, "/admin/people").status_code == 400
    other = administrator(app, platform, sub="admin-2", course="77")
    uid = seeded.people["m1"].id
    assert post(other, f"/admin/people/{uid}/erase", {"confirm": "erase"}, "/admin/people").status_code == 404
    assert db.session.get(User, uid).name == "Maija Mentori"


def test_own_data_download_holds_the_journal_and_only_the_own_data(app, platform, seeded):
    a1 = seeded.people["a1"]
    viewer = participant(app, platform, a1)
    page = viewer.page("/my-data")
    assert JOURNAL_PHRASE in page and a1.email in page and "Tavoitteeni (a1)" in page
    assert "Tavoitteeni (m1)" not in page  # the pair member's registration is not theirs
    response = viewer.get("/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data())
    assert data["account"]["email"] == a1.email
    assert [e["text"] for e in data["journal"]] == [JOURNAL_PHRASE]
    assert data["tables"]["registration"][0]["goals"] == "Tavoitteeni (a1)"
    assert len(data["meetings"]) == 6 and all(m["status"] == "confirmed" for m in data["meetings"])
    assert data["gradebook_scores"][-1]["score_given"] == 6
    assert "token_hash" not in json.dumps(data) and "web_session" not in data["tables"]
    other = participant(app, platform, seeded.people["m1"])
    assert JOURNAL_PHRASE not in other.page("/my-data")
    assert AGREEMENT_PHRASE not in json.dumps(data["tables"])  # shared agreement text is not theirs


def test_purge_after_retention(app, seeded):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["privacy", "purge"]).exit_code != 0  # neither --dry-run nor --yes
    early = runner.invoke(args=["privacy", "purge", "--yes", "--today", "2027-11-19"])
    assert "No programme is past its retention period" in early.output
    dry = runner.invoke(args=["privacy", "purge", "--dry-run", "--today", "2027-11-20"])
    assert dry.exit_code == 0 and "would delete" in dry.output and "registration 11" in dry.output
    assert db.session.scalar(select(db.func.count(Registration.id))) == 11
    done = runner.invoke(args=["privacy", "purge", "--yes", "--today", "2027-11-20"])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(Registration.id))) == 0
    assert traces("Maija Mentori", "maija.m1@example.fi", JOURNAL_PHRASE, AGREEMENT_PHRASE) == []
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.purged")).one()
    assert entry.target == f"programme:{seeded.programme.id}" and entry.actor_id is None


def test_retention_defaults_to_twelve_months(app, seeded):
    assert seeded.programme.retention_months == 12
    seeded.programme.retention_months = 24
    db.session.commit()
    assert privacy.programmes_due(date(2027, 11, 20)) == []
    assert privacy.programmes_due(date(2028, 11, 20)) == [seeded.programme]


def test_feedback_form_validates_and_keeps_what_was_typed(app, client):
    response = client.post("/accessibility/feedback?lang=en", data={"message": "Contrast", "contact": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "so that we can answer you" in page and ">Contrast</textarea>" in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count(AccessibilityFeedback.id))) == 0
    response = client.post("/accessibility/feedback?lang=en", data={"message": "Contrast", "contact": "a@b.fi"})
    assert response.status_code == 303 and "lang=en" in response.headers["Location"]
    assert "Thank you" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_signed_in_feedback_needs_csrf(app, platform, seeded):
    viewer = participant(app, platform, seeded.people["a1"])
    assert viewer.client.post(f"/accessibility/feedback?s={viewer.token}", data={"message": "x"}).status_code == 400
    assert (
        post(viewer, "/accessibility/feedback", {"message": "Liian pieni teksti"}, "/accessibility").status_code == 303
    )
    item = db.session.scalars(select(AccessibilityFeedback)).one()
    assert item.user_id == seeded.people["a1"].id and item.contact is None


@pytest.mark.parametrize("path", ["/privacy", "/accessibility"])
@pytest.mark.parametrize("lang, heading", [("fi", None), ("sv", None), ("en", None)])
def test_public_pages_in_every_language_without_a_launch(client, path, lang, heading):
    response = client.get(path, query_string={"lang": lang})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f'<html lang="{lang}">' in page
    assert 'hreflang="sv"' in page and 'hreflang="en"' in page  # the language switch
    assert f"lang={lang}" in page.split("<footer")[1]  # the footer links keep the language
