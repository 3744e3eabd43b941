"""An agency contact person sees their own agency's slice of a survey under the same k ≥ 5 rule,
and downloads it; nobody else does; every view and download is audited."""

import csv
import io

from openpyxl import load_workbook

from tests.evaluation.conftest import seed_answers
from tests.support.web import text


def _make_contact(app, programme_id, person, code):
    from app.core.db import db
    from app.programme.models import AgencyContact, Organisation

    with app.app_context():
        org = db.session.scalar(db.select(Organisation).filter_by(programme_id=programme_id, code=code))
        db.session.add(AgencyContact(organisation_id=org.id, user_id=person.user_id))
        db.session.commit()
        return org.id


def _audit(app, action):
    from app.core.audit import AuditEntry
    from app.core.db import db

    with app.app_context():
        return [(e.target, e.details) for e in db.session.scalars(db.select(AuditEntry).filter_by(action=action))]


def test_a_contact_sees_only_their_agency_and_only_from_five_answers(app, people, programme, pair):
    contact = people["mentor"]  # a Learner in Moodle, named the contact for SYKE
    syke = _make_contact(app, programme, contact, "SYKE")
    seed_answers(app, programme, [("mentor", "LUKE", {"goals": 1, "improve": f"luke {i}"}) for i in range(6)])
    seed_answers(app, programme, [("aktori", "SYKE", {"goals": 5, "improve": f"syke {i}"}) for i in range(4)])

    # The agency page links to the surveys by URL.
    agency_page = contact.page(f"/agency/organisations/{syke}")
    assert "/evaluation/agency/surveys/midpoint" in agency_page and "/evaluation/agency/surveys/closing" in agency_page

    # Four answers from SYKE: nothing shown, not even through the export.
    page = text(contact.page("/evaluation/agency/surveys/midpoint"))
    assert "4 vastausta" in page and "vähintään 5" in page and "syke" not in page and "luke" not in page
    rows = list(csv.reader(io.StringIO(contact.get("/evaluation/agency/surveys/midpoint/export.csv").get_data(True))))
    assert len(rows) == 1

    # The fifth arrives: SYKE's answers shown (never LUKE's, never a breakdown by organisation).
    seed_answers(app, programme, [("aktori", "SYKE", {"goals": 5, "improve": "syke 4"})])
    page = text(contact.page("/evaluation/agency/surveys/midpoint"))
    assert "5 vastausta" in page and "syke 0" in page and "syke 4" in page
    assert "luke" not in page and "Virasto LUKE" not in page and "Organisaatioittain" not in page
    assert "Aktorit (5)" in page

    response = contact.get("/evaluation/agency/surveys/midpoint/export.csv")
    assert response.status_code == 200 and "SYKE" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][2] == "5" and not any("luke" in cell for row in rows for cell in row)
    response = contact.get("/evaluation/agency/surveys/midpoint/export.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.data)).active.cell(2, 3).value == 5
    assert contact.get("/evaluation/agency/surveys/midpoint/export.pdf").status_code == 404
    assert contact.get("/evaluation/agency/surveys/other").status_code == 404

    viewed = _audit(app, "evaluation.agency_viewed")
    assert viewed == [(f"organisation:{syke}", {"kind": "midpoint"})] * 2
    exported = [d["format"] for _t, d in _audit(app, "evaluation.agency_exported")]
    assert exported == ["csv", "csv", "xlsx"]


def test_someone_who_is_not_a_contact_finds_nothing(app, people, programme, pair):
    seed_answers(app, programme, [("aktori", "SYKE", {"goals": 5})] * 5)
    for key in ("aktori", "staff"):
        assert people[key].get("/evaluation/agency/surveys/midpoint").status_code == 404
        assert people[key].get("/evaluation/agency/surveys/midpoint/export.csv").status_code == 404
    assert _audit(app, "evaluation.agency_viewed") == []
