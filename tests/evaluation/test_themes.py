"""The themes report: wanted against offered, with the unmet demand, for each programme year of
the course side by side, and for one organisation across the years."""

from datetime import date

from tests.evaluation.conftest import make_group, register
from tests.support.web import text


def _earlier_programme(app, programme_id):
    from app.core.db import db
    from app.programme.models import Organisation, Programme, Theme

    with app.app_context():
        current = db.session.get(Programme, programme_id)
        earlier = Programme(
            course_id=current.course_id, name="Ohjelma 2021", kickoff=date(2021, 3, 1), closing=date(2022, 2, 1)
        )
        db.session.add(earlier)
        db.session.flush()
        db.session.add(Organisation(programme_id=earlier.id, code="LUKE", name_fi="Virasto LUKE"))
        db.session.add(Theme(programme_id=earlier.id, code="leadership", name_fi="Johtaminen"))
        db.session.commit()
        return earlier.id


def test_themes_wanted_offered_and_unmet_across_years(app, people, programme):
    register(app, programme, people["mentor"], "mentor", "LUKE", offered=["leadership"])
    register(app, programme, people["aktori"], "aktori", "LUKE", wanted=["leadership", "policy"])
    register(app, programme, people["aktori2"], "aktori", "SYKE", wanted=["policy"])
    make_group(app, programme, [(people["mentor"], "mentor"), (people["aktori"], "aktori")])
    earlier = _earlier_programme(app, programme)
    register(app, earlier, people["outsider"], "aktori", "LUKE", wanted=["leadership"])

    staff = people["staff"]
    page = text(staff.page("/evaluation/themes"))
    assert "Ohjelma 2021 Ohjelma Teema" in page  # oldest year first
    # This year: policy wanted by two, offered by none, unmet for both; leadership met by the pair.
    # 2021 had no policy theme ("–").
    assert "Policy – – – 2 0 2" in page
    assert "Leadership 1 0 1 1 1 0" in page
    luke = text(staff.page("/evaluation/themes", organisation="LUKE"))
    assert "Policy – – – 1 0 1 Leadership 1 0 1 1 1 0" in luke
    syke = text(staff.page("/evaluation/themes", organisation="SYKE"))
    assert "Policy – – – 1 0 1" in syke  # SYKE took no part in 2021
    assert staff.get("/evaluation/themes", organisation="NOPE").status_code == 400
    assert people["mentor"].get("/evaluation/themes").status_code == 403
