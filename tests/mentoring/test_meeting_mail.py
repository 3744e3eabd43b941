"""Mail about meetings that wait for someone: a reminder three days after a meeting was logged
if it is still unanswered (once, from the mail worker's schedule)."""

from datetime import timedelta

from tests.mentoring.conftest import log


def _reminders(app):
    from app.core.db import db
    from app.notifications.models import Notification

    with app.app_context():
        query = db.select(Notification.user_id, Notification.key).where(Notification.kind == "meeting_reminder")
        return [tuple(row) for row in db.session.execute(query)]


def _schedule(app, after):
    """What the mail worker's loop does, ``after`` the meeting was logged."""
    from app.core.clock import utcnow
    from app.notifications.worker import MailWorker

    with app.app_context():
        MailWorker().run_scheduled(utcnow() + after)


def test_an_unanswered_meeting_is_reminded_once_after_three_days(app, people, pair):
    app.config.update(MAIL_URL="smtp://127.0.0.1:1", MAIL_FROM="mentoring@tool.example")  # nothing is sent here
    mentor, aktori = people["mentor"], people["aktori"]
    assert log(mentor, pair).status_code == 303
    _schedule(app, timedelta(days=2, hours=23))
    assert _reminders(app) == []
    _schedule(app, timedelta(days=3, minutes=1))
    _schedule(app, timedelta(days=4))
    [(user_id, key)] = _reminders(app)
    assert user_id == aktori.user_id  # the logger's own entry is their confirmation


def test_an_answered_meeting_is_not_reminded(app, people, pair):
    app.config.update(MAIL_URL="smtp://127.0.0.1:1", MAIL_FROM="mentoring@tool.example")
    from tests.mentoring.conftest import last_meeting_id

    mentor, aktori = people["mentor"], people["aktori"]
    assert log(mentor, pair).status_code == 303
    meeting = last_meeting_id(app, pair)
    assert aktori.post(f"/mentoring/groups/{pair}/meetings/{meeting}/confirm").status_code == 303
    _schedule(app, timedelta(days=5))
    assert _reminders(app) == []


def _nudges(app):
    from app.core.db import db
    from app.notifications.models import Notification

    with app.app_context():
        query = db.select(Notification.user_id).where(Notification.kind == "at_risk_nudge").order_by(Notification.id)
        return list(db.session.scalars(query))


def test_a_facilitator_nudges_a_pair_at_risk_once_a_day(app, people, pair):
    from app.core.clock import utcnow
    from app.core.db import db
    from app.groups.models import MentoringGroup

    staff = people["staff"]
    page = staff.page(f"/mentoring/groups/{pair}")
    assert f"/mentoring/groups/{pair}/nudge" not in page  # published today: not at risk
    assert staff.post(f"/mentoring/groups/{pair}/nudge").status_code == 409
    assert _nudges(app) == []

    with app.app_context():  # published seven weeks ago, no meeting since
        db.session.get(MentoringGroup, pair).published_at = utcnow() - timedelta(weeks=7)
        db.session.commit()
    assert f"/mentoring/groups/{pair}/nudge" in staff.page(f"/mentoring/groups/{pair}")
    assert staff.post(f"/mentoring/groups/{pair}/nudge").status_code == 303
    assert staff.post(f"/mentoring/groups/{pair}/nudge").status_code == 303  # pressed again: no second mail
    assert sorted(_nudges(app)) == sorted([people["mentor"].user_id, people["aktori"].user_id])
    assert people["aktori"].post(f"/mentoring/groups/{pair}/nudge").status_code == 403
