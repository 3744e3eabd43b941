"""Agency contact persons (issue 16): an administrator names them; a contact (a Learner in Moodle)
sees and exports their own agency only, never agreements or journals; every other agency's page
is "not found"; everything they open is audited."""

import csv
import io
import re

import pytest
from flask import g
from openpyxl import load_workbook

from app.core.audit import AuditEntry
from app.core.db import db
from app.groups.models import SOUNDING_OUT
from app.programme import services as programme_services
from app.programme.models import AgencyContact
from tests.support.admin_seed import AGREEMENT_PHRASE, JOURNAL_PHRASE, seed
from tests.support.admin_web import administrator, facilitator, participant, post

SYKE_PEOPLE = ("Maija Mentori", "Mirja Ryhmä", "Antti Ahkera", "Ulla Odottaja")


@pytest.fixture
def seeded(app, platform):
    with app.test_request_context("/"):
        yield seed(app, issuer=platform.issuer)


def _name(admin, seeded, org, person):
    path = f"/agency/programmes/{seeded.programme.id}/contacts"
    data = {"organisation": seeded.organisations[org].id, "person": seeded.people[person].id}
    return post(admin, path, data, path)


@pytest.fixture
def contacts(app, platform, seeded):
    admin = administrator(app, platform)
    assert _name(admin, seeded, "SYKE", "m1").status_code == 303
    assert _name(admin, seeded, "LUKE", "a1").status_code == 303
    return admin


def test_an_administrator_names_contacts_from_the_roster(app, platform, seeded, contacts):
    page = contacts.page(f"/agency/programmes/{seeded.programme.id}/contacts")
    assert "Maija Mentori" in page and "Aku Äijälä" in page
    assert programme_services.contact_organisation_of(seeded.people["m1"].id, seeded.programme.id).code == "SYKE"
    # Named for another organisation, a person moves: one organisation per programme at most.
    assert _name(contacts, seeded, "VTT", "m1").status_code == 303
    assert programme_services.contact_organisation_of(seeded.people["m1"].id, seeded.programme.id).code == "VTT"
    # Bad input: a clear 422, nothing named.
    path = f"/agency/programmes/{seeded.programme.id}/contacts"
    assert post(contacts, path, {"organisation": "x", "person": seeded.people["a2"].id}, path).status_code == 422
    assert (
        post(contacts, path, {"organisation": seeded.organisations["VTT"].id, "person": 999999}, path).status_code
        == 422
    )
    contact_id = db.session.scalar(db.select(AgencyContact.id).filter_by(user_id=seeded.people["a1"].id))
    assert post(contacts, f"{path}/{contact_id}/remove", {}, path).status_code == 303
    assert programme_services.contact_organisation_of(seeded.people["a1"].id, seeded.programme.id) is None
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.count("agency.contact_named") == 3 and actions.count("agency.contact_removed") == 1
    # Only administrators name contacts; another course's administrator finds nothing.
    assert participant(app, platform, seeded.people["a2"]).get(path).status_code == 403
    assert administrator(app, platform, sub="admin-2", course="99").get(path).status_code == 404


def test_a_contact_sees_exactly_their_own_agency(app, platform, seeded, contacts):
    maija = participant(app, platform, seeded.people["m1"])
    assert "/agency/organisations/" in maija.page("/home")
    syke = seeded.organisations["SYKE"].id
    page = maija.page(f"/agency/organisations/{syke}")
    for name in SYKE_PEOPLE:
        assert name in page
    for name in ("Aku Äijälä", "Matti Möttönen", "Anni Aktori", "Veli Vetäytynyt"):
        assert name not in page
    assert AGREEMENT_PHRASE not in page and JOURNAL_PHRASE not in page
    assert 'data-sharing="participants">4<' in page

    response = maija.get(f"/agency/organisations/{syke}/export.csv", separator="semicolon")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 4 and {r[0] for r in rows[1:]} == set(SYKE_PEOPLE)
    assert len(rows[0]) == 9  # no agreement column
    book = load_workbook(io.BytesIO(maija.get(f"/agency/organisations/{syke}/export.xlsx").get_data()))
    summary, people = book.worksheets
    assert [c.value for c in summary[2]][0] == 4 and people.max_row == 1 + 4

    entries = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action.like("agency.%")).order_by(AuditEntry.id)
    )
    mine = [(e.action, e.target, e.details.get("format")) for e in entries if e.actor_id == seeded.people["m1"].id]
    assert mine == [
        ("agency.viewed", f"organisation:{syke}", None),
        ("agency.exported", f"organisation:{syke}", "csv"),
        ("agency.exported", f"organisation:{syke}", "xlsx"),
    ]


def test_every_agency_route_is_not_found_for_another_agencys_contact(app, platform, seeded, contacts):
    """Aku, LUKE's contact, walks every route of the agency and administrators' pages with SYKE's
    ids: all 404 (the administrators' pages do not exist for him)."""
    aku = participant(app, platform, seeded.people["a1"])
    values = {
        "organisation_id": seeded.organisations["SYKE"].id,
        "programme_id": seeded.programme.id,
        "contact_id": db.session.scalar(db.select(AgencyContact.id).filter_by(user_id=seeded.people["m1"].id)),
        "fmt": "csv",
    }
    g.pop("csrf_token", None)  # the fixture's open request context caches the last viewer's token
    token = aku.csrf()  # a valid form token, so a refusal is about who he is, never a missing token
    walked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/agency/", "/admin/")):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(values.get(name, 1))).replace(
                f"<{name}>", str(values.get(name, 1))
            )
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            data = {"csrf_token": token} if method == "POST" else None
            response = aku.client.open(path, method=method, query_string={"s": aku.token}, data=data)
            walked += 1
            if rule.endpoint == "agency.mine":  # leads to his own agency only
                own = f"/agency/organisations/{seeded.organisations['LUKE'].id}"
                assert response.status_code == 303 and response.headers["Location"].startswith(own)
            else:  # another agency's pages and every administrators' page: "not found", never 403
                assert response.status_code == 404, (method, path, response.status_code)
    assert walked >= 20
    assert aku.get(f"/agency/organisations/{seeded.organisations['LUKE'].id}").status_code == 200  # his own


def test_administrators_keep_their_pages_and_other_participants_are_refused(app, platform, seeded, contacts):
    anni = participant(app, platform, seeded.people["a2"])  # a Learner, no contact
    assert anni.get("/admin/report").status_code == 403
    assert contacts.get("/admin/report").status_code == 200
    assert contacts.get(f"/agency/programmes/{seeded.programme.id}/contacts").status_code == 200


def test_someone_who_is_not_a_contact_finds_nothing(app, platform, seeded, contacts):
    anni = participant(app, platform, seeded.people["a2"])
    assert anni.get("/agency/").status_code == 404
    assert anni.get(f"/agency/organisations/{seeded.organisations['VTT'].id}").status_code == 404
    assert "/agency/organisations/" not in anni.page("/home")


def test_a_contact_who_is_a_facilitator_finds_no_administrator_only_page(app, platform, seeded, contacts):
    """A facilitator named as a contact gets 404, not 403, on every administrator-only page, like
    any other contact; the pages facilitators may use stay open to them."""
    maija = seeded.people["m1"]  # SYKE's contact, now launching as a teacher of the course
    fanni = facilitator(app, platform, sub=maija.subject, name=maija.name, email=maija.email)
    admin_only = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/agency/", "/admin/")) or "GET" not in rule.methods or rule.arguments:
            continue
        roles = getattr(app.view_functions[rule.endpoint], "roles", ())
        status = fanni.get(rule.rule).status_code
        if roles and "facilitator" not in roles:
            admin_only += 1
            assert status == 404, (rule.rule, status)
        else:
            assert status != 403, (rule.rule, status)
    assert admin_only >= 4
    assert fanni.get(f"/agency/programmes/{seeded.programme.id}/contacts").status_code == 404
    assert fanni.get("/admin/report").status_code == 200


def test_sounding_out_is_its_own_state_on_the_agency_page_and_in_its_exports(app, platform, seeded, contacts):
    seeded.groups["trio"].status = SOUNDING_OUT  # Mirja and Antti (SYKE) still sounding out
    db.session.commit()
    maija = participant(app, platform, seeded.people["m1"])
    syke = seeded.organisations["SYKE"].id
    page = maija.page(f"/agency/organisations/{syke}")
    states = dict(
        re.findall(r'<td[^>]*>([^<]+)</td><td[^>]*>[^<]*</td><td[^>]*>[^<]*</td>\s*<td[^>]*data-match="(\w+)"', page)
    )
    assert states == {
        "Maija Mentori": "matched",
        "Mirja Ryhmä": "sounding_out",
        "Antti Ahkera": "sounding_out",
        "Ulla Odottaja": "unmatched",
    }
    assert re.search(r'data-match="sounding_out"[^>]*>tunnustelee<', page)
    assert 'data-sharing="matched">1<' in page and 'data-sharing="sounding-out">2<' in page

    response = maija.get(f"/agency/organisations/{syke}/export.csv", separator="semicolon")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert {r[0]: r[4] for r in rows[1:]} == {
        "Maija Mentori": "kyllä",
        "Mirja Ryhmä": "tunnustelee",
        "Antti Ahkera": "tunnustelee",
        "Ulla Odottaja": "ei",
    }
    book = load_workbook(io.BytesIO(maija.get(f"/agency/organisations/{syke}/export.xlsx").get_data()))
    summary, people = book.worksheets
    assert [c.value for c in summary[2]][:3] == [4, 1, 2]
    assert {r[0].value: r[4].value for r in people.iter_rows(min_row=2)}["Mirja Ryhmä"] == "tunnustelee"
