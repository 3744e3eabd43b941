"""Mail through a real SMTP server on 127.0.0.1: each notification once, to the right person, in
their language; failures retried or failed one by one; preferences, digest and unsubscribe."""

from datetime import timedelta

import pytest

from app.core.clock import utcnow
from app.core.db import db
from app.groups.models import PUBLISHED, GroupMember, MentoringGroup
from app.notifications import services
from app.notifications.models import FAILED, PENDING, SENT, SKIPPED, UNKNOWN, Notification
from app.notifications.rules import Preferences
from app.notifications.worker import MailWorker
from app.people.models import User
from tests.notifications.conftest import work


def _publish(world, *subs):
    from app.programme.models import Programme

    programme = db.session.get(Programme, world["programme_id"])
    group = MentoringGroup(programme_id=programme.id, form="traditional", status=PUBLISHED)
    db.session.add(group)
    db.session.flush()
    for i, sub in enumerate(subs):
        db.session.add(GroupMember(group_id=group.id, user_id=world[sub], role="mentor" if i == 0 else "aktori"))
    db.session.flush()
    db.session.refresh(group)
    services.match_published(programme, group)
    return group


def test_a_published_match_mails_each_member_once_in_their_language(app, smtp, world):
    with app.app_context():
        group = _publish(world, "anna", "bert")
        from app.programme.models import Programme

        services.match_published(db.session.get(Programme, world["programme_id"]), group)  # the same event again
        db.session.commit()
        work()
        anna, bert = smtp.sink.to("anna@example.fi"), smtp.sink.to("bert@example.fi")
        assert len(anna) == 1 and len(bert) == 1 and not smtp.sink.to("cara@example.fi")
        assert anna[0]["Content-Language"] == "fi" and bert[0]["Content-Language"] == "sv"
        assert "Mentorointiparisi" in anna[0]["Subject"] and "mentorskapsmatchning" in bert[0]["Subject"]
        text = anna[0].get_body(("plain",)).get_content()
        assert "Bert Test" in text and "Tulanet 2026" in text
        assert "https://moodle.example.fi/mod/lti/view.php?id=7" in text
        assert "tool.example.fi/mail/unsubscribe/" in anna[0]["List-Unsubscribe"]
        assert anna[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert anna[0].get_body(("html",)) is not None
        assert (
            db.session.scalar(db.select(db.func.count()).select_from(Notification).where(Notification.status == SENT))
            == 2
        )


def test_a_rolled_back_change_sends_nothing(app, smtp, world):
    with app.app_context():
        _publish(world, "anna", "bert")
        db.session.rollback()
        work()
        assert smtp.sink.messages == []


def test_421_then_250_delivers_once(app, smtp, world):
    smtp.sink.script["anna@example.fi"] = ["421 4.3.2 try later"]
    with app.app_context():
        _publish(world, "anna", "bert")
        db.session.commit()
        worker = work()
        assert len(smtp.sink.to("anna@example.fi")) == 1 and len(smtp.sink.to("bert@example.fi")) == 1
        assert worker.stats["retries"] == 1
        row = db.session.scalar(db.select(Notification).filter_by(user_id=world["anna"]))
        assert row.status == SENT and row.attempts == 2


def test_550_for_one_address_does_not_hold_the_others(app, smtp, world):
    smtp.sink.script["anna@example.fi"] = ["550 5.1.1 no such user"]
    with app.app_context():
        _publish(world, "anna", "bert", "cara")
        db.session.commit()
        work()
        assert smtp.sink.to("anna@example.fi") == []
        assert len(smtp.sink.to("bert@example.fi")) == 1 and len(smtp.sink.to("cara@example.fi")) == 1
        row = db.session.scalar(db.select(Notification).filter_by(user_id=world["anna"]))
        assert row.status == FAILED and row.last_status == 550 and "no such user" in row.last_error
        assert services.summary().failed[0][1] == "match_published"


class Killed(BaseException):
    """Stands for the worker process dying: nothing after it runs."""


def _lease_runs_out():
    """What time does to the leases of a worker that stopped (or stalled): they end."""
    db.session.execute(db.update(Notification).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_a_worker_killed_mid_batch_sends_nothing_twice(app, smtp, world):
    with app.app_context():
        _publish(world, "anna", "bert", "cara")
        db.session.commit()
        sent = []

        def die_after_the_second(message):
            sent.append(message)
            if len(sent) == 2:
                raise Killed()

        with pytest.raises(Killed):
            MailWorker(after_send=die_after_the_second).run_once()
        db.session.rollback()
        _lease_runs_out()
        work()
        for sub in ("anna", "bert", "cara"):
            assert len(smtp.sink.to(f"{sub}@example.fi")) <= 1
        # The batch was in flight: its rows are shown as in doubt, none is sent again.
        assert list(db.session.scalars(db.select(Notification.status))) == [UNKNOWN] * 3
        assert len(smtp.sink.messages) == 2


def test_turned_off_kinds_are_skipped_and_the_digest_collects(app, smtp, world):
    with app.app_context():
        services.save_preferences(world["anna"], Preferences(off=frozenset({"match_published"})))
        services.save_preferences(world["bert"], Preferences(digest=True))
        db.session.commit()
        _publish(world, "anna", "bert")
        services.notify(world["bert"], "agreement_version", "agreement:1:2", version=2)
        db.session.commit()
        work()
        assert smtp.sink.messages == []  # bert's wait for the morning
        assert db.session.scalar(db.select(Notification.status).filter_by(user_id=world["anna"])) == SKIPPED
        # The morning comes.
        db.session.execute(
            db.update(Notification)
            .where(Notification.status == PENDING)
            .values(next_attempt_at=Notification.created_at)
        )
        db.session.commit()
        work()
        digest = smtp.sink.to("bert@example.fi")
        assert len(digest) == 1 and "2" in digest[0]["Subject"]


def test_unsubscribe_link_shows_a_page_and_post_unsubscribes(app, client, smtp, world):
    with app.test_request_context():
        token = services.unsubscribe_token(world["cara"])
    page = client.get(f"/mail/unsubscribe/{token}")
    assert page.status_code == 200
    with app.app_context():
        assert not services.preferences(world["cara"]).all_off
    assert client.post(f"/mail/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with app.app_context():
        assert services.preferences(world["cara"]).all_off
    assert client.get("/mail/unsubscribe/forged").status_code == 404
    assert client.post("/mail/unsubscribe/forged").status_code == 404


def test_nobody_without_an_address_is_an_error(app, smtp, world):
    with app.app_context():
        db.session.get(User, world["anna"]).email = None
        _publish(world, "anna", "bert")
        db.session.commit()
        work()
        row = db.session.scalar(db.select(Notification).filter_by(user_id=world["anna"]))
        assert row.status == FAILED and row.last_error == "no address"
        assert len(smtp.sink.to("bert@example.fi")) == 1


def test_meeting_and_agreement_mails_reach_only_whom_they_concern(app, smtp, world):
    from datetime import datetime

    from app.programme.models import Programme

    with app.app_context():
        programme = db.session.get(Programme, world["programme_id"])
        starts = datetime(2026, 3, 2, 10, 0)
        services.meeting_waiting(programme, 41, world["anna"], {world["anna"], world["bert"]}, starts)
        services.meeting_disputed(programme, 41, world["anna"], starts, "We met on Tuesday, not Monday")
        services.agreement_version(programme, 7, 2, world["bert"], [world["anna"], world["bert"]])
        services.meeting_change(programme, 5, world["anna"], [world["bert"], world["cara"]], starts)
        services.meeting_change(programme, 5, world["anna"], [world["bert"], world["cara"]], starts)  # once
        db.session.commit()
        work()
        anna = {m["Subject"]: m.get_body(("plain",)).get_content() for m in smtp.sink.to("anna@example.fi")}
        bert = {m["Subject"]: m.get_body(("plain",)).get_content() for m in smtp.sink.to("bert@example.fi")}
        cara = {m["Subject"]: m.get_body(("plain",)).get_content() for m in smtp.sink.to("cara@example.fi")}
        # The logger waits for nobody; the author accepts their own; the proposer confirms no change of theirs.
        assert len(anna) == 2 and len(bert) == 2 and len(cara) == 1
        assert any("We met on Tuesday" in text for text in anna.values())  # the reason, to the logger only
        assert not any("Tuesday" in text for text in [*bert.values(), *cara.values()])
        assert "2.3.2026" in next(iter(bert.values())) and "Anna Test" in next(iter(bert.values()))
        [(subject, text)] = cara.items()
        assert "counted meeting is being changed" in subject and "2.3.2026" in text


def test_a_worker_whose_lease_ran_out_sends_nothing_another_took(app, smtp, world):
    with app.app_context():
        _publish(world, "anna", "bert", "cara")
        db.session.commit()
        slow = MailWorker(worker_id="slow")
        other = MailWorker(worker_id="other")

        def meanwhile(message):
            # While the slow worker sends its first message, its lease runs out and another
            # worker takes the batch: it finds the rows in flight and sends none of them.
            if not other.stats["unknown"]:
                _lease_runs_out()
                other.run_once()

        slow.after_send = meanwhile
        slow.run_once()
        assert sorted(len(smtp.sink.to(f"{s}@example.fi")) for s in ("anna", "bert", "cara")) == [1, 1, 1]
        assert other.stats["sent"] == 0 and other.stats["unknown"] == 3
        assert list(db.session.scalars(db.select(Notification.status))) == [UNKNOWN] * 3


def test_a_worker_stops_sending_before_its_lease_ends(app, smtp, world):
    with app.app_context():
        _publish(world, "anna", "bert", "cara")
        db.session.commit()
        late = MailWorker(lease_seconds=0)  # its lease has ended as soon as it is taken
        assert late.run_once() == 3 and not smtp.sink.messages
        # Never handed to the server, so back in the queue as they were, not in doubt.
        assert list(db.session.scalars(db.select(Notification.attempts))) == [0, 0, 0]
        work()
        assert sorted(len(smtp.sink.to(f"{s}@example.fi")) for s in ("anna", "bert", "cara")) == [1, 1, 1]
        assert list(db.session.scalars(db.select(Notification.status))) == [SENT] * 3


def test_an_event_tomorrow_is_mailed_once_with_a_calendar_file(app, smtp, world):
    from datetime import time

    from app.core.clock import helsinki_to_utc, utc_to_helsinki
    from app.events.models import ProgrammeEvent
    from app.programme.models import Registration

    with app.app_context():
        now = utcnow()
        tomorrow = utc_to_helsinki(now).date() + timedelta(days=1)
        event = ProgrammeEvent(
            programme_id=world["programme_id"],
            kind="lecture",
            title="Coaching skills",
            starts_at=helsinki_to_utc(tomorrow, time(13, 0)),
            location="Room 4",
        )
        later = ProgrammeEvent(
            programme_id=world["programme_id"], kind="lecture", title="Later", starts_at=event.starts_at + timedelta(2)
        )
        db.session.add_all([event, later])
        for sub in ("anna", "cara"):  # bert has not registered
            db.session.add(Registration(programme_id=world["programme_id"], user_id=world[sub]))
        db.session.commit()
        worker = MailWorker(backoff_base=0.0001)
        worker.run_scheduled(now)
        worker.run_scheduled(now + timedelta(hours=1))  # asked again: nothing new
        worker.run(until_empty=True)
        assert not smtp.sink.to("bert@example.fi")
        [mail] = smtp.sink.to("cara@example.fi")
        assert "Coaching skills" in mail["Subject"] and "Later" not in mail["Subject"]
        [attachment] = list(mail.iter_attachments())
        assert attachment.get_filename() == "event.ics"
        ics = attachment.get_content()
        assert "SUMMARY:Coaching skills" in ics and "LOCATION:Room 4" in ics
        assert f"DTSTART:{event.starts_at:%Y%m%dT%H%M%S}Z" in ics
        assert "13:00" in mail.get_body(("plain",)).get_content()  # Helsinki time in the text
        assert len(smtp.sink.to("anna@example.fi")) == 1
