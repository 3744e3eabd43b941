"""The facilitator's matching page and the participant's match, over HTTP.

Suggestions are drafts that participants never see; publishing (selected groups or all) shows a
group to its members only, with the partner's profile and the participant-safe reasons. Hand
edits: must-not-pair can never be overridden, other broken rules need a confirmation and then
show a warning; lock, split, swap, delete. Staff of another course get 404 for everything.
"""

import re

import pytest

from app.core.audit import AuditEntry
from app.core.db import db
from app.groups.models import DRAFT, PUBLISHED, SOUNDING_OUT, GroupMember, MentoringGroup
from app.people.models import User
from app.programme.models import Programme, Registration
from tests.support.programme_web import facilitator, launch, make_programme, post, text

# sub: (role wish, forms, offered, wanted, languages, capacity)
COHORT = {
    "5": ("aktori", ["traditional"], [], ["leadership"], ["fi"], 1),  # Aino
    "6": ("mentor", ["traditional"], ["project_management"], [], ["fi"], 1),  # Mikko, names Elina
    "7": ("aktori", ["traditional"], [], ["project_management"], ["fi"], 1),  # Elina, names Mikko
    "8": ("peer", ["peer"], ["communication"], ["new_technology"], ["sv", "fi"], 1),  # Johan
    "9": ("peer", ["peer"], ["new_technology"], ["communication"], ["sv", "fi"], 1),  # Sanna
    "10": ("mentor", ["traditional"], ["leadership"], [], ["fi"], 1),  # Pekka
    "11": ("aktori", ["traditional"], [], ["leadership"], ["fi"], 1),  # Maria, must not pair with Pekka
}


@pytest.fixture
def cohort(app, platform):
    staff = facilitator(app, platform)
    people = {sub: launch(app, platform, sub=sub) for sub in COHORT}
    pid = make_programme(app)
    with app.app_context():
        users = {u.subject: u.id for u in db.session.scalars(db.select(User))}
        programme = db.session.get(Programme, pid)
        org = {o.code: o.id for o in programme.organisations}
        for sub, (role, forms, offered, wanted, languages, capacity) in COHORT.items():
            db.session.add(
                Registration(
                    programme_id=pid,
                    user_id=users[sub],
                    role_wish=role,
                    forms=forms,
                    organisation_id=org["SYKE"],
                    unit=f"Yksikkö {sub}",
                    themes_offered=offered,
                    themes_wanted=wanted,
                    languages=languages,
                    capacity=capacity,
                    goals=f"Tavoitteeni {sub}: kehittyä johtamisessa.",
                    counterpart_user_id={"6": users["7"], "7": users["6"]}.get(sub),
                    must_not_pair=[users["10"]] if sub == "11" else [],
                    mentor_tip="Salainen vihje" if sub == "5" else "",
                )
            )
        db.session.commit()
    return {"staff": staff, "people": people, "pid": pid, "users": users}


def groups(app, pid, status=None) -> list[dict]:
    with app.app_context():
        query = db.select(MentoringGroup).filter_by(programme_id=pid)
        if status:
            query = query.filter_by(status=status)
        return [
            {
                "id": g.id,
                "form": g.form,
                "status": g.status,
                "locked": g.locked,
                "members": {m.user.subject: (m.role, m.id) for m in g.members},
            }
            for g in db.session.scalars(query.order_by(MentoringGroup.id))
        ]


def group_with(app, pid, sub) -> dict:
    return next(g for g in groups(app, pid) if sub in g["members"])


def compute(cohort):
    page = f"/matching/programmes/{cohort['pid']}"
    response = post(cohort["staff"], f"{page}/compute", token_from=page)
    assert response.status_code == 303
    return page


def test_suggestions_are_drafts_that_participants_never_see(app, cohort):
    page_path = compute(cohort)
    drafts = groups(app, cohort["pid"], DRAFT)
    mikko = group_with(app, cohort["pid"], "6")
    assert mikko["members"].keys() == {"6", "7"} and mikko["form"] == "traditional"
    assert not any({"10", "11"} <= g["members"].keys() for g in drafts)  # must not pair
    page = cohort["staff"].page(page_path)
    assert "Mikko Korhonen ja Elina Nieminen ehdottivat toisiaan" in text(page)
    assert "yhteinen kieli: suomi" in text(page)
    unmatched = text(page.split('id="unmatched"')[1].split('id="published"')[0])
    drafted = {sub for g in drafts for sub in g["members"]}
    names = {
        "5": "Aino Virtanen",
        "6": "Mikko Korhonen",
        "7": "Elina Nieminen",
        "8": "Johan Lindqvist",
        "9": "Sanna Mäkinen",
        "10": "Pekka Hämäläinen",
        "11": "Maria Sjöberg",
    }
    for sub, name in names.items():
        assert (name in unmatched) == (sub not in drafted), name
    for sub, viewer in cohort["people"].items():
        assert "has not been published yet" in viewer.page("/matching/mine", status=200, lang="en")
        home = viewer.page("/home")
        assert "Katso parisi tai ryhmäsi" not in home
        assert "Elina Nieminen" not in home.split("<main")[1] or sub == "7"


def test_publish_selected_shows_the_match_to_its_members_only(app, cohort):
    page_path = compute(cohort)
    mikko = group_with(app, cohort["pid"], "6")
    response = post(
        cohort["staff"],
        f"/matching/programmes/{cohort['pid']}/publish",
        {"group_id": [str(mikko["id"])]},
        token_from=page_path,
    )
    assert response.status_code == 303
    # Published, the pair first sounds out whether it fits (issue 16); it is not yet agreed.
    assert [g["id"] for g in groups(app, cohort["pid"], SOUNDING_OUT)] == [mikko["id"]]
    assert groups(app, cohort["pid"], PUBLISHED) == []
    assert "1 ryhmä julkaistu" in cohort["staff"].page(page_path, done="published", count="1")
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).filter_by(action="matching.publish"))
        assert entry.details == {"group_ids": [mikko["id"]]} and entry.actor.subject == "4"

    home = cohort["people"]["6"].page("/home")
    assert "Katso parisi tai ryhmäsi" in home
    mine = text(cohort["people"]["6"].page("/matching/mine"))
    assert "Elina Nieminen – aktori" in mine
    assert "Tavoitteeni 7: kehittyä johtamisessa." in mine and "Yksikkö 7" in mine and "Projektien hallinta" in mine
    assert "Mikko Korhonen ja Elina Nieminen ehdottivat toisiaan" in mine
    assert "Tavoitteeni 6" not in mine  # one's own registration is not repeated as a partner
    elina = text(cohort["people"]["7"].page("/matching/mine"))
    assert "Mikko Korhonen – mentori" in elina
    # Everyone else: nothing, not even the drafts they are in.
    for sub in ("5", "8", "9", "10", "11"):
        assert "ole vielä julkaistu" in cohort["people"][sub].page("/matching/mine", status=200)
        assert "Elina" not in text(cohort["people"][sub].page("/home"))
    # Published members can no longer edit their registration.
    assert "ei voi enää muuttaa" in cohort["people"]["6"].page("/register")


def test_participants_never_see_registrations_or_matching_pages(app, cohort):
    compute(cohort)
    aino = cohort["people"]["5"]
    pid = cohort["pid"]
    for path in (f"/matching/programmes/{pid}", f"/programmes/{pid}/registrations", f"/programmes/{pid}"):
        aino.page(path, status=403)
    group = groups(app, pid)[0]
    member = next(iter(group["members"].values()))[1]
    for path in (
        f"/matching/programmes/{pid}/groups/{group['id']}/edit",
        f"/matching/programmes/{pid}/groups/{group['id']}/members/{member}/swap",
    ):
        aino.page(path, status=403)
    assert post(aino, f"/matching/programmes/{pid}/publish", {"all": "1"}).status_code == 403
    assert groups(app, pid, PUBLISHED) == []
    # The registration page shows the roster's names only, never what others registered.
    page = aino.page("/register")
    assert "Tavoitteeni 6" not in page and "Salainen vihje" in page  # her own tip, nobody else's data


def test_other_courses_staff_get_404(app, platform, cohort):
    compute(cohort)
    pid = cohort["pid"]
    group = groups(app, pid)[0]
    other = facilitator(app, platform, sub="40", course="3")
    other.page(f"/matching/programmes/{pid}", status=404)
    other.page(f"/matching/programmes/{pid}/groups/new", status=404)
    for path in (
        f"/matching/programmes/{pid}/compute",
        f"/matching/programmes/{pid}/publish",
        f"/matching/programmes/{pid}/groups/{group['id']}/lock",
        f"/matching/programmes/{pid}/groups/{group['id']}/delete",
    ):
        assert post(other, path, {"all": "1", "locked": "1"}).status_code == 404, path
    assert groups(app, pid, PUBLISHED) == [] and not any(g["locked"] for g in groups(app, pid))
    # Nor may a group id of another programme be used through one's own programme.
    launch(app, platform, sub="41", course="3")
    own = make_programme(app, "3")
    assert post(other, f"/matching/programmes/{own}/groups/{group['id']}/delete").status_code == 404


def _reg(app, pid, sub):
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(subject=sub))
        return db.session.scalar(db.select(Registration.id).filter_by(programme_id=pid, user_id=user.id))


def test_must_not_pair_cannot_be_overridden(app, cohort):
    pid, staff = cohort["pid"], cohort["staff"]
    path = f"/matching/programmes/{pid}/groups/new"
    data = {
        "form": "traditional",
        "person0": _reg(app, pid, "10"),
        "role0": "mentor",
        "person1": _reg(app, pid, "11"),
        "role1": "aktori",
        "person2": "",
        "role2": "aktori",
    }
    response = post(staff, path, data, token_from=path)
    assert response.status_code == 409
    body = text(response.get_data(as_text=True))
    assert "Pekka Hämäläinen ja Maria Sjöberg eivät saa olla samassa parissa" in body
    assert "Tee muutos silti" not in body
    response = post(staff, path, {**data, "override": "1"}, token_from=path)
    assert response.status_code == 409
    assert groups(app, pid) == []


def test_soft_problems_need_confirmation_then_show_a_warning(app, cohort):
    pid, staff = cohort["pid"], cohort["staff"]
    path = f"/matching/programmes/{pid}/groups/new"
    # Aino wished to be an aktori; as a mentor, with a peer who accepts only peer mentoring.
    data = {
        "form": "traditional",
        "person0": _reg(app, pid, "5"),
        "role0": "mentor",
        "person1": _reg(app, pid, "8"),
        "role1": "aktori",
        "person2": "",
        "role2": "aktori",
    }
    response = post(staff, path, data, token_from=path)
    assert response.status_code == 200
    body = text(response.get_data(as_text=True))
    assert "Aino Virtanen toivoi toista roolia (aktori)" in body
    assert "Johan Lindqvist ei hyväksy muotoa perinteinen mentorointi" in body
    assert "Tee muutos silti" in body and groups(app, pid) == []
    assert post(staff, path, {**data, "override": "1"}, token_from=path).status_code == 303
    [group] = groups(app, pid)
    assert group["locked"] and group["members"]["5"][0] == "mentor"
    page = text(staff.page(f"/matching/programmes/{pid}"))
    assert "Varoitus: tämä ryhmä rikkoo parinmuodostuksen sääntöjä" in page
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).filter_by(action="matching.edit"))
        assert entry.details["override"] is True
    # A computation keeps the locked hand-made group.
    compute(cohort)
    assert group["id"] in [g["id"] for g in groups(app, pid)]


def test_lock_split_swap_delete(app, cohort):
    pid, staff = cohort["pid"], cohort["staff"]
    page_path = compute(cohort)
    base = f"/matching/programmes/{pid}/groups"
    mikko = group_with(app, pid, "6")
    assert post(staff, f"{base}/{mikko['id']}/lock", {"locked": "1"}, token_from=page_path).status_code == 303
    assert group_with(app, pid, "6")["locked"]
    compute(cohort)
    assert group_with(app, pid, "6")["id"] == mikko["id"]  # kept
    # Swap the two aktoris of two mentor pairs: each takes the other's place.
    pekka = group_with(app, pid, "10")
    aktori = next(s for s, (role, _) in pekka["members"].items() if role == "aktori")
    swap_path = f"{base}/{mikko['id']}/members/{mikko['members']['7'][1]}/swap"
    assert "Vaihda henkilöön" in staff.page(swap_path)
    response = post(staff, swap_path, {"other": pekka["members"][aktori][1]}, token_from=page_path)
    assert response.status_code == 303
    assert set(group_with(app, pid, "6")["members"]) == {"6", aktori}
    assert set(group_with(app, pid, "10")["members"]) == {"10", "7"}
    # Split one person off a pair: the pair is dissolved, both are unmatched.
    peers = group_with(app, pid, "8")
    assert (
        post(staff, f"{base}/{peers['id']}/members/{peers['members']['8'][1]}/remove", token_from=page_path).status_code
        == 303
    )
    assert not any("8" in g["members"] or "9" in g["members"] for g in groups(app, pid))
    assert "Johan Lindqvist" in staff.page(page_path).split('id="unmatched"')[1]
    # Delete a draft.
    pekka = group_with(app, pid, "10")
    assert post(staff, f"{base}/{pekka['id']}/delete", token_from=page_path).status_code == 303
    assert not any("10" in g["members"] for g in groups(app, pid))
    with app.app_context():
        actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.count("matching.compute") == 2
    assert {"matching.lock", "matching.swap", "matching.split", "matching.delete"} <= set(actions)


def test_group_mentoring_by_hand_and_publish_all(app, cohort):
    pid, staff = cohort["pid"], cohort["staff"]
    with app.app_context():
        reg = db.session.get(Registration, _reg(app, pid, "10"))
        reg.capacity, reg.forms = 2, ["traditional", "group"]
        for sub in ("5", "7"):
            db.session.get(Registration, _reg(app, pid, sub)).forms = ["traditional", "group"]
        db.session.commit()
    page_path = compute(cohort)
    path = f"/matching/programmes/{pid}/groups/new"
    data = {
        "form": "group",
        "person0": _reg(app, pid, "10"),
        "role0": "mentor",
        "person1": _reg(app, pid, "5"),
        "role1": "aktori",
        "person2": _reg(app, pid, "7"),
        "role2": "aktori",
    }
    assert post(staff, path, data, token_from=path).status_code == 303
    group = group_with(app, pid, "10")
    assert group["form"] == "group" and set(group["members"]) == {"10", "5", "7"}
    assert not any("6" in g["members"] for g in groups(app, pid))  # Mikko's pair was dissolved
    response = post(
        staff, f"/matching/programmes/{pid}/publish", {"group_id": confirmed_drafts(staff, pid)}, token_from=page_path
    )
    assert response.status_code == 303
    assert groups(app, pid, DRAFT) == []
    mine = text(cohort["people"]["5"].page("/matching/mine"))
    assert "Pekka Hämäläinen – mentori" in mine and "Elina Nieminen – aktori" in mine
    assert "Muoto: ryhmämentorointi" in mine


def confirmed_drafts(staff, pid) -> list[str]:
    """The group ids "Publish all drafts" asks to confirm."""
    page = staff.page(f"/matching/programmes/{pid}/publish")
    return re.findall(r'<input type="hidden" name="group_id" value="(\d+)">', page)


def test_publish_all_asks_first_and_shows_what_it_publishes(app, cohort):
    compute(cohort)
    pid, staff = cohort["pid"], cohort["staff"]
    drafts = groups(app, pid, DRAFT)
    index = staff.page(f"/matching/programmes/{pid}")
    assert f'href="/matching/programmes/{pid}/publish?s=' in index  # a link to the question, not a POST
    page = staff.page(f"/matching/programmes/{pid}/publish")
    assert "Julkaistaanko kaikki luonnokset?" in page
    assert sorted(confirmed_drafts(staff, pid)) == sorted(str(g["id"]) for g in drafts)
    assert "Mikko Korhonen" in page and "Elina Nieminen" in page
    assert groups(app, pid, PUBLISHED) == []  # asking published nothing
    response = post(staff, f"/matching/programmes/{pid}/publish", {"group_id": confirmed_drafts(staff, pid)})
    assert response.status_code == 303 and groups(app, pid, DRAFT) == []


def test_withdrawal_dissolves_the_draft(app, cohort):
    compute(cohort)
    pid = cohort["pid"]
    mikko = group_with(app, pid, "6")
    assert (
        post(cohort["people"]["7"], "/register/withdraw", {"confirm": "yes"}, token_from="/register").status_code == 303
    )
    assert mikko["id"] not in [g["id"] for g in groups(app, pid)]
    page = cohort["staff"].page(f"/matching/programmes/{pid}")
    assert "Mikko Korhonen" in page.split('id="unmatched"')[1]
    assert "Elina Nieminen" not in page.split('id="unmatched"')[1]
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count(GroupMember.id))
                .join(MentoringGroup)
                .filter(MentoringGroup.programme_id == pid, GroupMember.user_id == cohort["users"]["7"])
            )
            == 0
        )


def test_editing_a_drafted_registration_rescores_it(app, cohort):
    compute(cohort)
    pid = cohort["pid"]
    with app.app_context():
        before = db.session.get(MentoringGroup, group_with(app, pid, "7")["id"]).score
    from tests.support.programme_web import register_data

    data = register_data(
        app,
        pid,
        forms=["traditional"],
        themes_wanted=["project_management", "leadership"],
        goals="Projektien hallinta ja johtaminen kiinnostavat.",
    )
    assert post(cohort["people"]["7"], "/register", data).status_code == 303
    with app.app_context():
        group = db.session.get(MentoringGroup, group_with(app, pid, "7")["id"])
        assert group.status == DRAFT and group.score != before


def test_facilitator_only_reasons_stay_with_facilitators(app, cohort):
    """A nomination that was not kept is for the facilitator; members see only the reasons meant
    for them."""
    pid, staff = cohort["pid"], cohort["staff"]
    with app.app_context():
        aino = db.session.get(Registration, _reg(app, pid, "5"))
        aino.counterpart_user_id = cohort["users"]["8"]  # a peer: cannot be her mentor
        db.session.commit()
    page_path = compute(cohort)
    group = group_with(app, pid, "5")
    facilitator_view = text(staff.page(page_path))
    assert "Aino Virtanen ehdotti henkilöä Johan Lindqvist, mutta ehdotusta ei voitu toteuttaa" in facilitator_view
    post(staff, f"/matching/programmes/{pid}/publish", {"group_id": [str(group["id"])]}, token_from=page_path)
    for sub in group["members"]:
        mine = text(cohort["people"][sub].page("/matching/mine"))
        assert "Miksi teidät yhdistettiin" in mine and "yhteinen kieli: suomi" in mine
        assert "ehdotusta ei voitu toteuttaa" not in mine and "Johan Lindqvist" not in mine


def test_a_new_must_not_pair_entry_dissolves_the_draft(app, cohort):
    compute(cohort)
    pid = cohort["pid"]
    elina_group = group_with(app, pid, "7")
    from tests.support.programme_web import register_data

    data = register_data(
        app, pid, forms=["traditional"], themes_wanted=["project_management"], must_not_pair=[str(cohort["users"]["6"])]
    )
    assert post(cohort["people"]["7"], "/register", data).status_code == 303
    assert elina_group["id"] not in [g["id"] for g in groups(app, pid)]
    compute(cohort)
    assert not any({"6", "7"} <= g["members"].keys() for g in groups(app, pid))


def test_splitting_a_group_of_three_leaves_a_pair(app, cohort):
    pid, staff = cohort["pid"], cohort["staff"]
    with app.app_context():
        db.session.get(Registration, _reg(app, pid, "10")).capacity = 2
        for sub in ("10", "5", "11"):
            db.session.get(Registration, _reg(app, pid, sub)).forms = ["traditional", "group"]
        db.session.get(Registration, _reg(app, pid, "11")).must_not_pair = []
        db.session.commit()
    path = f"/matching/programmes/{pid}/groups/new"
    data = {
        "form": "group",
        "person0": _reg(app, pid, "10"),
        "role0": "mentor",
        "person1": _reg(app, pid, "5"),
        "role1": "aktori",
        "person2": _reg(app, pid, "11"),
        "role2": "aktori",
    }
    assert post(staff, path, data, token_from=path).status_code == 303
    group = group_with(app, pid, "10")
    # Taking Maria into a new pair by hand splits her off the group: a traditional pair remains.
    data = {
        "form": "traditional",
        "person0": _reg(app, pid, "6"),
        "role0": "mentor",
        "person1": _reg(app, pid, "11"),
        "role1": "aktori",
        "person2": "",
        "role2": "aktori",
    }
    assert post(staff, path, data, token_from=path).status_code == 303
    [rest] = [g for g in groups(app, pid) if g["id"] == group["id"]]
    assert rest["form"] == "traditional" and set(rest["members"]) == {"10", "5"}
    page = text(staff.page(f"/matching/programmes/{pid}"))
    assert "Varoitus" not in page


def test_a_reason_appears_once_per_group(app):
    from types import SimpleNamespace

    from app.matching.engine.types import Reason
    from app.matching.routes import reason_texts

    programme = SimpleNamespace(themes=[], organisations=[])
    same = Reason("same_language", {"language": "fi", "languages": ["fi"]})
    with app.test_request_context("/?lang=fi"):
        texts = reason_texts(programme, [same, Reason("same_language", {"language": "fi", "languages": ["fi"]})])
    assert len(texts) == 1


def test_published_groups_are_listed_a_page_at_a_time(app, cohort, monkeypatch):
    """A programme of 10,000 has 5,000 published pairs: the matching page shows a page of them."""
    from app.matching import page as matching_page

    pid, staff = cohort["pid"], cohort["staff"]
    page_path = compute(cohort)
    drafts = confirmed_drafts(staff, pid)
    assert (
        post(staff, f"/matching/programmes/{pid}/publish", {"group_id": drafts}, token_from=page_path).status_code
        == 303
    )
    published = [g["id"] for g in groups(app, pid)]
    assert len(published) >= 2
    monkeypatch.setattr(matching_page, "PUBLISHED_PAGE_SIZE", 1)
    first = staff.page(page_path)
    listed = first.split('id="published"')[1]
    assert f"Ryhmä {published[0]}:" in listed and f"Ryhmä {published[1]}:" not in listed
    assert "Seuraava sivu" in listed and "Edellinen sivu" not in listed
    assert f"<dd>{len(published)}</dd>" in first.split("</dl>")[0]  # the count is of all, not the page
    second = staff.page(page_path, page="2").split('id="published"')[1]
    assert f"Ryhmä {published[1]}:" in second and f"Ryhmä {published[0]}:" not in second
    assert "Edellinen sivu" in second
