"""The check-in after confirming a meeting: offered on My mentoring through mentoring's seam,
one per member and meeting, an optional note to the private journal; facilitators see only the
pair's signal beside the at-risk flags."""

import re

from tests.mentoring.conftest import last_meeting_id, log
from tests.support.web import text


def _confirmed_meeting(app, people, pair, days_ago=3, at="14:00"):
    assert log(people["mentor"], pair, days_ago=days_ago, at=at).status_code == 303
    meeting_id = last_meeting_id(app, pair)
    assert people["aktori"].post(f"/mentoring/groups/{pair}/meetings/{meeting_id}/confirm").status_code == 303
    return meeting_id


def _check_in(person, meeting_id, pulse, note=""):
    return person.post(f"/evaluation/meetings/{meeting_id}/checkin", {"pulse": str(pulse), "note": note})


def test_the_check_in_is_offered_after_confirming_and_taken_once(app, people, pair):
    from app.core.db import db
    from app.evaluation.models import MeetingCheckIn
    from app.mentoring import journal
    from app.mentoring.models import JournalEntry

    meeting_id = _confirmed_meeting(app, people, pair)
    page = people["aktori"].page(f"/mentoring/groups/{pair}")
    assert f"/evaluation/meetings/{meeting_id}/checkin" in page
    assert "Kuinka hyödyllinen tapaaminen oli sinulle?" in page
    assert _check_in(people["aktori"], meeting_id, 4, "Hyvä keskustelu tavoitteista").status_code == 303
    assert f"/evaluation/meetings/{meeting_id}/checkin" not in people["aktori"].page(f"/mentoring/groups/{pair}")
    assert _check_in(people["aktori"], meeting_id, 5).status_code == 409
    with app.app_context():
        rows = db.session.scalars(db.select(MeetingCheckIn)).all()
        assert [(r.user_id, r.pulse) for r in rows] == [(people["aktori"].user_id, 4)]
        entry = db.session.scalar(db.select(JournalEntry))
        assert entry.user_id == people["aktori"].user_id and entry.prompt_id == "after-meeting"
        assert "Hyvä keskustelu" not in entry.body  # encrypted at rest
        with app.test_request_context():
            assert journal.decrypt(entry.body) == "Hyvä keskustelu tavoitteista"
    # The mentor logged the meeting (their confirmation) and may check in too, without a note.
    assert _check_in(people["mentor"], meeting_id, 3).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(JournalEntry)) == 1


def test_no_check_in_is_offered_for_an_old_meeting_confirmed_late(app, people, pair):
    meeting_id = _confirmed_meeting(app, people, pair, days_ago=40)
    assert f"/evaluation/meetings/{meeting_id}/checkin" not in people["aktori"].page(f"/mentoring/groups/{pair}")


def test_bad_check_ins_are_refused_clearly(app, people, pair):
    assert log(people["mentor"], pair).status_code == 303
    meeting_id = last_meeting_id(app, pair)
    # The aktori has not confirmed yet: no prompt, and a post is refused.
    assert f"/evaluation/meetings/{meeting_id}/checkin" not in people["aktori"].page(f"/mentoring/groups/{pair}")
    assert _check_in(people["aktori"], meeting_id, 4).status_code == 409
    assert _check_in(people["mentor"], meeting_id, 9).status_code == 422
    assert _check_in(people["mentor"], meeting_id, "").status_code == 422
    assert _check_in(people["outsider"], meeting_id, 3).status_code == 404  # not an attendee
    assert _check_in(people["staff"], meeting_id, 3).status_code == 403
    assert _check_in(people["mentor"], 10**6, 3).status_code == 404
    long = _check_in(people["mentor"], meeting_id, 3, "x" * 20_001)
    assert long.status_code == 422 and "20000" in long.get_data(as_text=True)


def test_facilitators_see_only_the_pairs_signal(app, people, pair):
    first = _confirmed_meeting(app, people, pair, days_ago=10)
    second = _confirmed_meeting(app, people, pair, days_ago=3)
    staff = people["staff"]
    assert "kaksi heikkoa peräkkäin" not in text(staff.page("/mentoring"))
    _check_in(people["aktori"], first, 2)
    _check_in(people["mentor"], first, 1)
    _check_in(people["aktori"], second, 2)
    overview = text(staff.page("/mentoring"))
    assert "Tapaamispalaute: kaksi heikkoa peräkkäin" in overview
    pair_page = staff.page(f"/mentoring/groups/{pair}")
    assert "kaksi heikkoa peräkkäin" in pair_page
    assert not re.search(r"checkin|pulse", pair_page)  # no individual answer, no form
    # A good meeting after them clears the signal.
    third = _confirmed_meeting(app, people, pair, days_ago=1, at="09:00")
    _check_in(people["aktori"], third, 5)
    assert "kaksi heikkoa peräkkäin" not in text(staff.page("/mentoring"))


def test_the_programmes_pulse_by_month_follows_the_k_rule(app, people, pair):
    meeting = _confirmed_meeting(app, people, pair)
    _check_in(people["aktori"], meeting, 4)
    page = text(people["staff"].page("/evaluation"))
    assert "ei näytetä (alle 5)" in page
