"""The registration's people pickers (the person one has in mind, people not to be paired with):
a search without JavaScript keeps every answer typed, in the server-side session and never in
the address; each name shows its organisation; oneself and unknown people are refused."""

import re

import pytest

from app.core.db import db
from app.people.models import User
from tests.support.lti_double import INSTRUCTOR
from tests.support.programme_web import launch, make_programme, post, register_data, registration, text


def listed(page: str, field: str, section: str) -> list[str]:
    picker = page.split(f'<fieldset class="field picker" id="{field}"')[1].split("</fieldset>")[0]
    found = re.search(rf'<ul class="picker-{section}"[^>]*>(.*?)</ul>', picker, flags=re.S)
    items = re.findall(r"<li(?![^>]*hidden)[^>]*>(.*?)</li>", found.group(1), flags=re.S) if found else []
    return [text(re.sub(r"<input[^>]*>", "", item)) for item in items]


def user_id(app, sub: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(User.id).filter_by(subject=sub))


@pytest.fixture
def course(app, platform):
    launch(app, platform, (INSTRUCTOR,), sub="4")
    pid = make_programme(app)
    for sub in ("6", "7", "10"):
        launch(app, platform, sub=sub)
    # Mikko has registered from SYKE, so his name shows his organisation.
    mikko = launch(app, platform, sub="6")
    assert post(mikko, "/register", register_data(app, pid)).status_code == 303
    return pid


def test_a_search_without_javascript_keeps_everything_typed(app, platform, course):
    aino = launch(app, platform)
    elina, mikko = user_id(app, "7"), user_id(app, "6")
    typed = register_data(
        app,
        course,
        unit="Kulutuksen keskus",
        goals="Luottamuksellinen tavoite",
        must_not_pair=[str(elina)],
        tip_name="Ulla Salo",
        tip_email="ulla.salo@example.fi",
        **{"must_not_pair-q": "syke", "picker-search": "must_not_pair"},
    )
    response = post(aino, "/register", typed)
    assert response.status_code == 303
    # Only the session and the search's place travel in the address; nothing typed.
    assert re.fullmatch(
        r"/register\?s=[^&]+&picked=1#must_not_pair-q|/register\?picked=1&s=[^&#]+#must_not_pair-q", response.location
    )
    assert registration(app, course, "5") is None  # a search saves nothing
    page = aino.client.get(response.location).get_data(as_text=True)
    for kept in ("Kulutuksen keskus", "Luottamuksellinen tavoite", "Ulla Salo", "ulla.salo@example.fi", 'value="syke"'):
        assert kept in page
    assert listed(page, "must_not_pair", "chosen") == ["Elina Nieminen"]
    assert listed(page, "must_not_pair", "options") == ["Mikko Korhonen (Suomen ympäristökeskus (SYKE))"]
    assert listed(page, "counterpart_user_id", "chosen") == ["Ei ketään"]
    # Choosing the match and registering saves both, and what was typed before the search.
    typed = register_data(
        app, course, unit="Kulutuksen keskus", goals="Luottamuksellinen tavoite", must_not_pair=[str(elina), str(mikko)]
    )
    assert post(aino, "/register", typed).status_code == 303
    row = registration(app, course, "5")
    assert sorted(row.must_not_pair) == sorted([elina, mikko]) and row.unit == "Kulutuksen keskus"
    # The kept input has served: the form shows what was saved.
    page = aino.page("/register", picked="1")
    assert listed(page, "must_not_pair", "chosen") == [
        "Mikko Korhonen (Suomen ympäristökeskus (SYKE))",
        "Elina Nieminen",
    ]


def test_the_person_in_mind_is_one_person_chosen_and_removable(app, platform, course):
    aino = launch(app, platform)
    pekka = user_id(app, "10")
    assert post(aino, "/register", register_data(app, course, counterpart_user_id=str(pekka))).status_code == 303
    assert registration(app, course, "5").counterpart_user_id == pekka
    page = aino.page("/register")
    assert listed(page, "counterpart_user_id", "chosen") == ["Ei ketään", "Pekka Hämäläinen"]
    assert f'name="counterpart_user_id" value="{pekka}" checked' in page
    # "No one" removes the choice.
    assert post(aino, "/register", register_data(app, course, counterpart_user_id="")).status_code == 303
    assert registration(app, course, "5").counterpart_user_id is None


def test_oneself_and_unknown_people_are_refused_clearly(app, platform, course):
    aino = launch(app, platform)
    own = user_id(app, "5")
    page = aino.page("/register")
    assert f'value="{own}"' not in page.split('id="counterpart_user_id"')[1].split("</fieldset>")[0]
    refusals = [
        ({"counterpart_user_id": str(own)}, "counterpart_user_id", "Et voi nimetä itseäsi."),
        ({"must_not_pair": [str(own)]}, "must_not_pair", "Et voi rajata itseäsi pois."),
        ({"counterpart_user_id": "999999"}, "counterpart_user_id", "Valitse henkilöt luettelosta"),
        ({"must_not_pair": ["x"]}, "must_not_pair", "Valitse henkilöt luettelosta"),
        (
            {"counterpart_user_id": [str(user_id(app, "6")), str(user_id(app, "7"))]},
            "counterpart_user_id",
            "Valitse yksi henkilö.",
        ),
    ]
    for data, field, message in refusals:
        response = post(aino, "/register", register_data(app, course, **data))
        assert response.status_code == 422, data
        page = response.get_data(as_text=True)
        assert message in text(page.split(f'id="{field}-error"')[1].split("</ul>")[0]), data
        assert f'href="#{field}"' in page  # the error summary links to the picker
    assert registration(app, course, "5") is None
