"""Scheduled mail (queued by the receivers of ``mail_due`` that the worker asks once a minute),
through a real SMTP server: each once, to whom it concerns, in their own language."""

from datetime import time, timedelta

from app.core.clock import helsinki_to_utc, utc_to_helsinki, utcnow
from app.core.db import db
from app.lti.models import FAILED, PENDING, ScoreKey, ScoreOutbox
from app.notifications.worker import MailWorker
from app.people.models import ADMINISTRATOR, PARTICIPANT, Enrolment
from app.programme.models import Programme, Registration


def _scheduled(*moments):
    """The worker asked at each of ``moments`` (a second ask must queue nothing new), then sending."""
    worker = MailWorker(backoff_base=0.0001)
    for moment in moments:
        worker.run_scheduled(moment)
    worker.run(until_empty=True)
    return worker


def _tomorrow_at(now, hour):
    return helsinki_to_utc(utc_to_helsinki(now).date() + timedelta(days=1), time(hour, 0))


def _text(mail):
    return mail.get_body(("plain",)).get_content()


def test_an_untitled_event_is_named_in_each_recipients_language(app, smtp, world):
    from app.events.models import KICKOFF, ProgrammeEvent

    with app.app_context():
        now = utcnow()
        event = ProgrammeEvent(programme_id=world["programme_id"], kind=KICKOFF, starts_at=_tomorrow_at(now, 13))
        db.session.add(event)
        for sub in ("anna", "bert", "cara"):
            db.session.add(Registration(programme_id=world["programme_id"], user_id=world[sub]))
        db.session.commit()
        # The worker runs outside any request: nothing of its own locale may leak into a mail.
        _scheduled(now)
        expected = {"anna": "Aloitustilaisuus", "bert": "Startevenemang", "cara": "Kickoff"}
        for sub, name in expected.items():
            [mail] = smtp.sink.to(f"{sub}@example.fi")
            assert name in mail["Subject"] and name in _text(mail)
            [ics] = list(mail.iter_attachments())
            assert f"SUMMARY:{name}" in ics.get_content()
        assert "Kickoff" not in smtp.sink.to("anna@example.fi")[0]["Subject"]


def test_a_sparring_session_tomorrow_is_mailed_to_its_groups_members_once(app, smtp, world):
    from app.sparring.models import AKTORIS, MENTORS, SparringGroup, SparringMember, SparringSession

    with app.app_context():
        now = utcnow()
        group = SparringGroup(programme_id=world["programme_id"], name="Kalliot", audience=MENTORS)
        archived = SparringGroup(programme_id=world["programme_id"], name="Vanha", audience=AKTORIS, archived_at=now)
        db.session.add_all([group, archived])
        db.session.flush()
        db.session.add_all(
            [
                SparringMember(group_id=group.id, user_id=world["anna"]),
                SparringMember(group_id=group.id, user_id=world["bert"]),
                SparringMember(group_id=archived.id, user_id=world["cara"]),
            ]
        )
        session = SparringSession(
            group_id=group.id, starts_at=_tomorrow_at(now, 9), duration_minutes=90, agenda="Private agenda"
        )
        later = SparringSession(
            group_id=group.id, starts_at=_tomorrow_at(now, 9) + timedelta(days=2), duration_minutes=90
        )
        old = SparringSession(group_id=archived.id, starts_at=_tomorrow_at(now, 10), duration_minutes=90)
        db.session.add_all([session, later, old])
        db.session.commit()
        _scheduled(now, now + timedelta(hours=2))
        assert not smtp.sink.to("cara@example.fi")  # only an archived group's member
        [anna] = smtp.sink.to("anna@example.fi")
        [bert] = smtp.sink.to("bert@example.fi")
        assert "Sparraustapaaminen: Kalliot" in anna["Subject"]
        assert "Sparringträff: Kalliot" in bert["Subject"]
        assert "09:00" in _text(anna) and "Private agenda" not in _text(anna)
        [ics] = list(bert.iter_attachments())
        assert ics.get_filename() == "event.ics"
        assert "SUMMARY:Sparringträff: Kalliot" in ics.get_content()
        assert f"DTSTART:{session.starts_at:%Y%m%dT%H%M%S}Z" in ics.get_content()


def _failing_score(world, user_id, *, given, status=FAILED):
    key = ScoreKey(course_id=world["course_id"], user_id=user_id, resource="mentoring:1")
    db.session.add(key)
    db.session.flush()
    enrolment = db.session.scalar(db.select(Enrolment).filter_by(course_id=world["course_id"], user_id=user_id))
    row = ScoreOutbox(
        key_id=key.id,
        course_id=world["course_id"],
        enrolment_id=enrolment.id,
        resource="mentoring:1",
        score_given=1,
        score_maximum=2,
        activity_progress="InProgress",
        grading_progress="FullyGraded",
        created_at=given,
        status=status,
        attempts=3,
        next_attempt_at=utcnow(),
        last_status=503,
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_administrators_hear_once_when_the_gradebook_has_failed_for_over_a_day(app, smtp, world):
    with app.app_context():
        now = utcnow()
        for sub, role in (("anna", ADMINISTRATOR), ("bert", ADMINISTRATOR), ("cara", PARTICIPANT)):
            db.session.add(Enrolment(course_id=world["course_id"], user_id=world[sub], role=role, lti_roles=[]))
        db.session.flush()
        recent = _failing_score(world, world["cara"], given=now - timedelta(hours=20))
        db.session.commit()
        _scheduled(now)
        assert smtp.sink.messages == []  # failing, but not yet for a day

        recent.created_at = now - timedelta(days=2)
        _failing_score(world, world["anna"], given=now - timedelta(days=1, hours=2), status=PENDING)
        db.session.commit()
        _scheduled(now, now + timedelta(hours=5))  # the same episode, asked again: one mail each
        assert not smtp.sink.to("cara@example.fi")
        [anna] = smtp.sink.to("anna@example.fi")
        [bert] = smtp.sink.to("bert@example.fi")
        assert "Mentoring" in anna["Subject"] and anna["Content-Language"] == "fi"
        assert bert["Content-Language"] == "sv" and "Mentoring" in bert["Subject"]
        assert "2" in _text(anna)  # both scores

        # The oldest is delivered at last; the other still fails: a new episode, told once more.
        recent.status = "delivered"
        db.session.commit()
        _scheduled(now + timedelta(hours=6), now + timedelta(hours=7))
        assert len(smtp.sink.to("anna@example.fi")) == 2 and len(smtp.sink.to("bert@example.fi")) == 2


def test_survey_reminders_go_out_with_the_scheduled_mail_once(app, smtp, world):
    with app.app_context():
        today = utc_to_helsinki(utcnow()).date()
        programme = db.session.get(Programme, world["programme_id"])
        programme.midpoint = today - timedelta(days=2)  # the midpoint survey opened two days ago
        for sub in ("anna", "cara"):  # bert has not registered
            db.session.add(Registration(programme_id=programme.id, user_id=world[sub]))
        db.session.commit()
        now = utcnow()
        _scheduled(now, now + timedelta(minutes=1))
        assert not smtp.sink.to("bert@example.fi")
        for sub in ("anna", "cara"):
            [mail] = smtp.sink.to(f"{sub}@example.fi")
            assert mail["Content-Language"] == {"anna": "fi", "cara": "en"}[sub]
        # The command still does what it did, and sends nobody a second one.
        result = app.test_cli_runner().invoke(args=["evaluation", "remind"])
        assert result.exit_code == 0 and '"queued": 0' in result.output
