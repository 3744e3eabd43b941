"""Two answers from one person at the same moment (two tabs, a double click) store exactly one;
the other is refused as the route would refuse it. Threads with their own sessions; run on
PostgreSQL (TEST_DATABASE_URL) where the unique constraint decides, and on SQLite where the writer
lock does."""

from tests.evaluation.conftest import register
from tests.support.race import race


def _answer_as(app, programme_id, user_id, outcomes):
    def answer():
        from app.core.db import db
        from app.core.refusals import Refused
        from app.evaluation import services
        from app.programme.models import Programme

        try:
            services.answer(db.session.get(Programme, programme_id), "midpoint", user_id, {"goals": 4})
        except Refused as refused:
            db.session.rollback()  # as the route does
            outcomes.append(refused.code)
        else:
            outcomes.append("stored")

    return answer


def _stored(app):
    from app.core.db import db
    from app.evaluation.models import SurveyParticipation, SurveyResponse

    with app.app_context():
        responses = db.session.scalar(db.select(db.func.count()).select_from(SurveyResponse))
        participants = db.session.scalars(db.select(SurveyParticipation.user_id)).all()
    return responses, sorted(participants)


def test_two_answers_at_once_store_exactly_one(app, people, programme, pair):
    from app.core.db import db
    from app.evaluation.models import Survey

    mentor, aktori, outsider = people["mentor"], people["aktori"], people["outsider"]
    register(app, programme, outsider, "peer", "SYKE")
    answered = []
    # The first race also creates the survey row at once from both sides.
    for person in (aktori, mentor, outsider):
        outcomes = []
        race(app, [(_answer_as(app, programme, person.user_id, outcomes), ())] * 2)
        # The loser is told it has answered (or, racing to create the survey, to send again).
        assert len(outcomes) == 2 and outcomes.count("stored") == 1
        assert set(outcomes) - {"stored"} <= {"evaluation_already_answered", "evaluation_try_again"}
        answered.append(person.user_id)
        assert _stored(app) == (len(answered), sorted(answered))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Survey)) == 1
