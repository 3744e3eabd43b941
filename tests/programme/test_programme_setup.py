"""Programme set-up by staff: a new cohort seeded with the Tulanet institutes and the programme
text's themes; settings validated with specific messages; themes and organisations editable;
another course's programme does not exist for them (404)."""

import re

import pytest

from app.core.db import db
from app.programme.models import Programme
from tests.support.lti_double import INSTITUTION_ADMIN, LEARNER
from tests.support.programme_web import facilitator, launch, make_programme, post, register_data, text

VALID = {
    "name": "Tulanet-mentorointi 2024–2025",
    "registration_opens": "2024-11-01",
    "registration_closes": "2025-03-17",
    "kickoff": "2025-05-05",
    "midpoint": "2025-10-20",
    "closing": "2026-03-30",
    "required_meetings": "6",
    "min_meeting_minutes": "45",
    "max_meeting_minutes": "75",
    "languages": ["fi", "sv", "en"],
}


def errors(page: str) -> list[str]:
    return [text(e) for e in re.findall(r'<ul class="field-errors"[^>]*>(.*?)</ul>', page, flags=re.S)]


def test_create_programme_seeds_institutes_and_themes(app, platform):
    staff = facilitator(app, platform)
    assert "Ohjelman asetukset, ilmoittautumiset ja parinmuodostus" in staff.page("/home")
    response = post(staff, "/programmes/new", VALID)
    assert response.status_code == 303
    with app.app_context():
        programme = db.session.scalar(db.select(Programme).filter_by(name=VALID["name"]))
        assert programme.required_meetings == 6 and programme.languages == ["fi", "sv", "en"]
        codes = [o.code for o in programme.organisations]
        assert codes == ["GTK", "FMI", "LUKE", "NLS", "RUOKAVIRASTO", "STUK", "SYKE", "THL", "TTL", "UPI", "VTT"]
        luke = next(o for o in programme.organisations if o.code == "LUKE")
        assert (luke.name("fi"), luke.name("sv"), luke.name("en")) == (
            "Luonnonvarakeskus (Luke)",
            "Naturresursinstitutet (Luke)",
            "Natural Resources Institute Finland (Luke)",
        )
        themes = {t.code: t.name("fi") for t in programme.themes}
        for fi in (
            "Projektien hallinta",
            "Johtaminen",
            "Viestintä",
            "Poliittiseen päätöksentekoon vaikuttaminen",
            "Tutkijana toimiminen",
            "Urakehitys",
            "Esimiestyö",
            "Assistenttien työ",
        ):
            assert fi in themes.values()
        pid = programme.id
    page = staff.page(f"/programmes/{pid}/organisations")
    assert "Geologian tutkimuskeskus (GTK)" in page and "Teknologian tutkimuskeskus VTT" in page
    assert "Verkostoituminen" in staff.page(f"/programmes/{pid}/themes")


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"closing": "2025-01-01"}, "closing", "Päätöstilaisuuden on oltava aloitustilaisuuden jälkeen."),
        (
            {"registration_closes": "2024-10-01"},
            "registration_closes",
            "Ilmoittautuminen ei voi päättyä ennen kuin se alkaa.",
        ),
        ({"midpoint": "2025-05-01"}, "midpoint", "Välitilaisuuden on oltava aloitustilaisuuden jälkeen."),
        ({"required_meetings": "0"}, "required_meetings", "Väliltä 1–100."),
        ({"min_meeting_minutes": "90"}, "max_meeting_minutes", "Pisin tapaaminen ei voi olla lyhyempi kuin lyhin."),
        ({"kickoff": ""}, "kickoff", "Anna aloitustilaisuuden päivämäärä."),
        ({"name": ""}, "name", "Anna ohjelmalle nimi."),
        ({"languages": []}, "languages", "Valitse vähintään yksi kieli."),
    ],
)
def test_settings_validation_keeps_input(app, platform, change, field, message):
    staff = facilitator(app, platform)
    data = {**VALID, **change}
    response = post(staff, "/programmes/new", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in " ".join(errors(page)), errors(page)
    assert f'href="#{field}"' in page  # the summary links to the field
    assert 'value="Tulanet-mentorointi 2024–2025"' in page or field == "name"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Programme.id))) == 0


def test_edit_settings(app, platform):
    staff = facilitator(app, platform)
    pid = make_programme(app)
    page = staff.page(f"/programmes/{pid}")
    assert 'value="Ohjelma 2"' in page
    data = {
        **VALID,
        "name": "Uusi nimi",
        "required_meetings": "8",
        "languages": ["fi"],
        "prefer_cross_organisation": "y",
    }
    assert post(staff, f"/programmes/{pid}", data).status_code == 303
    with app.app_context():
        programme = db.session.get(Programme, pid)
        assert (
            programme.name,
            programme.required_meetings,
            programme.languages,
            programme.prefer_cross_organisation,
        ) == ("Uusi nimi", 8, ["fi"], True)


def test_only_staff_of_the_course(app, platform):
    launch(app, platform, course="3")  # creates course 3
    pid_other = make_programme(app, "3")
    staff = facilitator(app, platform)
    pid = make_programme(app)
    for path in (
        f"/programmes/{pid_other}",
        f"/programmes/{pid_other}/themes",
        f"/programmes/{pid_other}/organisations",
        f"/programmes/{pid_other}/registrations",
        f"/matching/programmes/{pid_other}",
    ):
        staff.page(path, status=404)
    assert post(staff, f"/programmes/{pid_other}", VALID).status_code == 404
    assert "Ohjelma 3" not in staff.page("/programmes")
    assert "Ohjelma 2" in staff.page("/programmes")
    admin = launch(app, platform, (INSTITUTION_ADMIN,), sub="3")
    admin.page(f"/programmes/{pid}")
    admin.page(f"/programmes/{pid_other}", status=404)
    participant = launch(app, platform, (LEARNER,))
    for path in (
        "/programmes",
        f"/programmes/{pid}",
        f"/programmes/{pid}/registrations",
        f"/matching/programmes/{pid}",
    ):
        participant.page(path, status=403)


def test_themes_add_rename_reorder_remove(app, platform):
    staff = facilitator(app, platform)
    pid = make_programme(app)
    assert (
        post(
            staff,
            f"/programmes/{pid}/themes",
            {"new-name_fi": "Kansainvälinen yhteistyö", "new-name_sv": "Internationellt samarbete"},
        ).status_code
        == 303
    )
    with app.app_context():
        programme = db.session.get(Programme, pid)
        theme = programme.themes[-1]
        first = programme.themes[0]
        assert (theme.code, theme.name("sv"), theme.name("en")) == (
            "kansainvalinen_yhteistyo",
            "Internationellt samarbete",
            "Kansainvälinen yhteistyö",
        )
        tid, first_id = theme.id, first.id
    response = post(staff, f"/programmes/{pid}/themes", {"new-name_fi": ""})
    assert response.status_code == 422 and "Anna nimi suomeksi." in response.get_data(as_text=True)
    assert (
        post(
            staff,
            f"/programmes/{pid}/themes/{tid}",
            {f"t{tid}-name_fi": "Kv-yhteistyö", f"t{tid}-name_en": "International work"},
        ).status_code
        == 303
    )
    assert post(staff, f"/programmes/{pid}/themes/{tid}/move", {"direction": "up"}).status_code == 303
    with app.app_context():
        programme = db.session.get(Programme, pid)
        assert [t.id for t in programme.themes][-2] == tid
        assert programme.themes[-2].name("en") == "International work"
    # A theme in use cannot be removed; an unused one can.
    participant = launch(app, platform)
    assert post(participant, "/register", register_data(app, pid, themes_wanted=["leadership"])).status_code == 303
    with app.app_context():
        leadership = next(t.id for t in db.session.get(Programme, pid).themes if t.code == "leadership")
    response = post(staff, f"/programmes/{pid}/themes/{leadership}/delete")
    assert response.status_code == 409
    assert "on käytössä ilmoittautumisissa (1)" in response.get_data(as_text=True)
    assert post(staff, f"/programmes/{pid}/themes/{first_id}/delete").status_code == 303
    with app.app_context():
        codes = [t.code for t in db.session.get(Programme, pid).themes]
        assert "leadership" in codes and "project_management" not in codes


def test_organisations_add_and_rename(app, platform):
    staff = facilitator(app, platform)
    pid = make_programme(app)
    assert (
        post(
            staff, f"/programmes/{pid}/organisations", {"new-code": "vm", "new-name_fi": "Valtiovarainministeriö"}
        ).status_code
        == 303
    )
    response = post(staff, f"/programmes/{pid}/organisations", {"new-code": "SYKE", "new-name_fi": "Toinen"})
    assert response.status_code == 422 and "Tämä lyhenne on jo käytössä." in response.get_data(as_text=True)
    with app.app_context():
        programme = db.session.get(Programme, pid)
        assert programme.organisations[-1].code == "VM"
        syke = next(o.id for o in programme.organisations if o.code == "SYKE")
    assert (
        post(
            staff, f"/programmes/{pid}/organisations/{syke}", {f"o{syke}-name_fi": "Suomen ympäristökeskus Syke"}
        ).status_code
        == 303
    )
    assert "Suomen ympäristökeskus Syke" in staff.page(f"/programmes/{pid}/organisations")
