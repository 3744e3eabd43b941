"""Answering a survey (once, anonymously), editing its questions before it opens, the results
under the k ≥ 5 rule, the exports and the home page's card."""

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect

from tests.evaluation.conftest import register, seed_answers
from tests.support.web import text


def _answer(person, data, kind="midpoint"):
    return person.post(f"/evaluation/surveys/{kind}", data)


def test_the_stored_answer_carries_nothing_that_joins_it_to_the_person(app):
    from app.core.db import db

    with app.app_context():
        inspector = inspect(db.engine)
        columns = {c["name"]: c for c in inspector.get_columns("evaluation_response")}
        foreign = {fk["referred_table"] for fk in inspector.get_foreign_keys("evaluation_response")}
        participation = {c["name"] for c in inspector.get_columns("evaluation_participation")}
    assert set(columns) == {"key", "survey_id", "role", "organisation_id", "answers"}
    assert foreign == {"evaluation_survey", "organisation"}  # never user_account
    # No time on either side, and a random key rather than a running number: nothing lines up.
    assert participation == {"id", "survey_id", "user_id"}
    assert "INT" not in str(columns["key"]["type"]).upper()


def test_a_participant_answers_once_and_only_role_and_organisation_are_kept(app, people, programme, pair):
    from app.core.db import db
    from app.evaluation.models import SurveyParticipation, SurveyResponse

    aktori = people["aktori"]
    register(app, programme, aktori, "aktori", "SYKE")
    page = aktori.page("/home")
    assert "/evaluation/surveys/midpoint" in page
    form = aktori.page("/evaluation/surveys/midpoint")
    assert "Olen edennyt kohti tavoitteitani" in form
    response = _answer(aktori, {"goals": "4", "improve": "Lisää yhteisiä tapaamisia"})
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.scalars(db.select(SurveyResponse)).all()
        expected = [("aktori", {"goals": 4, "improve": "Lisää yhteisiä tapaamisia"})]
        assert [(r.role, r.answers) for r in stored] == expected
        assert stored[0].organisation_id is not None
        assert db.session.scalar(db.select(SurveyParticipation.user_id)) == aktori.user_id
    # A second answer is refused and nothing is added.
    assert "Kiitos" in aktori.page("/evaluation/surveys/midpoint")
    second = _answer(aktori, {"goals": "1"})
    assert second.status_code == 409 and "Kiitos" in second.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SurveyResponse)) == 1
    assert "/evaluation/surveys/midpoint" not in aktori.page("/home")


def test_the_service_refuses_a_second_answer(app, people, programme, pair):
    from app.core.db import db
    from app.core.refusals import Refused
    from app.evaluation import services
    from app.programme.models import Programme

    with app.test_request_context():
        p = db.session.get(Programme, programme)
        services.answer(p, "midpoint", people["mentor"].user_id, {"goals": 5})
        with pytest.raises(Refused) as refused:
            services.answer(p, "midpoint", people["mentor"].user_id, {"goals": 5})
        assert refused.value.code == "evaluation_already_answered"


def test_bad_answers_get_a_422_and_keep_what_was_given(app, people, programme, pair):
    response = _answer(people["mentor"], {"goals": "9", "improve": "Tärkeä ajatus"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Valitse luku 1–5" in body or "1–5" in body
    assert "Tärkeä ajatus" in body
    assert _answer(people["mentor"], {}).status_code == 422


def test_who_may_answer(app, people, programme, pair):
    assert people["outsider"].get("/evaluation/surveys/midpoint").status_code == 403  # not in the programme
    assert people["staff"].get("/evaluation/surveys/midpoint").status_code == 403
    assert people["mentor"].get("/evaluation/surveys/nosuch").status_code == 404
    closing = people["mentor"].get("/evaluation/surveys/closing")
    assert closing.status_code == 409  # opens a week before the closing event


def test_questions_are_edited_before_opening_and_locked_after(app, people, programme, pair):
    staff = people["staff"]
    page = staff.page("/evaluation/surveys/closing/questions")
    assert "Tallenna kysymykset" in page
    data = {"q-0-id": "goals", "q-0-kind": "scale", "q-0-fi": "Tavoitteet toteutuivat", "q-0-sv": "", "q-0-en": ""}
    data.update({"q-1-id": "", "q-1-kind": "text", "q-1-fi": "Mikä jäi mieleen?", "q-1-sv": "Vad minns du?"})
    assert staff.post("/evaluation/surveys/closing/questions", data).status_code == 303
    page = staff.page("/evaluation/surveys/closing/questions")
    assert "Tavoitteet toteutuivat" in page and "Mikä jäi mieleen?" in page and "Suosittelisin" not in page
    bad = staff.post("/evaluation/surveys/closing/questions", {"q-0-id": "x", "q-0-en": "Only English"})
    assert bad.status_code == 422 and 'value="Only English"' in bad.get_data(as_text=True)  # nothing lost
    assert "Kirjoita kysymys suomeksi" in bad.get_data(as_text=True)
    # The midpoint survey is open: its questions no longer change.
    locked = staff.post("/evaluation/surveys/midpoint/questions", data)
    assert locked.status_code == 409
    assert people["mentor"].get("/evaluation/surveys/closing/questions").status_code == 403


def _five_and_more(app, programme):
    rows = [("mentor", "LUKE", {"goals": 4, "improve": f"mentori {i}"}) for i in range(5)]
    rows += [("aktori", "SYKE", {"goals": 2, "improve": f"aktori {i}"}) for i in range(5)]
    rows += [("peer", "SYKE", {"goals": 5})]
    seed_answers(app, programme, rows)


def test_results_follow_the_k_rule(app, people, programme, pair):
    staff = people["staff"]
    seed_answers(app, programme, [("mentor", "LUKE", {"goals": 4, "improve": "yksi"})] * 4)
    page = text(staff.page("/evaluation/surveys/midpoint/results"))
    assert "4 vastausta" in page and "vähintään 5" in page and "yksi" not in page
    assert staff.get("/evaluation/surveys/midpoint/export.csv").status_code == 200


def test_results_slices_and_texts(app, people, programme, pair):
    staff = people["staff"]
    _five_and_more(app, programme)
    page = text(staff.page("/evaluation/surveys/midpoint/results"))
    assert "11 vastausta" in page
    assert "mentori 3" in page and "aktori 0" in page
    # Mentors (5) and aktoris (5) shown would leave the single peer by subtraction: the aktoris
    # (the first of the two equal slices) are held back with the peer.
    assert "Mentorit (5)" in page
    assert "Aktorit (" not in page and "Vertaismentorit (" not in page
    assert "Rooleja, joilla on liian vähän vastauksia" in page
    # By organisation: LUKE 5 and SYKE 6, both shown.
    assert "Virasto LUKE (5)" in page and "Virasto SYKE (6)" in page


def test_export_csv_and_xlsx(app, people, programme, pair):
    staff = people["staff"]
    _five_and_more(app, programme)
    seed_answers(app, programme, [("mentor", None, {"improve": "=HYPERLINK(1)"})])
    response = staff.get("/evaluation/surveys/midpoint/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Osajoukko", "Kysymys", "Vastauksia"]
    assert ["Kaikki vastaukset", "Olen edennyt kohti tavoitteitani, jotka asetin ohjelmalle."] == rows[1][:2]
    assert rows[1][2] == "11"
    assert ["Vapaa teksti", "Mitä ohjelmassa kannattaisi kehittää?", "'=HYPERLINK(1)"] in rows
    assert not any("peer" in cell.lower() for row in rows for cell in row)
    response = staff.get("/evaluation/surveys/midpoint/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.cell(2, 3).value == 11
    assert staff.get("/evaluation/surveys/midpoint/export.pdf").status_code == 404
    assert people["mentor"].get("/evaluation/surveys/midpoint/export.csv").status_code == 403


def test_staff_overview_and_home_link(app, people, programme, pair):
    staff = people["staff"]
    page = text(staff.page("/evaluation"))
    assert "Väliarviointikysely" in page and "auki" in page and "Loppukysely" in page
    assert "/evaluation" in staff.page("/home")
    assert people["mentor"].get("/evaluation").status_code == 403


def test_a_closed_survey_takes_no_answers(app, people, programme, pair):
    from app.core.db import db
    from app.programme.models import Programme

    with app.app_context():
        db.session.get(Programme, programme).midpoint = date.today() - timedelta(days=40)
        db.session.commit()
    assert _answer(people["mentor"], {"goals": "3"}).status_code == 409
    assert "/evaluation/surveys/midpoint" not in people["mentor"].page("/home")
