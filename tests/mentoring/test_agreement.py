"""The mentoring agreement: suggested from the registrations, accepted by every member, a new
version after an edit, history readable, concurrent edits never silently lost."""

from app.mentoring.models import AGREEMENT_SECTIONS
from tests.mentoring.conftest import make_group
from tests.support.web import text


def _registration(app, programme, person, goals, languages=("fi",), prefs=""):
    from app.core.db import db
    from app.programme.models import Registration

    with app.app_context():
        reg = Registration(
            programme_id=programme,
            user_id=person.user_id,
            goals=goals,
            languages=list(languages),
            meeting_preferences=prefs,
        )
        db.session.add(reg)
        db.session.commit()
        return reg.id


def _group_with_registrations(app, programme, members, form):
    from app.core.db import db
    from app.groups.models import GroupMember

    group = make_group(app, programme, [(p, role) for p, role, _ in members], form=form)
    with app.app_context():
        for person, _, reg in members:
            db.session.execute(
                db.update(GroupMember)
                .where(GroupMember.group_id == group, GroupMember.user_id == person.user_id)
                .values(registration_id=reg)
            )
        db.session.commit()
    return group


def save(person, group, base, **texts):
    data = {"base_version": str(base)} | {s: texts.get(s, "") for s in AGREEMENT_SECTIONS}
    return person.post(f"/mentoring/groups/{group}/agreement/edit", data)


def test_suggestion_puts_the_aktoris_goals_first(app, people, programme):
    mentor, aktori = people["mentor"], people["aktori"]
    group = _group_with_registrations(
        app,
        programme,
        [
            (mentor, "mentor", _registration(app, programme, mentor, "Haluan oppia uusia näkökulmia", ("fi", "en"))),
            (
                aktori,
                "aktori",
                _registration(app, programme, aktori, "Projektinhallinta haltuun", ("fi",), "Teams tiistaisin"),
            ),
        ],
        "traditional",
    )
    page = mentor.page(f"/mentoring/groups/{group}/agreement/edit")
    assert "Antti Aktori: Projektinhallinta haltuun" in page
    assert "uusia näkökulmia" not in page  # the mentor's own goals are not the pair's goals
    assert "Teams tiistaisin" in page and "antti.aktori@example.fi" in page
    assert "vähintään 6 kertaa" in page and "45–75" in page
    assert "Puhumme kieltä: suomi." in page


def test_peer_suggestion_holds_both_goals(app, people, programme):
    a, b = people["outsider"], people["outsider2"]
    group = _group_with_registrations(
        app,
        programme,
        [
            (a, "peer", _registration(app, programme, a, "Esimiestyö")),
            (b, "peer", _registration(app, programme, b, "Urasuunnittelu")),
        ],
        "peer",
    )
    page = a.page(f"/mentoring/groups/{group}/agreement/edit")
    assert "Olli Ulkopuolinen: Esimiestyö" in page and "Outi Toinen: Urasuunnittelu" in page


def test_accept_edit_and_accept_again(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    assert save(mentor, pair, 0, confidentiality="Luottamus", goals="Tavoite A").status_code == 303
    for person in (mentor, aktori):
        assert person.post(f"/mentoring/groups/{pair}/agreement/accept", {"version": "1"}).status_code == 303
    # Accepting twice changes nothing.
    assert aktori.post(f"/mentoring/groups/{pair}/agreement/accept", {"version": "1"}).status_code == 303
    assert "Kaikki ovat hyväksyneet tämän version" in text(mentor.page(f"/mentoring/groups/{pair}/agreement"))

    assert save(aktori, pair, 1, confidentiality="Luottamus", goals="Tavoite B").status_code == 303
    page = text(mentor.page(f"/mentoring/groups/{pair}/agreement"))
    assert "Versio 2" in page and "Tavoite B" in page and "Hyväksyn version 2" in page
    assert "Kaikki ovat hyväksyneet tämän version" not in page
    old = text(mentor.page(f"/mentoring/groups/{pair}/agreement/versions/1"))
    assert "Tavoite A" in old and "aiempi versio" in old
    # Accepting the old version is refused: there is a newer one.
    response = mentor.post(f"/mentoring/groups/{pair}/agreement/accept", {"version": "1"})
    assert response.status_code == 409
    # Saving the same text again makes no new version.
    assert save(aktori, pair, 2, confidentiality="Luottamus", goals="Tavoite B").status_code == 303
    assert mentor.get(f"/mentoring/groups/{pair}/agreement/versions/3").status_code == 404


def test_concurrent_edits_never_overwrite(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    save(mentor, pair, 0, goals="Alku")
    # Both open version 1; the aktori saves first.
    assert save(aktori, pair, 1, goals="Aktorin muutos").status_code == 303
    response = save(mentor, pair, 1, goals="Mentorin muutos")
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Toinen jäsen tallensi uudemman version (versio 2)" in text(body)
    assert "Mentorin muutos" in body and "Aktorin muutos" in body  # nothing lost, both visible
    assert 'name="base_version" value="2"' in body
    assert "Aktorin muutos" in text(aktori.page(f"/mentoring/groups/{pair}/agreement"))


def test_empty_agreement_is_refused(app, people, pair):
    response = save(people["mentor"], pair, 0)
    assert response.status_code == 422 and "Kirjoita vähintään yksi sopimuksen kohta" in response.get_data(as_text=True)


def test_reminder_to_accept_before_the_third_meeting(app, people, pair):
    from tests.mentoring.conftest import last_meeting_id, log

    mentor, aktori = people["mentor"], people["aktori"]
    save(mentor, pair, 0, goals="x")
    assert "Lue ja hyväksy mentorointisopimus" in text(aktori.page("/home"))
    for days in (20, 10):
        log(mentor, pair, days_ago=days)
        aktori.post(f"/mentoring/groups/{pair}/meetings/{last_meeting_id(app, pair)}/confirm")
    home = aktori.page("/home")
    assert "Lue ja hyväksy mentorointisopimus" in text(home)
    assert "reminder urgent" in home


def test_print_stylesheet_hides_the_chrome(app):
    from pathlib import Path

    css = (Path(app.root_path) / "static" / "app.css").read_text()
    assert "@media print" in css and ".agreement-actions" in css
