"""Changing a meeting that counts, over HTTP: a member's removal or correction is a proposal that
changes nothing (count, gradebook queue) until everyone else it touches confirms; a decline keeps
the meeting and tells the proposer; a facilitator changes it at once, only with a reason; every
step is audited. Overlapping meetings of a group are refused, pending corrections included."""

import re

from tests.mentoring.conftest import last_meeting_id, log, make_group, meeting_data, outbox
from tests.support.web import text


def _counted_meeting(app, people, pair, **kwargs):
    mentor, aktori = people["mentor"], people["aktori"]
    assert log(mentor, pair, **kwargs).status_code == 303
    meeting = last_meeting_id(app, pair)
    assert aktori.post(f"/mentoring/groups/{pair}/meetings/{meeting}/confirm").status_code == 303
    return meeting


def _change_id(response) -> int:
    return int(re.search(r"#change-(\d+)$", response.headers["Location"]).group(1))


def _meeting(app, meeting_id):
    from app.core.db import db
    from app.mentoring.models import Meeting

    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        return None if meeting is None else (meeting.starts_at, meeting.duration_minutes, meeting.mode, meeting.state)


def _counts(app):
    from app.core.db import db
    from app.mentoring.models import MeetingCount

    with app.app_context():
        return {row.user_id: row.counted for row in db.session.scalars(db.select(MeetingCount))}


def _change_mails(app):
    from app.core.db import db
    from app.notifications.models import Notification

    with app.app_context():
        query = db.select(Notification.user_id, Notification.key).where(Notification.kind == "meeting_change")
        return [tuple(row) for row in db.session.execute(query)]


def _audit(app):
    from app.core.audit import AuditEntry
    from app.core.db import db

    with app.app_context():
        return [
            (e.action, e.actor_id, e.details.get("status"))
            for e in db.session.scalars(
                db.select(AuditEntry).where(AuditEntry.action.like("mentoring.%")).order_by(AuditEntry.id)
            )
        ]


def test_a_removal_waits_for_the_other_members_confirmation(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    meeting = _counted_meeting(app, people, pair)
    queued = outbox(app)
    assert [s[1] for s in queued] == [1, 1]
    before = _meeting(app, meeting)

    # The logger's "Remove" of a counted meeting is a proposal: nothing changes yet.
    page = mentor.page(f"/mentoring/groups/{pair}")
    assert "Ehdota poistamista" in page and "Ehdota korjausta" in page
    response = mentor.post(f"/mentoring/groups/{pair}/meetings/{meeting}/delete")
    assert response.status_code == 303
    change = _change_id(response)
    assert _meeting(app, meeting) == before
    assert outbox(app) == queued
    assert _change_mails(app) == [(aktori.user_id, f"meeting_change:{change}:{aktori.user_id}")]
    assert _counts(app) == {mentor.user_id: 1, aktori.user_id: 1}

    # The aktori reads who proposes what, and is reminded.
    page = text(aktori.page(f"/mentoring/groups/{pair}"))
    assert "Maija Mentori ehdotti tapaamisen" in page and "poistamista" in page
    assert "Tapaamisen muutosehdotus odottaa vastaustasi" in page
    # The proposer cannot confirm their own proposal, and a second proposal waits its turn.
    assert mentor.post(f"/mentoring/groups/{pair}/changes/{change}/confirm").status_code == 403
    assert aktori.post(f"/mentoring/groups/{pair}/meetings/{meeting}/delete").status_code == 409
    assert _meeting(app, meeting) == before and outbox(app) == queued

    # The aktori confirms: the meeting goes, and both scores drop.
    assert aktori.post(f"/mentoring/groups/{pair}/changes/{change}/confirm").status_code == 303
    assert _meeting(app, meeting) is None
    assert _counts(app) == {mentor.user_id: 0, aktori.user_id: 0}
    lowered = outbox(app)[2:]
    assert sorted((s[0], s[1]) for s in lowered) == sorted([(mentor.user_id, 0), (aktori.user_id, 0)])
    page = text(mentor.page(f"/mentoring/groups/{pair}"))
    assert "Kaikki vahvistivat: tapaaminen" in page and "poistettiin" in page
    # Answering again is a clear refusal.
    response = aktori.post(f"/mentoring/groups/{pair}/changes/{change}/decline")
    assert response.status_code == 409 and "on jo ratkaistu" in text(response.get_data(as_text=True))

    assert _audit(app) == [
        ("mentoring.change_proposed", mentor.user_id, "pending"),
        ("mentoring.change_confirmed", aktori.user_id, "applied"),
    ]


def test_a_declined_correction_keeps_the_meeting_and_tells_the_proposer(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    meeting = _counted_meeting(app, people, pair, days_ago=10, at="14:00")
    queued, before = outbox(app), _meeting(app, meeting)

    # Any attendee may propose: here the aktori, who did not log it.
    form = aktori.page(f"/mentoring/groups/{pair}/meetings/{meeting}/edit")
    assert "Ehdota korjausta" in form
    response = aktori.post(
        f"/mentoring/groups/{pair}/meetings/{meeting}/edit",
        meeting_data(days_ago=9, at="09:00", duration=50, mode="phone"),
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:600]
    change = _change_id(response)
    assert _meeting(app, meeting) == before and outbox(app) == queued

    assert mentor.post(f"/mentoring/groups/{pair}/changes/{change}/decline").status_code == 303
    assert _meeting(app, meeting) == before and outbox(app) == queued
    page = text(aktori.page(f"/mentoring/groups/{pair}"))
    assert "Maija Mentori hylkäsi" in page and "Tapaaminen pysyy ennallaan" in page
    assert [a[0] for a in _audit(app)] == ["mentoring.change_proposed", "mentoring.change_declined"]

    # Proposed again and confirmed: the new values apply, the meeting still counts, no score moves.
    response = aktori.post(
        f"/mentoring/groups/{pair}/meetings/{meeting}/edit",
        meeting_data(days_ago=9, at="09:00", duration=50, mode="phone"),
    )
    change = _change_id(response)
    assert mentor.post(f"/mentoring/groups/{pair}/changes/{change}/confirm").status_code == 303
    starts_at, minutes, mode, state = _meeting(app, meeting)
    assert (minutes, mode, state) == (50, "phone", "counted") and starts_at != before[0]
    assert outbox(app) == queued


def test_the_proposer_withdraws(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    meeting = _counted_meeting(app, people, pair)
    change = _change_id(mentor.post(f"/mentoring/groups/{pair}/meetings/{meeting}/delete"))
    assert aktori.post(f"/mentoring/groups/{pair}/changes/{change}/withdraw").status_code == 403
    assert mentor.post(f"/mentoring/groups/{pair}/changes/{change}/withdraw").status_code == 303
    assert _meeting(app, meeting)[3] == "counted"
    assert "Tapaamisen muutosehdotus odottaa" not in text(aktori.page(f"/mentoring/groups/{pair}"))
    # The slot is free again.
    assert mentor.post(f"/mentoring/groups/{pair}/meetings/{meeting}/delete").status_code == 303


def test_a_correction_adding_a_member_waits_for_that_member_too(app, people, programme):
    mentor, a1, a2 = people["mentor"], people["aktori"], people["aktori2"]
    group = make_group(app, programme, [(mentor, "mentor"), (a1, "aktori"), (a2, "aktori")], form="group")
    assert log(mentor, group, attendees=[mentor.user_id, a1.user_id]).status_code == 303
    meeting = last_meeting_id(app, group)
    a1.post(f"/mentoring/groups/{group}/meetings/{meeting}/confirm")
    response = mentor.post(
        f"/mentoring/groups/{group}/meetings/{meeting}/edit",
        meeting_data(attendees=[mentor.user_id, a1.user_id, a2.user_id]),
    )
    change = _change_id(response)
    assert a1.post(f"/mentoring/groups/{group}/changes/{change}/confirm").status_code == 303
    assert _meeting(app, meeting)[3] == "counted"
    assert {s[0] for s in outbox(app)} == {mentor.user_id, a1.user_id}  # nothing for the second aktori yet
    assert a2.post(f"/mentoring/groups/{group}/changes/{change}/confirm").status_code == 303
    assert [s[:2] for s in outbox(app)[2:]] == [(a2.user_id, 1)]  # counted for all three at once


def test_the_facilitator_changes_a_meeting_at_once_only_with_a_reason(app, people, pair):
    mentor, aktori, staff = people["mentor"], people["aktori"], people["staff"]
    meeting = _counted_meeting(app, people, pair)
    pending = _change_id(mentor.post(f"/mentoring/groups/{pair}/meetings/{meeting}/delete"))
    queued = outbox(app)

    staff_page = staff.page(f"/mentoring/groups/{pair}")
    assert f"/meetings/{meeting}/override" in staff_page
    assert staff.get(f"/mentoring/groups/{pair}/meetings/{meeting}/override").status_code == 200
    # Members cannot use the facilitator's form.
    assert aktori.get(f"/mentoring/groups/{pair}/meetings/{meeting}/override").status_code == 403

    response = staff.post(f"/mentoring/groups/{pair}/meetings/{meeting}/override/delete", {"reason": "  "})
    assert response.status_code == 422 and "Kirjoita lyhyt perustelu" in text(response.get_data(as_text=True))
    assert _meeting(app, meeting) is not None and outbox(app) == queued
    response = staff.post(
        f"/mentoring/groups/{pair}/meetings/{meeting}/override", meeting_data(days_ago=3) | {"reason": ""}
    )
    assert response.status_code == 422 and _meeting(app, meeting) is not None

    response = staff.post(
        f"/mentoring/groups/{pair}/meetings/{meeting}/override/delete",
        {"reason": "Kirjattu vahingossa väärälle parille"},
    )
    assert response.status_code == 303
    assert _meeting(app, meeting) is None
    assert sorted((s[0], s[1]) for s in outbox(app)[len(queued) :]) == sorted(
        [(mentor.user_id, 0), (aktori.user_id, 0)]
    )
    for member in (mentor, aktori):
        page = text(member.page(f"/mentoring/groups/{pair}"))
        assert "Fasilitaattori poisti tapaamisen" in page
        assert "Kirjattu vahingossa väärälle parille" in page
        assert "syrjään" in page  # the member's pending proposal was set aside
    assert _audit(app)[-1] == ("mentoring.meeting_changed_by_facilitator", staff.user_id, "facilitator")
    # The reason is kept on the change, never in the audit log.
    from app.core.audit import AuditEntry
    from app.core.db import db
    from app.mentoring.models import MeetingChange

    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert "Kirjattu" not in str(entry.details)
        assert db.session.get(MeetingChange, pending).status == "superseded"


def test_the_facilitator_corrects_a_meeting(app, people, pair):
    staff = people["staff"]
    meeting = _counted_meeting(app, people, pair)
    queued = outbox(app)
    response = staff.post(
        f"/mentoring/groups/{pair}/meetings/{meeting}/override",
        meeting_data(days_ago=4, at="08:15", duration=45) | {"reason": "Päivä oli väärin"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:600]
    _starts, minutes, _mode, state = _meeting(app, meeting)
    assert (minutes, state) == (45, "counted")  # the members' confirmations stand
    assert outbox(app) == queued
    assert "Päivä oli väärin" in text(people["aktori"].page(f"/mentoring/groups/{pair}"))


def test_overlapping_meetings_are_refused(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    assert log(mentor, pair, days_ago=6, at="10:00", duration=60).status_code == 303
    response = log(aktori, pair, days_ago=6, at="10:01", duration=60)
    assert response.status_code == 422
    assert "päällekkäin toisen" in text(response.get_data(as_text=True))
    response = log(aktori, pair, days_ago=6, at="09:30", duration=45)
    assert response.status_code == 422
    assert log(aktori, pair, days_ago=6, at="11:00", duration=60).status_code == 303  # starts as it ends

    # A pending correction's new time is taken too.
    meeting = _counted_meeting(app, people, pair, days_ago=20, at="10:00")
    response = mentor.post(f"/mentoring/groups/{pair}/meetings/{meeting}/edit", meeting_data(days_ago=15, at="12:00"))
    assert response.status_code == 303
    response = log(aktori, pair, days_ago=15, at="12:30")
    assert response.status_code == 422 and "päällekkäin toisen" in text(response.get_data(as_text=True))
    # The meeting itself may be moved over its own old time.
    other = _counted_meeting(app, people, pair, days_ago=30, at="10:00")
    response = mentor.post(f"/mentoring/groups/{pair}/meetings/{other}/edit", meeting_data(days_ago=30, at="10:30"))
    assert response.status_code == 303


def test_meetings_that_do_not_count_yet_are_still_the_loggers(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    assert log(mentor, pair).status_code == 303
    meeting = last_meeting_id(app, pair)
    assert aktori.post(f"/mentoring/groups/{pair}/meetings/{meeting}/delete").status_code == 403
    assert (
        mentor.post(f"/mentoring/groups/{pair}/meetings/{meeting}/edit", meeting_data(days_ago=11)).status_code == 303
    )
    assert mentor.post(f"/mentoring/groups/{pair}/meetings/{meeting}/delete").status_code == 303
    assert _meeting(app, meeting) is None and outbox(app) == [] and _audit(app) == []


def test_an_ended_pairs_proposals_are_read_only(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    meeting = _counted_meeting(app, people, pair)
    change = _change_id(mentor.post(f"/mentoring/groups/{pair}/meetings/{meeting}/delete"))
    assert aktori.post(f"/mentoring/groups/{pair}/end", {"reason": "Loppui"}).status_code == 303
    assert aktori.post(f"/mentoring/groups/{pair}/changes/{change}/confirm").status_code == 409
    assert _meeting(app, meeting)[3] == "counted"


def test_other_groups_changes_are_not_found(app, people, pair, other_pair):
    meeting = _counted_meeting(app, people, pair)
    change = _change_id(people["mentor"].post(f"/mentoring/groups/{pair}/meetings/{meeting}/delete"))
    outsider = people["outsider"]
    assert outsider.post(f"/mentoring/groups/{other_pair}/changes/{change}/confirm").status_code == 404
    assert outsider.post(f"/mentoring/groups/{pair}/changes/{change}/confirm").status_code == 404
