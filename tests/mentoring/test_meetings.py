"""Logging, confirming, disputing and correcting meetings over HTTP, and the gradebook scores
that follow every change in a member's counted meetings."""

from tests.mentoring.conftest import last_meeting_id, log, make_group, outbox
from tests.support.web import text


def test_log_confirm_and_count(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    response = log(mentor, pair, days_ago=10)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    meeting = last_meeting_id(app, pair)
    assert outbox(app) == []  # the logger's own confirmation alone counts for no one

    page = aktori.page(f"/mentoring/groups/{pair}")
    assert "1 tapaaminen odottaa vahvistustasi" in text(page)
    assert aktori.post(f"/mentoring/groups/{pair}/meetings/{meeting}/confirm").status_code == 303
    scores = outbox(app)
    assert sorted(s[0] for s in scores) == sorted([mentor.user_id, aktori.user_id])
    programme_resource = scores[0][6]
    assert programme_resource.startswith("mentoring:")
    for _, given, maximum, activity, grading, comment, _ in scores:
        assert (given, maximum, activity, grading) == (1, 6, "InProgress", "FullyGraded")
        assert comment == "1/6 tapaamista vahvistettu"

    # Confirming again changes nothing and sends nothing.
    assert aktori.post(f"/mentoring/groups/{pair}/meetings/{meeting}/confirm").status_code == 303
    assert len(outbox(app)) == 2
    page = mentor.page("/mentoring")
    assert "1/6" in page and "1 / 6" not in page
    assert "laskettu" in text(page)


def test_comment_in_the_members_language(app, people, programme):
    group = make_group(app, programme, [(people["mentor"], "mentor"), (people["aktori2"], "aktori")])
    log(people["mentor"], group)
    people["aktori2"].post(f"/mentoring/groups/{group}/meetings/{last_meeting_id(app, group)}/confirm")
    comments = {s[0]: s[5] for s in outbox(app)}
    assert comments[people["mentor"].user_id] == "1/6 tapaamista vahvistettu"
    assert comments[people["aktori2"].user_id] == "1/6 träffar bekräftade"


def test_dispute_before_counting_and_correction_asks_again(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    log(mentor, pair)
    meeting = last_meeting_id(app, pair)

    # A dispute without a reason is refused with a clear message and changes nothing.
    response = aktori.post(f"/mentoring/groups/{pair}/meetings/{meeting}/dispute", {"reason": "  "})
    assert response.status_code == 422 and "Kirjoita lyhyt perustelu" in response.get_data(as_text=True)

    response = aktori.post(
        f"/mentoring/groups/{pair}/meetings/{meeting}/dispute", {"reason": "Tapasimme vasta torstaina"}
    )
    assert response.status_code == 303
    assert outbox(app) == []  # it never counted, so nobody's score changes
    page = mentor.page(f"/mentoring/groups/{pair}")
    assert "Tapasimme vasta torstaina" in page
    assert "Kirjaamaasi tapaamista on kiistetty" in text(page)

    # The logger corrects; the aktori is asked again and then confirms.
    response = mentor.post(
        f"/mentoring/groups/{pair}/meetings/{meeting}/edit",
        {"date": "", "time": "15:00", "duration": "50", "mode": "phone"} | _date(8),
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    assert "1 tapaaminen odottaa vahvistustasi" in text(aktori.page(f"/mentoring/groups/{pair}"))
    aktori.post(f"/mentoring/groups/{pair}/meetings/{meeting}/confirm")
    assert [s[1] for s in outbox(app)] == [1, 1]

    # Once it counts, a dispute is no longer one member's to make: the change is proposed instead.
    response = aktori.post(f"/mentoring/groups/{pair}/meetings/{meeting}/dispute", {"reason": "Sittenkin väärin"})
    assert response.status_code == 409 and "ehdota muutosta" in text(response.get_data(as_text=True)).lower()
    assert len(outbox(app)) == 2


def _date(days_ago):
    from datetime import date, timedelta

    return {"date": (date.today() - timedelta(days=days_ago)).isoformat()}


def test_only_the_logger_corrects_or_removes_and_the_logger_cannot_dispute(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    log(mentor, pair)
    meeting = last_meeting_id(app, pair)
    assert aktori.get(f"/mentoring/groups/{pair}/meetings/{meeting}/edit").status_code == 403
    assert aktori.post(f"/mentoring/groups/{pair}/meetings/{meeting}/delete").status_code == 403
    assert mentor.post(f"/mentoring/groups/{pair}/meetings/{meeting}/dispute", {"reason": "x"}).status_code == 403
    assert mentor.post(f"/mentoring/groups/{pair}/meetings/{meeting}/delete").status_code == 303
    assert last_meeting_id(app, pair) is None


def test_six_meetings_complete_and_the_cap_holds(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    for n in range(7):
        assert log(mentor, pair, days_ago=10 + n * 7).status_code == 303
        aktori.post(f"/mentoring/groups/{pair}/meetings/{last_meeting_id(app, pair)}/confirm")
    mine = [s for s in outbox(app) if s[0] == aktori.user_id]
    assert [s[1] for s in mine] == [1, 2, 3, 4, 5, 6]  # the seventh changes no score
    assert mine[-1][3:5] == ("Completed", "FullyGraded")
    assert mine[-1][5] == "6/6 tapaamista vahvistettu"
    assert "Olet suorittanut ohjelman tapaamiset" in text(aktori.page("/mentoring"))


def test_group_meeting_with_an_absent_aktori(app, people, programme):
    mentor, a1, a2 = people["mentor"], people["aktori"], people["aktori2"]
    group = make_group(app, programme, [(mentor, "mentor"), (a1, "aktori"), (a2, "aktori")], form="group")
    response = log(a1, group, attendees=[mentor.user_id, a1.user_id])
    assert response.status_code == 303
    mentor.post(f"/mentoring/groups/{group}/meetings/{last_meeting_id(app, group)}/confirm")
    scored = {s[0]: s[1] for s in outbox(app)}
    assert scored == {mentor.user_id: 1, a1.user_id: 1}
    # The absent aktori has nothing to confirm.
    response = a2.post(f"/mentoring/groups/{group}/meetings/{last_meeting_id(app, group)}/confirm")
    assert response.status_code == 403


def test_refusals_are_clear_and_lose_nothing(app, people, pair):
    mentor = people["mentor"]
    cases = [
        ({"days_ago": -3}, "Tapaaminen on tulevaisuudessa"),
        ({"days_ago": 400}, "Päivämäärä on ohjelman ulkopuolella"),
        ({"duration": -5}, "Keston on oltava enemmän kuin nolla minuuttia"),
        ({"duration": 5000}, "Kesto voi olla enintään 480 minuuttia"),
        ({"mode": "telepathy"}, "Valitse, miten tapaaminen pidettiin"),
    ]
    for kwargs, message in cases:
        response = log(mentor, pair, **kwargs)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, kwargs
        assert message in text(body), (kwargs, text(body)[:400])
    assert last_meeting_id(app, pair) is None
    # What was typed is still in the form.
    response = mentor.post(
        f"/mentoring/groups/{pair}/meetings/new",
        {"date": "31.13.2022", "time": "25:99", "duration": "tunti", "mode": "video"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="31.13.2022"' in body and 'value="tunti"' in body
    assert "kokonaislukuna" in body

    assert log(mentor, pair, days_ago=5).status_code == 303
    response = log(mentor, pair, days_ago=5)
    assert response.status_code == 422 and "on jo kirjattu" in text(response.get_data(as_text=True))


def test_durations_outside_the_bounds_are_saved_with_a_note(app, people, pair):
    mentor = people["mentor"]
    response = log(mentor, pair, duration=30)
    assert response.status_code == 303 and "noted=duration" in response.headers["Location"]
    page = text(mentor.page(f"/mentoring/groups/{pair}"))
    assert "Huom: kesto on ohjelman 45–75 minuutin ulkopuolella" in page


def test_times_are_entered_and_shown_in_helsinki(app, people, pair):
    from app.core.db import db
    from app.mentoring.models import Meeting

    mentor = people["mentor"]
    log(mentor, pair, at="14:30")
    with app.app_context():
        meeting = db.session.get(Meeting, last_meeting_id(app, pair))
        assert meeting.local_start.strftime("%H:%M") == "14:30"
        assert meeting.starts_at.hour in (11, 12)  # UTC, summer or winter
    assert "14.30" in mentor.page(f"/mentoring/groups/{pair}")


def test_ending_early_keeps_counted_meetings(app, people, pair):
    mentor, aktori = people["mentor"], people["aktori"]
    log(mentor, pair)
    aktori.post(f"/mentoring/groups/{pair}/meetings/{last_meeting_id(app, pair)}/confirm")
    sent = len(outbox(app))
    response = aktori.post(f"/mentoring/groups/{pair}/end", {"reason": ""})
    assert response.status_code == 422
    response = aktori.post(f"/mentoring/groups/{pair}/end", {"reason": "Vaihdoin työpaikkaa"})
    assert response.status_code == 303
    page = text(mentor.page("/mentoring"))
    assert "päättyi" in page and "Vaihdoin työpaikkaa" not in page  # the reason is for facilitators
    assert "1/6" in mentor.page("/mentoring") or "1 / 6" in page
    assert len(outbox(app)) == sent  # nothing changed in the counts
    # An ended pair is read-only.
    assert log(mentor, pair).status_code == 409
    staff_page = text(people["staff"].page(f"/mentoring/groups/{pair}"))
    assert "Vaihdoin työpaikkaa" in staff_page


def test_facilitator_ends_a_pair(app, people, pair):
    response = people["staff"].post(f"/mentoring/groups/{pair}/end", {"reason": "Aktori pyysi uutta mentoria"})
    assert response.status_code == 303
    assert "päättyi" in text(people["aktori"].page("/mentoring"))
    from app.core.audit import AuditEntry
    from app.core.db import db

    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "mentoring.end"))
        assert entry.target == f"mentoring_group:{pair}" and entry.actor_id == people["staff"].user_id


def test_group_page_shows_the_programme_timeline_from_the_events_area(people, pair):
    """Mentoring imports no events: the timeline comes through app.programme.timeline."""
    page = text(people["aktori"].page(f"/mentoring/groups/{pair}"))
    names = ["Aloitustilaisuus", "Välitilaisuus", "Päätöstilaisuus"]
    assert all(name in page for name in names)
    assert [page.index(name) for name in names] == sorted(page.index(name) for name in names)


def test_only_an_active_pairs_page_offers_logging_and_ending(app, people, programme):
    active = make_group(app, programme, [(people["mentor"], "mentor"), (people["aktori"], "aktori")])
    ended = make_group(app, programme, [(people["mentor"], "mentor"), (people["outsider"], "aktori")])
    assert people["outsider"].post(f"/mentoring/groups/{ended}/end", {"reason": "moved"}).status_code == 303
    page = people["mentor"].page(f"/mentoring/groups/{active}")
    assert f"/mentoring/groups/{active}/meetings/new" in page and f"/mentoring/groups/{active}/end" in page
    page = people["mentor"].page(f"/mentoring/groups/{ended}")
    assert "/meetings/new" not in page and f"/mentoring/groups/{ended}/end" not in page
