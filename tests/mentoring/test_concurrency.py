"""Two members confirming at the same moment never double-count and never lose a count; the
same member confirming twice at once changes one row. Threads with their own sessions; run on
PostgreSQL (make test-postgres) where row locks decide, and on SQLite where the writer lock does."""

from datetime import date, time, timedelta

from tests.mentoring.conftest import make_group
from tests.support.race import race

ROUNDS = 6


def _log_meetings(app, group, logger, attendees, rounds):
    from app.core.db import db
    from app.groups.models import MentoringGroup
    from app.mentoring import services

    ids = []
    with app.app_context():
        for n in range(rounds):
            g = db.session.get(MentoringGroup, group)
            day = date.today() - timedelta(days=7 * (n + 1))
            meeting, _ = services.log_meeting(
                g, logger, services.MeetingInput(day, time(10, 0), 60, "video", attendees)
            )
            db.session.commit()
            ids.append(meeting.id)
    return ids


def _confirm(meeting_id, user_id):
    from app.core.db import db
    from app.mentoring import services
    from app.mentoring.models import Meeting

    services.confirm_meeting(db.session.get(Meeting, meeting_id), user_id)


def _scores(app):
    from app.core.db import db
    from app.lti.models import ScoreOutbox
    from app.people.models import Enrolment

    with app.app_context():
        rows = db.session.execute(
            db.select(Enrolment.user_id, ScoreOutbox.score_given)
            .join(Enrolment, Enrolment.id == ScoreOutbox.enrolment_id)
            .order_by(ScoreOutbox.id)
        ).all()
    by_user: dict[int, list[float]] = {}
    for user_id, given in rows:
        by_user.setdefault(user_id, []).append(given)
    return by_user


def test_two_members_confirm_at_once(app, people, programme):
    from app.core.db import db
    from app.mentoring.models import MeetingCount

    mentor, a1, a2 = people["mentor"], people["aktori"], people["aktori2"]
    group = make_group(app, programme, [(mentor, "mentor"), (a1, "aktori"), (a2, "aktori")], form="group")
    everyone = [mentor.user_id, a1.user_id, a2.user_id]
    for meeting_id in _log_meetings(app, group, mentor.user_id, everyone, ROUNDS):
        race(app, [(_confirm, (meeting_id, a1.user_id)), (_confirm, (meeting_id, a2.user_id))])

    with app.app_context():
        counts = dict(db.session.execute(db.select(MeetingCount.user_id, MeetingCount.counted)).all())
    assert counts == {uid: ROUNDS for uid in everyone}
    # Exactly one score per counted meeting and person, rising one by one: none lost, none doubled.
    assert _scores(app) == {uid: [float(n) for n in range(1, ROUNDS + 1)] for uid in everyone}


def test_the_same_member_confirming_twice_at_once(app, people, pair):
    from app.core.db import db
    from app.mentoring.models import MeetingAttestation

    mentor, aktori = people["mentor"], people["aktori"]
    [meeting_id] = _log_meetings(app, pair, mentor.user_id, [mentor.user_id, aktori.user_id], 1)
    race(app, [(_confirm, (meeting_id, aktori.user_id))] * 3)
    assert _scores(app) == {mentor.user_id: [1.0], aktori.user_id: [1.0]}
    with app.app_context():
        rows = db.session.scalars(
            db.select(MeetingAttestation).where(MeetingAttestation.meeting_id == meeting_id)
        ).all()
        assert sorted(r.status for r in rows) == ["confirmed", "confirmed"]


def test_two_members_logging_the_same_meeting_at_once(app, people, pair):
    from app.core.db import db
    from app.core.refusals import Refused
    from app.groups.models import MentoringGroup
    from app.mentoring import services
    from app.mentoring.models import Meeting

    mentor, aktori = people["mentor"], people["aktori"]
    outcomes = []

    def log_as(user_id):
        group = db.session.get(MentoringGroup, pair)
        try:
            services.log_meeting(
                group,
                user_id,
                services.MeetingInput(
                    date.today() - timedelta(days=3), time(9, 0), 60, "video", [mentor.user_id, aktori.user_id]
                ),
            )
        except Refused as refused:
            outcomes.append([p.code for p in refused.params["problems"]])
        else:
            outcomes.append("saved")

    race(app, [(log_as, (mentor.user_id,)), (log_as, (aktori.user_id,))])
    assert sorted(map(str, outcomes)) == sorted(["saved", "['duplicate']"])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Meeting.id)).where(Meeting.group_id == pair)) == 1
