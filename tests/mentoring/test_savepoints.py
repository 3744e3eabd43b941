"""A service that loses a race undoes only its own change (a savepoint), never the caller's
earlier work in the same transaction; and on SQLite that savepoint stays inside the request's
transaction, so the route's rollback still undoes it."""

from app.mentoring.models import AGREEMENT_SECTIONS


def _agreement(app, group_id, user_id):
    from app.core.db import db
    from app.groups.models import MentoringGroup
    from app.mentoring import services

    with app.app_context():
        group = db.session.get(MentoringGroup, group_id)
        services.save_agreement(group, user_id, 0, dict.fromkeys(AGREEMENT_SECTIONS, "Tavataan kuukausittain."))
        db.session.commit()


def _stored(app):
    from app.core.db import db
    from app.mentoring.models import AgreementAcceptance, ChecklistTick

    with app.app_context():
        ticks = db.session.scalars(db.select(ChecklistTick.item_id)).all()
        acceptances = db.session.scalars(db.select(AgreementAcceptance.user_id)).all()
        return sorted(ticks), sorted(acceptances)


def test_a_lost_race_keeps_the_callers_earlier_work(app, people, pair):
    from app.core.db import db
    from app.groups.models import MentoringGroup
    from app.mentoring import services
    from app.mentoring.models import AgreementAcceptance

    mentor = people["mentor"].user_id
    _agreement(app, pair, mentor)
    with app.app_context():
        group = db.session.get(MentoringGroup, pair)
        current = services.agreement_of(group).current
        assert current.acceptor_ids() == set()  # loaded now, so stale once the row below exists
        services.set_tick(group, mentor, "first-meeting", True)  # the caller's earlier work
        # A parallel request's acceptance, as the session cannot see it:
        db.session.execute(db.insert(AgreementAcceptance).values(version_id=current.id, user_id=mentor))

        assert services.accept_agreement(group, mentor, current.number) is False
        assert db.session.is_active
        db.session.commit()
    assert _stored(app) == (["first-meeting"], [mentor])


def test_a_savepoint_is_undone_by_the_routes_rollback(app, people, pair):
    from app.core.db import db
    from app.groups.models import MentoringGroup
    from app.mentoring import services

    mentor = people["mentor"].user_id
    _agreement(app, pair, mentor)
    with app.app_context():
        group = db.session.get(MentoringGroup, pair)
        # Nothing written yet in this transaction: the savepoint is its first write.
        assert services.accept_agreement(group, mentor, 1) is True
        db.session.rollback()
    assert _stored(app) == ([], [])
