"""Survey reminders through the notifications outbox: when a survey opens and in its last days,
to those who have not answered, each once however often the command runs."""

from datetime import date, timedelta

from flask import render_template
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.evaluation import rules
from tests.evaluation.conftest import register


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, busy machine
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=-40, max_value=40))
def test_a_reminder_is_due_only_while_the_survey_is_open(opens, offset):
    w = rules.Window(opens, opens + timedelta(days=rules.OPEN_DAYS - 1))
    today = opens + timedelta(days=offset)
    stage = rules.reminder_stage(w, today)
    assert (stage is not None) == (rules.state(w, today) == "open")
    assert (stage == "closing") == (
        stage is not None and w.closes - today < timedelta(days=rules.CLOSING_REMINDER_DAYS)
    )


def test_the_stages():
    w = rules.Window(date(2026, 3, 1), date(2026, 3, 21))
    assert rules.reminder_stage(w, date(2026, 2, 28)) is None
    assert rules.reminder_stage(w, date(2026, 3, 1)) == "opened"
    assert rules.reminder_stage(w, date(2026, 3, 18)) == "opened"
    assert rules.reminder_stage(w, date(2026, 3, 19)) == "closing"
    assert rules.reminder_stage(w, date(2026, 3, 21)) == "closing"
    assert rules.reminder_stage(w, date(2026, 3, 22)) is None


def _outbox(app):
    from app.core.db import db
    from app.notifications.models import Notification

    with app.app_context():
        rows = db.session.scalars(db.select(Notification).where(Notification.kind == "survey_reminder"))
        return sorted((r.user_id, r.params["survey"], r.params["stage"]) for r in rows)


def _remind(app):
    result = app.test_cli_runner().invoke(args=["evaluation", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def test_those_who_have_not_answered_are_reminded_once_per_stage(app, people, programme, pair):
    from app.core.db import db
    from app.programme.models import Programme

    mentor, aktori, peer = people["mentor"], people["aktori"], people["outsider"]
    register(app, programme, peer, "peer", "SYKE")
    assert aktori.post("/evaluation/surveys/midpoint", {"goals": "4"}).status_code == 303

    assert '"queued": 2' in _remind(app)
    assert _outbox(app) == sorted([(mentor.user_id, "midpoint", "opened"), (peer.user_id, "midpoint", "opened")])
    # Again: nobody gets a second one.
    assert '"queued": 0' in _remind(app)
    assert len(_outbox(app)) == 2

    # Two days before it closes: the closing reminder, once, still not to the one who answered.
    with app.app_context():
        db.session.get(Programme, programme).midpoint = date.today() - timedelta(days=rules.OPEN_DAYS - 3)
        db.session.commit()
    assert '"queued": 2' in _remind(app)
    assert '"queued": 0' in _remind(app)
    assert {(u, s) for u, _k, s in _outbox(app)} == {
        (mentor.user_id, "opened"),
        (peer.user_id, "opened"),
        (mentor.user_id, "closing"),
        (peer.user_id, "closing"),
    }

    # Closed: no more reminders.
    with app.app_context():
        db.session.get(Programme, programme).midpoint = date.today() - timedelta(days=rules.OPEN_DAYS + 1)
        db.session.commit()
    assert '"queued": 0' in _remind(app)


def test_the_reminder_reads_in_each_language_and_can_be_turned_off(app):
    from app.notifications.rules import KINDS, Preferences, wants

    params = {"programme": "Ohjelma", "name": "Maija", "moodle_url": "", "closes": "21.3.2026"}
    texts = {}
    with app.test_request_context("/"):
        for language in ("fi", "sv", "en"):
            with force_locale(language):
                for stage in ("opened", "closing"):
                    for survey in rules.KINDS:
                        context = {**params, "survey": survey, "stage": stage}
                        subject = render_template("mail/survey_reminder.html", part="subject", **context)
                        body = render_template("mail/survey_reminder.html", part="body", **context)
                        assert "21.3.2026" in body and "Ohjelma" in subject
                        texts[language, stage, survey] = subject + body
    assert "closing survey" in texts["en", "opened", "closing"] and "midpoint" in texts["en", "closing", "midpoint"]
    assert "loppukysely" in texts["fi", "opened", "closing"].lower()
    assert "slutenkät" in texts["sv", "opened", "closing"].lower()
    assert len(set(texts.values())) == len(texts)
    # Not a service message: the person's preferences decide.
    assert not KINDS["survey_reminder"].service
    assert not wants("survey_reminder", Preferences(off=frozenset({"survey_reminder"})))
