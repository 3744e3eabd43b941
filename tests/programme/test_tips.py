"""Tips about colleagues not yet on the course (issue 16): given at registration, seen by the
facilitators only, worked through an outreach list, linked when the colleague registers (then the
nominator's wish counts in matching), deleted on request and purged at the programme's end."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.audit import AuditEntry
from app.core.db import db
from app.matching import services as matching
from app.people.models import User
from app.programme import rules
from app.programme.models import ColleagueTip, Programme
from tests.support.lti_double import INSTRUCTOR
from tests.support.programme_web import launch, make_programme, post, register_data, text


@pytest.fixture
def pid(app, platform):
    launch(app, platform, (INSTRUCTOR,), sub="4")
    return make_programme(app)


def _tips(app):
    with app.app_context():
        return [
            (t.name, t.email, t.status, t.joined_user_id, t.status_changed_by_id)
            for t in db.session.scalars(db.select(ColleagueTip).order_by(ColleagueTip.id))
        ]


def _actions(app):
    with app.app_context():
        return [(e.action, e.details) for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]


TIP = {
    "tip_name": "Elina Nieminen",
    "tip_email": "User7@Example.fi",
    "tip_role": "mentor",
    "tip_why": "Kokenut projektipäällikkö",
    "tip_organisation": "",
}


def test_a_tip_from_registration_to_joined_and_counted_as_a_nomination(app, platform, pid):
    aino = launch(app, platform)
    assert post(aino, "/register", register_data(app, pid)).status_code == 303
    assert "/register/tip" in aino.page("/register")
    bad = post(aino, "/register/tip", {**TIP, "tip_email": "ei-osoite"}, token_from="/register/tip")
    assert bad.status_code == 422 and "tip_email-error" in bad.get_data(as_text=True)
    assert _tips(app) == []  # bad input saves nothing
    response = post(aino, "/register/tip", TIP, token_from="/register/tip")
    assert response.status_code == 303
    assert _tips(app) == [("Elina Nieminen", "User7@Example.fi", "to_contact", None, None)]

    # Only the facilitators see tips; another course's staff find nothing.
    assert aino.get(f"/programmes/{pid}/tips").status_code == 403
    other = launch(app, platform, (INSTRUCTOR,), sub="40", course="99")
    assert other.get(f"/programmes/{pid}/tips").status_code == 404
    staff = launch(app, platform, (INSTRUCTOR,), sub="4")
    page = staff.page(f"/programmes/{pid}/tips")
    assert "Elina Nieminen" in page and "Kokenut projektipäällikkö" in page and "User7@Example.fi" in page
    tip_id = int(page.split('id="tip-')[1].split('"')[0])
    path = f"/programmes/{pid}/tips/{tip_id}/status"
    assert post(staff, path, {"status": "lost"}, token_from=f"/programmes/{pid}/tips").status_code == 400
    assert post(staff, path, {"status": "contacted"}, token_from=f"/programmes/{pid}/tips").status_code == 303
    with app.app_context():
        staff_id = db.session.scalar(db.select(User.id).filter_by(subject="4"))
    assert _tips(app)[0][2:] == ("contacted", None, staff_id)

    # The colleague launches and registers: the tip links to them and counts as Aino's wish.
    elina = launch(app, platform, sub="7")
    post(elina, "/register", register_data(app, pid, role_wish="mentor", themes_offered=["leadership"]))
    with app.app_context():
        elina_id = db.session.scalar(db.select(User.id).filter_by(subject="7"))
        programme = db.session.get(Programme, pid)
        registrations = matching.active_registrations(programme)
        by_user = {r.user_id: r.id for r in registrations}
        cohort = matching.cohort_rules(programme, registrations)
        aino_id = db.session.scalar(db.select(User.id).filter_by(subject="5"))
        assert cohort[by_user[aino_id]].nominated == by_user[elina_id]
    assert _tips(app)[0][2:4] == ("joined", elina_id)
    assert "Elina Nieminen" in text(staff.page(f"/programmes/{pid}/tips"))

    # On the colleague's request the tip goes; the log never names them.
    delete = f"/programmes/{pid}/tips/{tip_id}/delete"
    assert post(staff, delete, {}, token_from=f"/programmes/{pid}/tips").status_code == 303
    assert _tips(app) == []
    actions = _actions(app)
    assert [a for a, _ in actions if a.startswith("tips.")] == ["tips.added", "tips.status", "tips.deleted"]
    assert "Elina" not in repr(actions) and "user7" not in repr(actions).lower()


def test_tips_are_purged_at_the_programme_end(app, platform, pid):
    aino = launch(app, platform)
    post(aino, "/register", register_data(app, pid))
    assert post(aino, "/register/tip", TIP, token_from="/register/tip").status_code == 303
    with app.app_context():
        closing = db.session.get(Programme, pid).closing
    runner = app.test_cli_runner()
    before = runner.invoke(args=["privacy", "purge", "--yes", "--today", closing.isoformat()])
    assert before.exit_code == 0 and len(_tips(app)) == 1
    dry = runner.invoke(args=["privacy", "purge", "--dry-run", "--today", (closing + timedelta(days=1)).isoformat()])
    assert "would delete colleague_tip 1" in dry.output and len(_tips(app)) == 1
    done = runner.invoke(args=["privacy", "purge", "--yes", "--today", (closing + timedelta(days=1)).isoformat()])
    assert done.exit_code == 0, done.output
    assert _tips(app) == []
    assert ("tips.purged", {"rows": 1}) in _actions(app)


# -- the rules ------------------------------------------------------------------------------------


def test_tip_problems():
    good = rules.TipInput("Elina", None, "e@x.fi", "mentor", "")
    assert rules.tip_problems(good, organisations=[1]) == []
    bad = rules.TipInput(" ", 5, "nope", "boss", "x" * 501)
    assert [p[0] for p in rules.tip_problems(bad, organisations=[1])] == [
        "tip_name",
        "tip_email",
        "tip_organisation",
        "tip_role",
        "tip_why",
    ]


emails = st.sampled_from(["a@x.fi", "A@X.fi ", "b@x.fi", ""])
tip_rows = st.lists(
    st.tuples(emails, st.sampled_from(rules.TIP_STATUSES), st.none() | st.integers(1, 5)), max_size=8
).map(lambda rows: [(k, *row) for k, row in enumerate(rows)])  # unique tip ids


@given(tip_rows, emails)
def test_only_unlinked_undeclined_tips_with_the_same_address_link(tips, email):
    linked = rules.tips_to_link(tips, email)
    for tip_id, tip_email, status, joined in tips:
        should = joined is None and status != rules.TIP_DECLINED and rules.same_email(tip_email, email)
        assert (tip_id in linked) == should
    if email == "":
        assert linked == []  # no address links nothing


@given(st.lists(st.tuples(st.integers(1, 5), st.none() | st.integers(1, 5), st.sampled_from(rules.TIP_STATUSES))))
def test_a_nomination_only_from_a_joined_colleague_never_oneself(tips):
    wishes = rules.tip_nominations(tips)
    for nominator, colleague in wishes.items():
        assert nominator != colleague
        assert (nominator, colleague, rules.TIP_JOINED) in tips
        first = next(j for n, j, s in tips if n == nominator and j is not None and s == rules.TIP_JOINED and j != n)
        assert colleague == first


def test_the_registration_form_takes_a_whole_tip_or_none(app, platform, pid):
    from app.programme.models import Registration

    aino = launch(app, platform)
    assert 'name="tip_name"' in aino.page("/register")
    # Part of a tip: refused with a clear message, and nothing is saved, the registration neither.
    bad = post(aino, "/register", {**register_data(app, pid), "tip_name": "Elina Nieminen"})
    assert bad.status_code == 422
    assert "Täydennä vihje kollegasta" in text(bad.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0
    assert _tips(app) == []

    response = post(aino, "/register", {**register_data(app, pid), **TIP})
    assert response.status_code == 303 and "tip=1" in response.headers["Location"]
    assert _tips(app) == [("Elina Nieminen", "User7@Example.fi", "to_contact", None, None)]
    assert "vihjeesi on vastaanotettu" in text(aino.page("/register", saved="1", tip="1"))

    # Saved again with the section empty: no new tip; the separate tip page still works.
    assert post(aino, "/register", register_data(app, pid)).status_code == 303
    assert len(_tips(app)) == 1
    assert post(aino, "/register/tip", TIP, token_from="/register/tip").status_code == 303
    assert len(_tips(app)) == 2


@given(st.text(max_size=5), st.sampled_from(["", "a@b.fi"]), st.sampled_from(["", "mentor"]), st.text(max_size=5))
def test_the_tip_section_is_all_or_nothing(name, email, role, why):
    data = rules.TipInput(name=name, organisation_id=None, email=email, role=role, why=why)
    problems = rules.optional_tip_problems(data, organisations=[1])
    if not rules.tip_given(data):
        assert problems == []
    elif problems:
        assert "leave all its fields empty" in problems[0][1]
        assert problems[1:] == rules.tip_problems(data, organisations=[1])
    else:
        assert name.strip() and email and role  # a whole tip
