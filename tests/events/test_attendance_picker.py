"""The attendance list is the people picker: without JavaScript a search comes back filtered
with everything ticked kept, each name shows its organisation, an unknown person is a clear
error, and a course of 500 stays a page of at most 50 names plus "N more"."""

import re

from app.core.db import db
from app.people.models import User
from app.programme.models import Organisation, Registration
from tests.events.test_attendance import attended, kickoff_id
from tests.support.web import text


def listed(page: str, section: str) -> list[str]:
    """The visible names of the picker's "chosen" or "options" list."""
    found = re.search(rf'<ul class="picker-{section}"[^>]*>(.*?)</ul>', page, flags=re.S)
    if not found:
        return []
    items = re.findall(r"<li(?![^>]*hidden)[^>]*>(.*?)</li>", found.group(1), flags=re.S)
    return [text(re.sub(r"<input[^>]*>", "", item)) for item in items]


def save(world, event_id, **data):
    data.setdefault("csrf_token", world.staff.csrf("/events/"))
    return world.staff.client.post(f"/events/{event_id}/attendance", data=data, query_string={"s": world.staff.token})


def test_each_name_shows_its_organisation_and_the_recorded_are_chosen(world):
    event_id = kickoff_id(world)
    assert save(world, event_id, attended=[world.users["p3"]]).status_code == 303
    page = world.staff.page(f"/events/{event_id}/attendance")
    assert listed(page, "chosen") == ["Elina Mäkinen (LUKE)"]
    assert listed(page, "options") == [
        "Mikko Korhonen (LUKE)",
        "Sanna Lahtinen (SYKE)",
        "Juha Nieminen (SYKE)",
        "Aino Virtanen (SYKE)",
    ]
    assert '<label for="attended-q">Hae nimellä tai organisaatiolla</label>' in page


def test_a_search_without_javascript_keeps_the_ticks_and_saves_nothing(world):
    event_id = kickoff_id(world)
    p1, p2 = world.users["p1"], world.users["p2"]
    response = save(world, event_id, attended=[p1], **{"attended-q": "luke korh", "picker-search": "attended"})
    # To a page of its own (reloading it posts nothing), with the session and at the search box.
    assert response.status_code == 303
    assert f"s={world.staff.token}" in response.location and response.location.endswith("#attended-q")
    assert attended(world, event_id) == set()
    page = world.staff.client.get(response.location).get_data(as_text=True)
    assert listed(page, "chosen") == ["Aino Virtanen (SYKE)"]  # ticked before the search, kept
    assert listed(page, "options") == ["Mikko Korhonen (LUKE)"]
    assert 'value="luke korh"' in page
    assert "1 henkilö vastaa hakua." in text(page)
    # Ticking the match and saving records both; the kept input has served.
    assert save(world, event_id, attended=[p1, p2]).status_code == 303
    assert attended(world, event_id) == {p1, p2}
    page = world.staff.page(f"/events/{event_id}/attendance", picked="1")
    assert listed(page, "chosen") == ["Mikko Korhonen (LUKE)", "Aino Virtanen (SYKE)"]


def test_a_search_with_everyone_unticked_keeps_them_unticked(world):
    event_id = kickoff_id(world)
    assert save(world, event_id, attended=[world.users["p1"]]).status_code == 303
    response = save(world, event_id, **{"attended-q": "", "picker-search": "attended"})
    page = world.staff.client.get(response.location).get_data(as_text=True)
    assert listed(page, "chosen") == []  # unticked before the search: not brought back
    assert attended(world, event_id) == {world.users["p1"]}  # and nothing saved


def test_an_unknown_or_malformed_person_is_a_clear_error(world):
    event_id = kickoff_id(world)
    for value in (world.users["f1"], 999999, "x"):
        response = save(world, event_id, attended=[world.users["p1"], value])
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert 'id="error-summary"' in page and 'href="#attended"' in page
        assert "Valitse henkilöt luettelosta" in text(page)
        assert attended(world, event_id) == set()


def test_five_hundred_people_make_a_page_of_fifty_and_a_search(world):
    event_id = kickoff_id(world)
    with world.app.app_context():
        organisation = db.session.scalar(
            db.select(Organisation).filter_by(programme_id=world.programme_id, code="SYKE")
        )
        for i in range(500):
            user = User(
                issuer="https://many.example", subject=f"m{i}", given_name="Monta", family_name=f"Ihminen {i:03}"
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(
                Registration(programme_id=world.programme_id, user_id=user.id, organisation_id=organisation.id)
            )
        db.session.commit()
    page = world.staff.page(f"/events/{event_id}/attendance")
    assert len(listed(page, "options")) == 50
    assert "455 lisää: tarkenna hakua nähdäksesi heidät." in text(page)
    assert "505 henkilöä vastaa hakua." in text(page)
    response = save(world, event_id, **{"attended-q": "ihminen 123", "picker-search": "attended"})
    page = world.staff.client.get(response.location).get_data(as_text=True)
    assert listed(page, "options") == ["Monta Ihminen 123 (SYKE)"]
    assert 'class="picker-more" hidden' in page
