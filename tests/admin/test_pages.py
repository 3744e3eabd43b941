"""Administrators' pages: who reaches them, the exports, and an audit row for every action."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from app.admin.models import AccessibilityFeedback
from app.core.audit import AuditEntry
from app.core.db import db
from app.lti.models import FAILED, ScoreOutbox
from app.lti.tokens import ServiceError
from tests.support.admin_seed import AGREEMENT_PHRASE, JOURNAL_PHRASE, seed
from tests.support.admin_web import administrator, facilitator, participant, post

ADMIN_ONLY = [
    "/admin/",
    "/admin/audit",
    "/admin/gradebook",
    "/admin/people",
    "/admin/feedback",
    "/admin/report/export.csv",
    "/admin/report/export.xlsx",
]


@pytest.fixture
def seeded(app, platform):
    with app.test_request_context("/"):
        yield seed(app, issuer=platform.issuer)


def audit_actions():
    return [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]


def test_only_administrators_reach_admin_pages(app, client, platform, seeded):
    for path in ADMIN_ONLY + ["/admin/report"]:
        assert client.get(path).status_code == 401, path
    learner = participant(app, platform, seeded.people["a1"])
    for path in ADMIN_ONLY + ["/admin/report", f"/admin/people/{seeded.people['m1'].id}"]:
        assert learner.get(path).status_code == 403, path
    staff = facilitator(app, platform)
    for path in ADMIN_ONLY:
        assert staff.get(path).status_code == 403, path
    page = staff.page("/admin/report")  # facilitators see their course's report, without exports
    assert "Maija Mentori" in page and "export.csv" not in page
    admin = administrator(app, platform)
    for path in ADMIN_ONLY + ["/admin/report"]:
        assert admin.get(path).status_code == 200, path


def test_another_courses_staff_see_nothing_of_this_course(app, platform, seeded):
    other = administrator(app, platform, course="99")
    assert "Maija Mentori" not in other.page("/admin/report")
    assert other.get("/admin/report", programme=seeded.programme.id).status_code == 404
    assert other.get(f"/admin/people/{seeded.people['m1'].id}").status_code == 404
    assert "people-list" not in other.page("/admin/people", q="Maija")


def test_report_page_numbers_chart_and_table(app, platform, seeded):
    admin = administrator(app, platform)
    page = admin.page("/admin/report")
    assert '<svg role="img"' in page and '<title id="chart-title">' in page
    assert 'data-organisation="total"' in page
    filtered = admin.page("/admin/report", organisation=seeded.organisations["VTT"].id, role="aktori")
    assert "Anni Aktori" in filtered and "Aino Poissa" in filtered and "Maija Mentori" not in filtered
    bad = admin.get("/admin/report", role="boss")
    assert bad.status_code == 400 and "Valitse rooli luettelosta" in bad.get_data(as_text=True)


def test_csv_export_with_bom_and_semicolons(app, platform, seeded):
    admin = administrator(app, platform)
    response = admin.get("/admin/report/export.csv", separator="semicolon")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 10
    by_name = {r[2]: r for r in rows[1:]}
    assert (
        by_name["Aku Äijälä"][0] == "LUKE" and by_name["Aku Äijälä"][8] == "6" and by_name["Aku Äijälä"][10] == "kyllä"
    )
    assert by_name["Aino Poissa"][8] == "4" and by_name["Aino Poissa"][10] == "ei"
    text = body.decode("utf-8-sig")
    assert JOURNAL_PHRASE not in text and AGREEMENT_PHRASE not in text and "Tavoitteeni" not in text
    comma = admin.get("/admin/report/export.csv").get_data().decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(comma)))) == 11
    assert admin.get("/admin/report/export.csv", separator="tab").status_code == 400
    assert audit_actions() == ["report.exported", "report.exported"]


def test_xlsx_export_has_a_sheet_per_organisation(app, platform, seeded):
    admin = administrator(app, platform, locale="en")
    response = admin.get("/admin/report/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Summary", "SYKE", "LUKE", "VTT"]
    syke = [[c.value for c in row] for row in book["SYKE"].iter_rows()]
    assert syke[0][:3] == ["Organisation code", "Organisation", "Name"]
    assert sorted(r[2] for r in syke[1:]) == ["Antti Ahkera", "Maija Mentori", "Mirja Ryhmä", "Ulla Odottaja"]
    summary = {r[0]: r for r in book["Summary"].iter_rows(values_only=True)}
    assert summary["SYKE"][2:5] == (4, 3, 1) and summary["VTT"][5] == 3
    everything = " ".join(str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row)
    assert JOURNAL_PHRASE not in everything and AGREEMENT_PHRASE not in everything
    entry = db.session.scalars(db.select(AuditEntry)).one()
    assert entry.action == "report.exported" and entry.details["format"] == "xlsx" and entry.details["rows"] == 10


def test_formula_like_names_are_not_formulas(app, platform, seeded):
    seeded.people["u1"].name = '=HYPERLINK("http://evil")'
    db.session.commit()
    admin = administrator(app, platform)
    text = admin.get("/admin/report/export.csv").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    book = load_workbook(io.BytesIO(admin.get("/admin/report/export.xlsx").get_data()))
    names = [row[2] for row in book["SYKE"].iter_rows(values_only=True)]
    assert '\'=HYPERLINK("http://evil")' in names


def test_gradebook_view_and_resend_are_audited(app, platform, seeded):
    rows = db.session.scalars(db.select(ScoreOutbox).order_by(ScoreOutbox.id)).all()
    for row in rows[:3]:
        row.status, row.last_status, row.last_error, row.attempts = (
            FAILED,
            400,
            ServiceError("score_refused", 400).stored(),
            1,
        )
    db.session.commit()
    admin = administrator(app, platform)
    page = admin.page("/admin/gradebook")
    assert 'data-count="failed">3<' in page and "Alusta hylkäsi pisteet (400)." in page
    response = post(admin, "/admin/gradebook/resend", {"score": rows[0].id}, "/admin/gradebook")
    assert response.status_code == 303
    assert 'data-count="failed">2<' in admin.page("/admin/gradebook")
    assert post(admin, "/admin/gradebook/resend", {}, "/admin/gradebook").status_code == 303
    assert 'data-count="failed">0<' in admin.page("/admin/gradebook")
    assert post(admin, "/admin/gradebook/resend", {"score": rows[0].id}, "/admin/gradebook").status_code == 404
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.details["scores"]) for e in entries] == [("gradebook.resent", 1), ("gradebook.resent", 2)]
    assert entries[0].actor_role == "administrator" and entries[0].course_id == seeded.course.id


def test_audit_log_lists_and_filters(app, platform, seeded):
    admin = administrator(app, platform)
    admin.get("/admin/report/export.csv")
    post(admin, "/admin/gradebook/resend", {}, "/admin/gradebook")
    page = admin.page("/admin/audit")
    assert "report.exported" in page and "gradebook.resent" in page and "Hilkka Hallinto" in page
    assert "Suoritusraportti viety tiedostoon" in page  # actions in words
    only = admin.page("/admin/audit", action="gradebook.resent")
    assert 'data-action="report.exported"' not in only and 'data-action="gradebook.resent"' in only
    assert "data-action=" not in admin.page("/admin/audit", actor="nobody-such")
    assert admin.get("/admin/audit", since="31.12.2026").status_code == 400


def test_audit_log_reads_as_words(app, platform, seeded):
    from datetime import datetime

    from app.core.audit import record

    entry = record(
        "programme.update",
        course=seeded.course,
        target=f"programme:{seeded.programme.id}",
        details={"closing": ["2026-11-20", "2026-12-04"], "required_meetings": [6, 8], "scores_queued": 3},
    )
    entry.created_at = datetime(2026, 6, 1, 9, 5)
    record("programme.retention_changed", course=seeded.course, details={"from": 12, "to": 24})
    db.session.commit()
    body = administrator(app, platform).page("/admin/audit")
    page = body.split("<tbody>")[1].split("</tbody>")[0]
    assert "Järjestelmä (komentorivi) muutti ohjelman Tulanet 2026 asetuksia 1.6.2026 12.05." in page
    assert "Päätöstilaisuus: 20.11.2026 → 4.12.2026" in page
    assert "Suorittamiseen vaadittavat tapaamiset: 6 → 8" in page and "12 → 24" in page
    # No codes, JSON or ISO dates where a person reads.
    assert not re.search(r"\d{4}-\d{2}-\d{2}|programme:|\{&#34;|\{\"|programme\.update<", page)


def test_feedback_reaches_administrators_and_answering_is_audited(app, client, platform, seeded):
    response = client.post("/accessibility/feedback", data={"message": "Kaavion värit", "contact": "x@example.fi"})
    assert response.status_code == 303
    admin = administrator(app, platform)
    assert "1 avoin viesti" in admin.page("/admin/")
    page = admin.page("/admin/feedback")
    assert "Kaavion värit" in page and "0 päivää" in page
    item = db.session.scalars(db.select(AccessibilityFeedback)).one()
    assert post(admin, f"/admin/feedback/{item.id}/answered", {}, "/admin/feedback").status_code == 303
    db.session.refresh(item)
    assert item.answered_at is not None and item.answered_by_id is not None
    assert audit_actions() == ["feedback.answered"]


def test_retention_is_set_per_programme_and_audited(app, platform, seeded):
    admin = administrator(app, platform)
    page = admin.page("/admin/")
    assert "20. marraskuuta 2027" in page  # closing 20.11.2026 + 12 months
    path = f"/admin/programmes/{seeded.programme.id}/retention"
    bad = post(admin, path, {"months": "ten"}, "/admin/")
    assert bad.status_code == 400 and "kokonaisina kuukausina" in bad.get_data(as_text=True)
    assert post(admin, path, {"months": "121"}, "/admin/").status_code == 400
    assert post(admin, path, {"months": "24"}, "/admin/").status_code == 303
    db.session.refresh(seeded.programme)
    assert seeded.programme.retention_months == 24
    entry = db.session.scalars(db.select(AuditEntry)).one()
    assert entry.action == "programme.retention_changed" and entry.details == {"from": 12, "to": 24}
    other = administrator(app, platform, sub="admin-9", course="55")
    assert post(other, path, {"months": "1"}, "/admin/").status_code == 404


def test_audit_days_are_finnish_days(app, platform, seeded):
    from datetime import datetime

    from app.core.audit import record

    late = record("events.created", course=seeded.course, target="programme_event:1")
    late.created_at = datetime(2026, 3, 9, 22, 30)  # 10.3. 00:30 in Helsinki
    early = record("events.updated", course=seeded.course, target="programme_event:1")
    early.created_at = datetime(2026, 3, 9, 21, 30)  # 9.3. 23:30 in Helsinki
    db.session.commit()
    admin = administrator(app, platform)
    page = admin.page("/admin/audit", since="2026-03-10", until="2026-03-10")
    assert 'data-action="events.created"' in page and 'data-action="events.updated"' not in page
    assert "10.3.2026 0.30" in page  # Helsinki time in the reader's format
    page = admin.page("/admin/audit", until="2026-03-09")
    assert 'data-action="events.updated"' in page and 'data-action="events.created"' not in page
