"""Registration by a participant: only what matching needs, validated with messages next to the
fields and all input kept; editable until the match is published; withdrawal; the window."""

import re
from datetime import timedelta

import pytest

from app.core.clock import helsinki_today
from app.core.db import db
from app.groups.models import MentoringGroup
from app.matching import services as matching
from app.people.models import User
from app.programme.models import Programme, Registration
from tests.support.lti_double import INSTRUCTOR
from tests.support.programme_web import launch, make_programme, post, register_data, registration, text


def field_errors(page: str, field: str) -> str:
    found = re.search(rf'<ul class="field-errors" id="{field}-error">(.*?)</ul>', page, flags=re.S)
    return text(found.group(1)) if found else ""


@pytest.fixture
def pid(app, platform):
    launch(app, platform, (INSTRUCTOR,), sub="4")  # the course exists once someone launched in it
    return make_programme(app)


def test_home_invites_to_register_then_shows_status(app, platform, pid):
    launch(app, platform, sub="6")  # someone else on the roster
    aino = launch(app, platform)
    home = aino.page("/home")
    assert "Ilmoittaudu ohjelmaan" in home
    page = aino.page("/register")
    # Only what matching needs: no gender, age or personality fields.
    form = page.split('action="/register?')[1].split("</form>")[0]
    assert set(re.findall(r'name="([^"]+)"', form)) == {
        "csrf_token",
        "role_wish",
        "forms",
        "organisation_id",
        "unit",
        "themes_offered",
        "themes_wanted",
        "goals",
        "languages",
        "meeting_preferences",
        "capacity",
        "counterpart_user_id",
        "counterpart_name",
        "counterpart_contact",
        "must_not_pair",
        "must_not_pair_names",
        "mentor_tip",
        # The optional tip about a colleague (issue 16): their details, never the registrant's traits.
        "tip_name",
        "tip_organisation",
        "tip_email",
        "tip_role",
        "tip_why",
        # The people pickers' search boxes and their button (a search without JavaScript).
        "counterpart_user_id-q",
        "must_not_pair-q",
        "picker-search",
    }
    response = post(aino, "/register", register_data(app, pid, unit="Kulutuksen keskus"))
    assert response.status_code == 303
    assert "Ilmoittautumisesi on tallennettu" in aino.page("/register", saved="1")
    row = registration(app, pid, "5")
    assert (row.role_wish, row.unit, row.themes_wanted, row.languages, row.capacity) == (
        "aktori",
        "Kulutuksen keskus",
        ["leadership"],
        ["fi"],
        1,
    )
    assert "Olet ilmoittautunut" in aino.page("/home")
    # Edit: the form shows the saved answers.
    page = aino.page("/register")
    assert 'value="Kulutuksen keskus"' in page and 'value="leadership" checked' in page
    assert (
        post(
            aino,
            "/register",
            register_data(app, pid, role_wish="peer", forms=["peer"], themes_offered=["communication"]),
        ).status_code
        == 303
    )
    assert registration(app, pid, "5").role_wish == "peer"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"goals": "  "}, "goals", "Kuvaa tavoitteesi"),
        ({"organisation_id": ""}, "organisation_id", "Valitse organisaatiosi."),
        ({"themes_wanted": None}, "themes_wanted", "Valitse vähintään yksi teema"),
        ({"forms": None}, "forms", "Valitse vähintään yksi mentoroinnin muoto."),
        ({"forms": ["peer"]}, "forms", "Mentori tai aktori tarvitsee"),
        ({"capacity": "2"}, "capacity", "Kaksi aktoria tarkoittaa ryhmämentorointia"),
        ({"languages": None}, "languages", "Valitse vähintään yksi kieli."),
        ({"languages": ["de"]}, "languages", "Tämä ohjelma ei tarjoa tätä kieltä."),
        ({"counterpart_contact": "ei-osoite"}, "counterpart_contact", "Anna sähköpostiosoite tai puhelinnumero."),
        ({"role_wish": "boss"}, "role_wish", "Valitse toivomasi rooli."),
        ({"capacity": "x"}, "capacity", "Mentorilla on yksi tai kaksi aktoria."),
    ],
)
def test_invalid_registration_keeps_input(app, platform, pid, overrides, field, message):
    aino = launch(app, platform)
    data = register_data(app, pid, unit="Oma yksikkö", meeting_preferences="Aamupäivät", **overrides)
    data.setdefault("goals", "x")
    response = post(aino, "/register", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message.split("…")[0].lower() in field_errors(page, field).lower() or message in page, field_errors(
        page, field
    )
    assert 'value="Oma yksikkö"' in page and ">Aamupäivät</textarea>" in page
    assert registration(app, pid, "5") is None


def test_must_not_pair_and_counterpart_from_the_roster(app, platform, pid):
    for sub in ("6", "7"):  # on the roster once they have launched
        launch(app, platform, sub=sub)
    aino = launch(app, platform)
    with app.app_context():
        ids = {u.subject: u.id for u in db.session.scalars(db.select(User))}
    page = aino.page("/register")
    assert f'value="{ids["6"]}"' in page and f'value="{ids["5"]}"' not in page.split('name="must_not_pair"')[0][-200:]
    # Unknown typed name: an error, and nothing is saved; the text stays.
    data = register_data(app, pid, must_not_pair_names="Ei Ketään")
    response = post(aino, "/register", data)
    assert response.status_code == 422
    assert "Kurssilla ei ole ketään nimeltä ”Ei Ketään”." in response.get_data(as_text=True)
    assert ">Ei Ketään</textarea>" in response.get_data(as_text=True)
    # The name typed resolves to the person; the counterpart is chosen from the roster.
    data = register_data(
        app,
        pid,
        must_not_pair=[str(ids["6"])],
        must_not_pair_names="elina  nieminen",
        counterpart_user_id=str(ids["6"]),
    )
    response = post(aino, "/register", data)
    assert "Nimesit henkilön, jonka kanssa et myöskään halua paria." in response.get_data(as_text=True)
    data["counterpart_user_id"] = ""
    data["counterpart_name"] = "Ulla Ulkopuolinen"
    data["counterpart_contact"] = "ulla@example.fi"
    response = post(aino, "/register", data)
    assert response.status_code == 303, re.findall(
        r'<ul class="field-errors"[^>]*>(.*?)</ul>', response.get_data(as_text=True)
    )
    row = registration(app, pid, "5")
    assert sorted(row.must_not_pair) == sorted([ids["6"], ids["7"]])
    assert (row.counterpart_name, row.counterpart_contact) == ("Ulla Ulkopuolinen", "ulla@example.fi")


def test_withdraw_and_register_again(app, platform, pid):
    aino = launch(app, platform)
    post(aino, "/register", register_data(app, pid))
    response = post(aino, "/register/withdraw", {}, token_from="/register")
    assert response.status_code == 303 and "withdraw_unconfirmed=1" in response.headers["Location"]
    assert registration(app, pid, "5").withdrawn_at is None
    assert post(aino, "/register/withdraw", {"confirm": "yes"}, token_from="/register").status_code == 303
    assert registration(app, pid, "5").withdrawn_at is not None
    assert "Ilmoittaudu ohjelmaan" in aino.page("/home")
    assert post(aino, "/register", register_data(app, pid)).status_code == 303
    assert registration(app, pid, "5").withdrawn_at is None


def test_a_launch_opens_the_form_until_registered(app, platform, pid):
    aino = launch(app, platform)
    first = aino.client.get(f"/home?s={aino.token}&launched=1")
    assert first.status_code == 302 and first.headers["Location"].startswith("/register?")
    assert aino.client.get(f"/home?s={aino.token}").status_code == 200  # the home page itself stays reachable
    post(aino, "/register", register_data(app, pid))
    again = launch(app, platform)
    assert again.client.get(f"/home?s={again.token}&launched=1").status_code == 200


def test_a_launch_marks_its_arrival_on_the_home_page(app, platform):
    response = platform.launch(app.test_client())
    assert response.status_code == 303 and "launched=1" in response.headers["Location"]


def test_window_closed_for_new_registrations(app, platform, pid):
    with app.app_context():
        programme = db.session.get(Programme, pid)
        programme.registration_closes = helsinki_today() - timedelta(days=1)
        programme.registration_opens = helsinki_today() - timedelta(days=30)
        db.session.commit()
    aino = launch(app, platform)
    assert "Ilmoittautuminen ei ole nyt auki." in aino.page("/home")
    assert "Ilmoittautuminen ei ole nyt auki." in aino.page("/register")
    post(aino, "/register", register_data(app, pid))
    assert registration(app, pid, "5") is None


def test_not_editable_once_published(app, platform, pid):
    aino, mikko = launch(app, platform), launch(app, platform, sub="6")
    post(aino, "/register", register_data(app, pid))
    post(
        mikko,
        "/register",
        register_data(app, pid, role_wish="mentor", themes_offered=["leadership"], themes_wanted=None),
    )
    with app.app_context():
        programme = db.session.get(Programme, pid)
        matching.compute_suggestions(programme)
        matching.publish(programme, matching.groups(programme, "draft"))
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(MentoringGroup.id))) == 1
    page = aino.page("/register")
    assert "ei voi enää muuttaa" in page and '<form method="post" action="/register' not in page
    post(aino, "/register", register_data(app, pid, unit="Muutettu"))
    assert registration(app, pid, "5").unit == "Tietokeskus"
    assert post(aino, "/register/withdraw", {"confirm": "yes"}, token_from="/register").status_code == 409


def test_staff_do_not_register(app, platform, pid):
    staff = launch(app, platform, (INSTRUCTOR,), sub="4")
    staff.page("/register", status=403)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Registration.id))) == 0


@pytest.mark.parametrize(
    "lang, heading, organisation, theme",
    [
        ("fi", "Ilmoittautuminen", "Suomen ympäristökeskus (SYKE)", "Esimiestyö"),
        ("sv", "Anmälan", "Finlands miljöcentral (SYKE)", "Chefsarbete"),
        ("en", "Registration", "Finnish Environment Institute (SYKE)", "Supervisory work"),
    ],
)
def test_registration_in_each_language(app, platform, pid, lang, heading, organisation, theme):
    page = launch(app, platform, locale=lang).page("/register")
    assert f'<html lang="{lang}">' in page and f"<h1>{heading}: Ohjelma 2</h1>" in page
    assert organisation in page and theme in page


def test_staff_see_registrations_and_who_has_not_registered(app, platform, pid):
    aino, _ = launch(app, platform), launch(app, platform, sub="6")
    post(aino, "/register", register_data(app, pid, mentor_tip="Ulla Salo, SYKE"))
    staff = launch(app, platform, (INSTRUCTOR,), sub="4")
    page = staff.page(f"/programmes/{pid}/registrations")
    table = text(page.split("<tbody>")[1].split("</tbody>")[0])
    assert "Aino Virtanen" in table and "Johtaminen" in table and "Vihje: Ulla Salo, SYKE" in table
    not_registered = text(page.split("Kurssilla mutta ei ilmoittautunut")[1])
    assert "Mikko Korhonen" in not_registered and "Aino Virtanen" not in not_registered


def test_nominating_oneself_is_refused(app, platform, pid):
    """The form does not offer oneself, and a hand-made request naming oneself is refused."""
    aino = launch(app, platform)
    with app.app_context():
        own_id = db.session.scalar(db.select(User.id).filter_by(subject="5"))
    page = aino.page("/register")
    counterpart = page.split('id="counterpart_user_id"')[1].split("</fieldset>")[0]
    assert 'name="counterpart_user_id" value="" checked' in counterpart  # the picker is there
    assert f'value="{own_id}"' not in counterpart
    response = post(aino, "/register", register_data(app, pid, counterpart_user_id=str(own_id)))
    assert response.status_code == 422
    assert "Et voi nimetä itseäsi." in field_errors(response.get_data(as_text=True), "counterpart_user_id")
    assert registration(app, pid, "5") is None
