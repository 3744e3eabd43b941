"""The mentoring rules as pure functions: which meetings count and for whom, the gradebook
score, what a logged meeting may be, Helsinki times across DST, reminders and at-risk flags."""

from datetime import date, datetime, time, timedelta

import pytest

from app.core import clock
from app.mentoring import rules
from app.mentoring.rules import CONFIRMED as C
from app.mentoring.rules import DISPUTED as D
from app.mentoring.rules import PENDING as P

MENTOR, AKTORI, AKTORI2 = 1, 2, 3


# -- counting ----------------------------------------------------------------------------------


def test_a_pair_meeting_counts_once_both_confirmed():
    assert rules.counted_meetings([{MENTOR: C, AKTORI: P}]) == {}
    assert rules.counted_meetings([{MENTOR: C, AKTORI: C}]) == {MENTOR: 1, AKTORI: 1}


def test_mentors_and_peers_count_alike():
    meetings = [{10: C, 11: C}] * 3  # a peer pair
    assert rules.counted_meetings(meetings) == {10: 3, 11: 3}


def test_group_meeting_with_an_absent_aktori_counts_only_for_its_attendees():
    meetings = [
        {MENTOR: C, AKTORI: C, AKTORI2: C},  # all three
        {MENTOR: C, AKTORI: C},  # the second aktori was away
        {MENTOR: C, AKTORI2: P},  # not yet confirmed by the second aktori
    ]
    assert rules.counted_meetings(meetings) == {MENTOR: 2, AKTORI: 2, AKTORI2: 1}


def test_a_dispute_stops_the_meeting_counting_for_everyone():
    assert rules.meeting_state({MENTOR: C, AKTORI: D}) == rules.DISPUTED
    assert rules.counted_meetings([{MENTOR: C, AKTORI: D}, {MENTOR: C, AKTORI: C}]) == {MENTOR: 1, AKTORI: 1}
    # In a group, one dispute is enough even if the others confirmed.
    assert rules.counted_meetings([{MENTOR: C, AKTORI: C, AKTORI2: D}]) == {}


def test_a_correction_asks_again_so_the_meeting_stops_counting_until_confirmed():
    before = {MENTOR: C, AKTORI: D}
    corrected = {MENTOR: C, AKTORI: P}  # the logger corrected: others back to pending
    assert rules.meeting_state(before) == rules.DISPUTED
    assert rules.meeting_state(corrected) == rules.PENDING
    assert rules.meeting_state({MENTOR: C, AKTORI: C}) == rules.COUNTED


def test_a_meeting_needs_two_attendees_to_count():
    assert rules.meeting_state({MENTOR: C}) == rules.PENDING
    assert rules.meeting_state({}) == rules.PENDING


@pytest.mark.parametrize(
    "counted, required, given, progress",
    [
        (0, 6, 0, "InProgress"),
        (4, 6, 4, "InProgress"),
        (6, 6, 6, "Completed"),
        (9, 6, 6, "Completed"),
        (1, 1, 1, "Completed"),
    ],
)
def test_score_is_capped_at_n_and_always_fully_graded(counted, required, given, progress):
    score = rules.completion_score(counted, required)
    assert (score.given, score.maximum, score.activity_progress, score.grading_progress) == (
        given,
        required,
        progress,
        "FullyGraded",
    )


def test_score_goes_down_again_after_a_dispute():
    assert rules.completion_score(6, 6).completed
    assert not rules.completion_score(5, 6).completed


# -- time ----------------------------------------------------------------------------------------


def test_helsinki_times_are_stored_as_utc_across_dst():
    assert clock.helsinki_to_utc(date(2023, 1, 10), time(14, 0)) == datetime(2023, 1, 10, 12, 0)  # UTC+2
    assert clock.helsinki_to_utc(date(2022, 6, 10), time(14, 0)) == datetime(2022, 6, 10, 11, 0)  # UTC+3
    assert clock.utc_to_helsinki(datetime(2022, 6, 10, 11, 0)).strftime("%H:%M") == "14:00"


def test_a_time_skipped_by_the_spring_change_is_refused():
    with pytest.raises(clock.NonexistentTime):
        clock.helsinki_to_utc(date(2022, 3, 27), time(3, 30))


def test_an_autumn_time_that_occurs_twice_means_the_first():
    assert clock.helsinki_to_utc(date(2022, 10, 30), time(3, 30)) == datetime(2022, 10, 30, 0, 30)


# -- checking a logged meeting -------------------------------------------------------------------


def check(**overrides):
    values = dict(
        day=date(2022, 9, 1),
        at=time(14, 0),
        duration_minutes=60,
        mode="video",
        attendee_ids=[MENTOR, AKTORI],
        member_ids=[MENTOR, AKTORI],
        logger_id=MENTOR,
        kickoff=date(2022, 5, 5),
        closing=date(2023, 3, 30),
        min_minutes=45,
        max_minutes=75,
        now=datetime(2022, 10, 1, 12, 0),
        taken=(),
    )
    values.update(overrides)
    return rules.check_meeting(**values)


def codes(result):
    return [p.code for p in result.problems]


def test_a_good_meeting_passes():
    result = check()
    assert result.ok and not result.notes
    assert result.starts_at == datetime(2022, 9, 1, 11, 0)


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"day": date(2022, 10, 2)}, "in_future"),
        ({"day": date(2022, 10, 1), "at": time(16, 0)}, "in_future"),  # later today (13:00 UTC = 16:00)
        ({"day": date(2022, 5, 4)}, "outside_programme"),
        ({"day": date(2023, 3, 31), "now": datetime(2023, 6, 1)}, "outside_programme"),
        ({"taken": [(datetime(2022, 9, 1, 11, 0), 60)]}, "duplicate"),
        ({"duration_minutes": 0}, "duration_not_positive"),
        ({"duration_minutes": -30}, "duration_not_positive"),
        ({"duration_minutes": 60 * 24}, "duration_absurd"),
        ({"duration_minutes": None}, "duration_missing"),
        ({"mode": "telepathy"}, "mode_unknown"),
        ({"day": None}, "date_missing"),
        ({"at": None}, "time_missing"),
        ({"day": date(2023, 3, 26), "at": time(3, 15), "now": datetime(2023, 3, 28)}, "time_nonexistent"),
        ({"attendee_ids": [MENTOR, 99]}, "attendee_not_member"),
        ({"attendee_ids": [AKTORI, AKTORI2], "member_ids": [MENTOR, AKTORI, AKTORI2]}, "logger_absent"),
        ({"attendee_ids": [MENTOR]}, "too_few_attendees"),
    ],
)
def test_refusals(overrides, code):
    result = check(**overrides)
    assert code in codes(result)
    assert not result.ok


def test_durations_outside_the_bounds_are_accepted_with_a_note():
    for minutes in (30, 90):
        result = check(duration_minutes=minutes)
        assert result.ok
        assert [n.code for n in result.notes] == ["duration_outside_bounds"]
        assert result.notes[0].params == {"min": 45, "max": 75}


def test_the_programme_boundary_days_are_inside():
    assert check(day=date(2022, 5, 5)).ok
    assert check(day=date(2023, 3, 30), now=datetime(2023, 4, 2)).ok


# -- agreement, reminders, flags -----------------------------------------------------------------


def test_agreement_needs_every_current_member():
    assert rules.agreement_accepted({1, 2}, [1, 2])
    assert not rules.agreement_accepted({1}, [1, 2])
    assert not rules.agreement_accepted(set(), [])


def facts(**overrides):
    values = dict(
        active=True,
        published_on=date(2022, 5, 1),
        has_agreement=True,
        agreement_accepted=True,
        accepted_by_me=True,
        meetings_logged=1,
        awaiting_me=0,
        disputed_mine=0,
        last_meeting_on=date(2022, 9, 1),
        last_counted_on=date(2022, 9, 1),
        counted_for_me=1,
        required=6,
        closing=date(2023, 3, 30),
    )
    values.update(overrides)
    return rules.PairFacts(**values)


def reminder_codes(f, today=date(2022, 9, 10)):
    return [r.code for r in rules.reminders(f, today)]


def test_reminders_list_what_waits():
    assert reminder_codes(facts()) == []
    assert reminder_codes(facts(awaiting_me=2)) == ["confirm_meetings"]
    assert reminder_codes(facts(disputed_mine=1)) == ["correct_disputed"]
    assert reminder_codes(facts(has_agreement=False, agreement_accepted=False, accepted_by_me=False)) == [
        "write_agreement"
    ]


def test_agreement_reminder_turns_urgent_before_the_third_meeting():
    early = rules.reminders(facts(accepted_by_me=False, agreement_accepted=False, meetings_logged=1), date(2022, 9, 10))
    late = rules.reminders(facts(accepted_by_me=False, agreement_accepted=False, meetings_logged=2), date(2022, 9, 10))
    assert [(r.code, r.urgent) for r in early] == [("accept_agreement", False)]
    assert [(r.code, r.urgent) for r in late] == [("accept_agreement", True)]


def test_six_quiet_weeks():
    assert "no_meeting_weeks" not in reminder_codes(facts(), date(2022, 10, 12))
    assert "no_meeting_weeks" in reminder_codes(facts(), date(2022, 10, 13))
    # Nothing logged since publication.
    assert reminder_codes(facts(last_meeting_on=None, meetings_logged=0), date(2022, 5, 20)) == ["log_first_meeting"]
    assert "no_meeting_weeks" in reminder_codes(facts(last_meeting_on=None, meetings_logged=0), date(2022, 6, 20))
    # Not once the member has completed, nor after the programme, nor for an ended pair.
    assert reminder_codes(facts(counted_for_me=6), date(2022, 12, 1)) == []
    assert reminder_codes(facts(), date(2023, 4, 1)) == []
    assert reminder_codes(facts(active=False, awaiting_me=1), date(2022, 12, 1)) == ["confirm_meetings"]


def test_at_risk_flags():
    assert rules.at_risk(facts(), date(2022, 9, 10)) == []
    assert rules.at_risk(facts(), date(2022, 9, 1) + timedelta(weeks=6)) == ["quiet"]
    unaccepted = facts(agreement_accepted=False, last_counted_on=None, published_on=date(2022, 5, 1))
    assert rules.at_risk(unaccepted, date(2022, 5, 21)) == []
    assert rules.at_risk(unaccepted, date(2022, 5, 22)) == ["agreement_unaccepted"]
    assert rules.at_risk(facts(active=False), date(2022, 12, 1)) == []
