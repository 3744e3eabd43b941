"""The language a person chooses stays for their next launch; the mail preferences page."""

from app.core.db import db
from app.notifications import services
from app.people.models import User
from tests.support.lti_double import LEARNER
from tests.support.security import csrf
from tests.support.web import launch


def _user(app, sub="5"):
    with app.app_context():
        return db.session.scalar(db.select(User).filter_by(subject=sub))


def test_the_chosen_language_stays_for_the_next_launch(app, platform):
    viewer = launch(app, platform, (LEARNER,), locale="fi")
    assert 'lang="fi"' in viewer.page("/home")
    response = viewer.client.post(
        "/locale", query_string={"s": viewer.token}, data={"csrf_token": csrf(viewer), "locale": "sv", "next": "/home"}
    )
    assert response.status_code == 303
    assert _user(app).language == "sv"
    again = launch(app, platform, (LEARNER,), locale="fi")  # the platform still says Finnish
    assert 'lang="sv"' in again.page("/home")
    assert _user(app).locale == "fi"  # the launch's own stays recorded, as the default


def test_preferences_page_turns_kinds_off_and_on(app, platform):
    viewer = launch(app, platform, (LEARNER,))
    page = viewer.page("/mail/preferences")
    assert 'name="kind-match_published"' in page and "checked" in page
    response = viewer.client.post(
        "/mail/preferences",
        query_string={"s": viewer.token},
        data={"csrf_token": csrf(viewer, "/mail/preferences"), "kind-meeting_waiting": "on", "digest": "on"},
    )
    assert response.status_code == 303
    with app.app_context():
        prefs = services.preferences(_user(app).id)
    assert "match_published" in prefs.off and "meeting_waiting" not in prefs.off
    assert prefs.digest and not prefs.all_off


def test_preferences_need_a_session(client):
    assert client.get("/mail/preferences").status_code == 401


def test_administrators_see_the_mail_by_state_and_who_has_no_address(app, platform):
    from tests.support.admin_web import administrator, facilitator

    admin = administrator(app, platform)
    learner = launch(app, platform, (LEARNER,), sub="77", email=None)
    with app.app_context():
        from app.people.models import Course
        from app.programme.services import create_programme

        course = db.session.scalar(db.select(Course))
        from datetime import date

        programme = create_programme(course.id, name="P", kickoff=date(2026, 1, 1), closing=date(2026, 12, 1))
        db.session.flush()
        user = _user(app, "77")
        db.session.add(user)
        user.email = None
        services.notify(user.id, "at_risk_nudge", "nudge:1", programme)
        db.session.commit()
        from app.notifications.worker import MailWorker

        app.config["MAIL_URL"] = "smtp://127.0.0.1:9"  # nothing listens: no mail may even be tried
        MailWorker().run_once()
    page = admin.page("/mail/outbox")
    assert "Ei sähköpostiosoitetta" in page and "Koordinaattorin muistutukset" in page
    assert "/admin/audit" in page  # the administration pages' navigation
    learner.page("/mail/outbox", status=403)
    # Facilitators see whose mail could not be delivered too, without the administration pages.
    page = facilitator(app, platform).page("/mail/outbox")
    assert "Ei sähköpostiosoitetta" in page and "/admin/audit" not in page


def test_accessibility_feedback_is_mailed_to_administrators_with_the_deadline(app, platform, client):
    from app.notifications.models import Notification
    from tests.support.admin_web import administrator

    administrator(app, platform)
    launch(app, platform, (LEARNER,), sub="78")
    response = client.post("/accessibility/feedback", data={"message": "The contrast is low", "contact": "a@b.fi"})
    assert response.status_code == 303
    with app.app_context():
        rows = db.session.scalars(db.select(Notification)).all()
        assert [r.kind for r in rows] == ["accessibility_feedback"]
        assert db.session.get(User, rows[0].user_id).subject != "78"
        assert set(rows[0].params) == {"deadline"}  # the feedback itself never goes by mail


def test_a_facilitator_sees_how_many_will_be_reminded_and_each_gets_one(app, platform):
    from app.notifications.models import Notification
    from tests.support.programme_web import facilitator, make_programme, post
    from tests.support.programme_web import launch as participant

    staff = facilitator(app, platform)
    participant(app, platform, sub="5")
    participant(app, platform, sub="6")
    programme_id = make_programme(app)
    path = f"/mail/programmes/{programme_id}/remind"
    assert path in staff.page(f"/programmes/{programme_id}/registrations")  # the button to it
    assert ">2 " in staff.page(path) or " 2 " in staff.page(path)
    assert post(staff, path, token_from=path).status_code == 303
    assert post(staff, path, token_from=path).status_code == 303  # pressed again: nobody twice
    with app.app_context():
        kinds = db.session.scalars(db.select(Notification.kind)).all()
    assert kinds == ["registration_reminder", "registration_reminder"]
    learner = participant(app, platform, sub="5")
    learner.page(path, status=403)
