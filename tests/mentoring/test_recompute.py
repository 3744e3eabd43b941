"""Scores stay true when the rules change: a new N in the programme set-up re-sends exactly the
mentoring scores it changes; adding, cancelling or moving an event and recording attendance
re-send exactly the "Programme events" scores that change, including attendance recorded before
any score was sent for it. Checked on the outbox rows themselves."""

from datetime import date, timedelta

from app.core.db import db
from app.lti.models import ScoreOutbox
from tests.mentoring.conftest import last_meeting_id, log, make_group, outbox

SETTINGS = {
    "min_meeting_minutes": "45",
    "max_meeting_minutes": "75",
    "languages": ["fi"],
}


def _settings(app, programme_id, **changes):
    from app.programme.models import Programme

    with app.app_context():
        p = db.session.get(Programme, programme_id)
        values = {
            "name": p.name,
            "kickoff": p.kickoff.isoformat(),
            "midpoint": p.midpoint.isoformat(),
            "closing": p.closing.isoformat(),
            "required_meetings": str(p.required_meetings),
        }
    return {**SETTINGS, **values, **changes}


def _confirmed_meetings(app, people, group, n, start=10):
    mentor, aktori = people["mentor"], people["aktori"]
    for i in range(n):
        assert log(mentor, group, days_ago=start + 7 * i).status_code == 303
        assert (
            aktori.post(f"/mentoring/groups/{group}/meetings/{last_meeting_id(app, group)}/confirm").status_code == 303
        )


def test_changing_n_resends_only_the_scores_it_changes(app, people, programme, pair, other_pair):
    staff, mentor, aktori = people["staff"], people["mentor"], people["aktori"]
    _confirmed_meetings(app, people, pair, 4)
    sent = len(outbox(app))
    assert sent == 8  # 1/6 … 4/6 for both

    # Saving the set-up without touching N sends nothing.
    assert staff.post(f"/programmes/{programme}", _settings(app, programme)).status_code == 303
    assert len(outbox(app)) == sent

    # N 6 → 4: both members complete; the other pair, who never had a score, gets none.
    assert staff.post(f"/programmes/{programme}", _settings(app, programme, required_meetings="4")).status_code == 303
    new = outbox(app)[sent:]
    assert sorted((s[0], s[1], s[2], s[3]) for s in new) == sorted(
        [(mentor.user_id, 4, 4, "Completed"), (aktori.user_id, 4, 4, "Completed")]
    )
    assert all(s[5] == "4/4 tapaamista vahvistettu" and s[6] == f"mentoring:{programme}" for s in new)

    # N 4 → 8: in progress again at 4/8.
    assert staff.post(f"/programmes/{programme}", _settings(app, programme, required_meetings="8")).status_code == 303
    assert sorted((s[0], s[1], s[2], s[3]) for s in outbox(app)[sent + 2 :]) == sorted(
        [(mentor.user_id, 4, 8, "InProgress"), (aktori.user_id, 4, 8, "InProgress")]
    )

    # A later meeting scores against the new N.
    _confirmed_meetings(app, people, pair, 1, start=60)
    assert [s[1:3] for s in outbox(app)[sent + 4 :]] == [(5, 8), (5, 8)]

    from app.core.audit import AuditEntry

    with app.app_context():
        entries = list(
            db.session.scalars(db.select(AuditEntry).filter_by(action="programme.update").order_by(AuditEntry.id))
        )
        assert [e.details for e in entries] == [
            {"languages": [["fi", "sv", "en"], ["fi"]]},
            {"required_meetings": [6, 4], "scores_queued": 2},
            {"required_meetings": [4, 8], "scores_queued": 2},
        ]


def test_a_new_n_sends_nothing_to_those_who_never_had_a_score(app, people, programme):
    """Every sent score's maximum is N, so a new N changes each of them; someone whose meetings
    never counted has no score to correct and gets none."""
    from app.mentoring import services
    from app.programme.models import Programme

    group = make_group(app, programme, [(people["mentor"], "mentor"), (people["aktori"], "aktori")])
    log(people["mentor"], group)  # pending: counts for no one, so no score exists
    with app.app_context():
        p = db.session.get(Programme, programme)
        assert services.recount_programme(p) == set()  # nothing changed, nothing sent
        p.required_meetings = 5
        assert services.recount_programme(p) == set()  # no one had a score to correct
        db.session.rollback()
    assert outbox(app) == []


# -- programme events --------------------------------------------------------------------------


def _events_scores(app, programme_id):
    from app.people.models import Enrolment

    with app.app_context():
        rows = db.session.execute(
            db.select(ScoreOutbox, Enrolment.user_id)
            .join(Enrolment, Enrolment.id == ScoreOutbox.enrolment_id)
            .where(ScoreOutbox.resource == f"events:{programme_id}")
            .order_by(ScoreOutbox.id)
        ).all()
        return [(uid, r.score_given, r.score_maximum, r.activity_progress) for r, uid in rows]


def _register(app, programme_id, *people):
    from app.programme.models import Registration

    with app.app_context():
        for person in people:
            db.session.add(Registration(programme_id=programme_id, user_id=person.user_id, role_wish="any"))
        db.session.commit()


def _events(app, staff, programme_id):
    """The programme's events (kickoff and midpoint past, closing ahead), created by the page."""
    from app.events.models import ProgrammeEvent

    assert staff.get("/events/").status_code == 200
    with app.app_context():
        return {
            e.kind: e.id
            for e in db.session.scalars(db.select(ProgrammeEvent).where(ProgrammeEvent.programme_id == programme_id))
        }


def _legacy_attendance(app, event_id, *people):
    """Attendance written as it was before scores were kept for it: no score was ever sent."""
    from app.events.models import Attendance

    with app.app_context():
        for person in people:
            db.session.add(Attendance(event_id=event_id, user_id=person.user_id, source="list"))
        db.session.commit()


def _tick(staff, event_id, *people):
    return staff.post(f"/events/{event_id}/attendance", {"attended": [str(p.user_id) for p in people]})


def _add_event(staff, days_ago, title="Luento"):
    day = date.today() - timedelta(days=days_ago)
    return staff.post(
        "/events/", {"kind": "lecture", "title": title, "date": day.isoformat(), "time": "12:00", "duration": "90"}
    )


def test_attendance_scores_follow_events_and_include_earlier_attendance(app, people, programme):
    staff, mentor, aktori, a2 = people["staff"], people["mentor"], people["aktori"], people["aktori2"]
    _register(app, programme, mentor, aktori, a2)
    events = _events(app, staff, programme)
    # The aktori's kickoff attendance was recorded before any score was kept for it.
    _legacy_attendance(app, events["kickoff"], aktori)
    assert _events_scores(app, programme) == []

    # Ticking the mentor at the midpoint: the mentor's score, and the aktori's earlier one.
    assert _tick(staff, events["midpoint"], mentor).status_code == 303
    assert sorted(_events_scores(app, programme)) == sorted(
        [(mentor.user_id, 1, 2, "InProgress"), (aktori.user_id, 1, 2, "InProgress")]
    )

    # Saving the same list again sends nothing.
    assert _tick(staff, events["midpoint"], mentor).status_code == 303
    assert len(_events_scores(app, programme)) == 2

    # A lecture added in the past raises everyone's maximum; who attended nothing gets nothing.
    assert _add_event(staff, 20).status_code == 303
    assert sorted(_events_scores(app, programme)[2:]) == sorted(
        [(mentor.user_id, 1, 3, "InProgress"), (aktori.user_id, 1, 3, "InProgress")]
    )
    # One in the future changes nothing yet.
    assert _add_event(staff, -20, "Tuleva luento").status_code == 303
    assert len(_events_scores(app, programme)) == 4

    # Importing the lecture's attendance report sends only the changed score.
    lecture = max(_events(app, staff, programme).values()) - 1
    report = f"Nimi;Sähköposti\nMaija Mentori;{_email(app, mentor)}\n"
    response = staff.post(f"/events/{lecture}/attendance/import", {"report_text": report, "confirm": "1"})
    assert response.status_code == 303
    assert _events_scores(app, programme)[4:] == [(mentor.user_id, 2, 3, "InProgress")]

    # Cancelling the lecture: back to two held events for everyone with a score.
    form = {
        "title": "Luento",
        "date": (date.today() - timedelta(days=20)).isoformat(),
        "time": "12:00",
        "duration": "90",
        "cancel": "1",
    }
    assert staff.post(f"/events/{lecture}/edit", form).status_code == 303
    assert sorted(_events_scores(app, programme)[5:]) == sorted(
        [(mentor.user_id, 1, 2, "InProgress"), (aktori.user_id, 1, 2, "InProgress")]
    )


def _email(app, person):
    from app.people.models import User

    with app.app_context():
        return db.session.get(User, person.user_id).email
