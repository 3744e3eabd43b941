"""Who may change a meeting, as pure rules: a meeting that does not count is its logger's to
correct or remove; a counted one changes only when everyone else it touches confirms; meetings of
one group never overlap. The property test plays random sequences of member actions against the
rules and checks that nobody's count ever drops without that member's own say."""

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.mentoring import rules
from app.mentoring.rules import CONFIRMED as C
from app.mentoring.rules import DISPUTED as D
from app.mentoring.rules import PENDING as P

MENTOR, AKTORI, AKTORI2 = 1, 2, 3


def actions(viewer, answers, logger=MENTOR, change=None, active=True):
    return rules.meeting_actions(viewer, logger_id=logger, answers=answers, change=change, active=active)


def allowed(a: rules.MeetingActions) -> set[str]:
    return {name for name, value in vars(a).items() if value}


def test_a_meeting_that_does_not_count_is_the_loggers_to_change():
    waiting = {MENTOR: C, AKTORI: P}
    assert allowed(actions(MENTOR, waiting)) == {"edit", "delete"}
    assert allowed(actions(AKTORI, waiting)) == {"confirm", "dispute"}
    disputed = {MENTOR: C, AKTORI: D}
    assert allowed(actions(MENTOR, disputed)) == {"edit", "delete"}
    assert allowed(actions(AKTORI, disputed)) == {"confirm", "dispute"}
    # Someone who was not there has nothing to do with it; an ended pair's meetings are read-only.
    assert allowed(actions(AKTORI2, waiting)) == set()
    assert allowed(actions(AKTORI, waiting, active=False)) == set()


def test_a_counted_meeting_is_changed_only_by_proposal():
    counted = {MENTOR: C, AKTORI: C}
    assert allowed(actions(MENTOR, counted)) == {"propose"}
    assert allowed(actions(AKTORI, counted)) == {"propose"}  # any attendee, not only its logger
    assert allowed(actions(AKTORI2, counted)) == set()


def test_a_pending_proposal_waits_for_everyone_else_it_touches():
    counted = {MENTOR: C, AKTORI: C}
    confirmers = rules.change_confirmers(counted, [MENTOR, AKTORI, AKTORI2], MENTOR)
    assert confirmers == {AKTORI, AKTORI2}  # the aktori's count, and the one the correction adds
    change = rules.PendingChange(MENTOR, confirmers, frozenset())
    assert allowed(actions(MENTOR, counted, change=change)) == {"withdraw_change"}
    assert allowed(actions(AKTORI, counted, change=change)) == {"confirm_change", "decline_change"}
    assert allowed(actions(AKTORI2, counted, change=change)) == {"confirm_change", "decline_change"}
    assert not rules.change_agreed(change)
    half = rules.PendingChange(MENTOR, confirmers, frozenset({AKTORI}))
    assert allowed(actions(AKTORI, counted, change=half)) == set()  # answered already
    assert not rules.change_agreed(half)
    assert rules.change_agreed(rules.PendingChange(MENTOR, confirmers, frozenset({AKTORI, AKTORI2})))
    # No second proposal meanwhile.
    assert "propose" not in allowed(actions(AKTORI, counted, change=change))


def test_a_facilitators_change_needs_a_reason():
    assert rules.override_problem("") == "reason_missing"
    assert rules.override_problem("x" * (rules.OVERRIDE_REASON_MAX + 1)) == "reason_too_long"
    assert rules.override_problem("Kirjattu väärälle parille") is None


def test_a_proposal_waiting_for_me_is_an_urgent_reminder_while_the_pair_is_active():
    from datetime import date

    from tests.mentoring.test_rules import facts

    [reminder] = rules.reminders(facts(changes_awaiting_me=2), date(2022, 9, 10))
    assert (reminder.code, reminder.params, reminder.urgent) == ("answer_changes", {"count": 2}, True)
    assert rules.reminders(facts(changes_awaiting_me=2, active=False), date(2022, 9, 10)) == []


def test_overlapping_spans():
    ten = datetime(2022, 9, 1, 7, 0)
    taken = [(ten, 60)]
    assert rules.overlapping(ten + timedelta(minutes=1), 60, taken) == ten  # 10:01 inside 10:00–11:00
    assert rules.overlapping(ten - timedelta(minutes=30), 45, taken) == ten  # 9:30–10:15
    assert rules.overlapping(ten - timedelta(minutes=60), 60, taken) is None  # ends as it starts
    assert rules.overlapping(ten + timedelta(minutes=60), 60, taken) is None  # starts as it ends
    assert rules.overlapping(ten - timedelta(hours=1), 8 * 60, taken) == ten  # around it


def test_check_meeting_refuses_an_overlap_and_names_it():
    from tests.mentoring.test_rules import check, codes

    taken = [(datetime(2022, 9, 1, 10, 30), 60)]  # 13:30–14:30 Helsinki
    result = check(taken=taken)  # 14:00 Helsinki
    assert codes(result) == ["overlap"]
    assert result.problems[0].params == {"start": datetime(2022, 9, 1, 10, 30)}
    assert check(taken=[(datetime(2022, 9, 1, 10, 0), 60)]).ok  # 13:00–14:00 just before
    # A facilitator's correction need not include its author.
    assert check(logger_id=None).ok


# -- the property: nobody's count drops without their own say -----------------------------------

MEMBERS = (MENTOR, AKTORI, AKTORI2)
OPS = (
    "log",
    "confirm",
    "dispute",
    "edit",
    "delete",
    "propose_delete",
    "propose_correct",
    "confirm_change",
    "decline_change",
    "withdraw_change",
)

step = st.tuples(
    st.sampled_from(MEMBERS),  # who acts
    st.sampled_from(OPS),
    st.integers(0, 1),  # which meeting
    st.sets(st.sampled_from(MEMBERS), min_size=1),  # attendees for log/edit/correction
)


def _counts(meetings):
    return rules.counted_meetings(m["answers"] for m in meetings.values())


@settings(max_examples=1000, deadline=None)
@given(st.lists(step, max_size=40))
def test_no_member_action_lowers_another_members_count_without_their_confirmation(steps):
    """Members act in any order; whatever the rules allow is carried out as the services do.
    After every step, anyone whose count dropped must be the actor, or have confirmed the change
    that was applied."""
    meetings: dict[int, dict] = {}
    next_id = 0
    for actor, op, index, people in steps:
        ids = sorted(meetings)
        meeting = meetings[ids[index % len(ids)]] if ids else None
        before = _counts(meetings)
        consented = {actor}
        attendees = set(people) | {actor}
        if op == "log":
            if len(attendees) >= 2:
                meetings[next_id] = {
                    "logger": actor,
                    "answers": {a: C if a == actor else P for a in attendees},
                    "change": None,
                }
                next_id += 1
            continue
        if meeting is None:
            continue
        change = meeting["change"]
        can = rules.meeting_actions(
            actor,
            logger_id=meeting["logger"],
            answers=meeting["answers"],
            active=True,
            change=rules.PendingChange(change["by"], change["confirmers"], change["confirmed"]) if change else None,
        )
        key = next(k for k, v in meetings.items() if v is meeting)
        if op == "confirm" and can.confirm:
            meeting["answers"][actor] = C
        elif op == "dispute" and can.dispute:
            meeting["answers"][actor] = D
        elif op == "edit" and can.edit and len(attendees) >= 2:
            meeting["answers"] = {a: C if a == actor else P for a in attendees}
        elif op == "delete" and can.delete:
            del meetings[key]
        elif op in ("propose_delete", "propose_correct") and can.propose:
            new = attendees if op == "propose_correct" else set()
            if op == "propose_correct" and len(new) < 2:
                continue
            meeting["change"] = {
                "by": actor,
                "kind": op,
                "new": new,
                "confirmed": frozenset(),
                "confirmers": rules.change_confirmers(meeting["answers"], new, actor),
            }
        elif op == "confirm_change" and can.confirm_change:
            change["confirmed"] = change["confirmed"] | {actor}
            if rules.change_agreed(rules.PendingChange(change["by"], change["confirmers"], change["confirmed"])):
                consented = set(change["confirmed"]) | {change["by"]}
                if change["kind"] == "propose_delete":
                    del meetings[key]
                else:  # everyone it names agreed to it
                    meeting["answers"] = {a: C for a in change["new"]}
                    meeting["change"] = None
        elif op in ("decline_change", "withdraw_change") and getattr(can, op):
            meeting["change"] = None
        after = _counts(meetings)
        for member in MEMBERS:
            if after.get(member, 0) < before.get(member, 0):
                assert member in consented, (member, op, actor, before, after)
