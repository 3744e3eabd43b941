"""Attendance: ticking a list, importing the meeting platform's report (preview, unmatched and
malformed rows reported, nothing applied twice), each participant seeing only their own record."""

import html
import io
import re

from app.core.audit import AuditEntry
from app.core.db import db
from app.events.models import Attendance, ProgrammeEvent
from app.events.rules import match_report, parse_report
from app.lti.models import ScoreOutbox

REPORT = """\ufeffMeeting summary
Title\tAloitustilaisuus
Attended participants\t4

Full Name\tJoin Time\tEmail\tRole
Aino Virtanen\t5.5.2022 13.01\taino.virtanen@example.fi\tPresenter
Mikko Korhonen\t5.5.2022 13.03\t MIKKO.KORHONEN@example.fi \tAttendee
Vieras Henkilö\t5.5.2022 13.04\tvieras@muu.example\tAttendee
Rikki Rivi\t5.5.2022 13.05\tei-osoite\tAttendee
Aino Virtanen\t5.5.2022 13.40\taino.virtanen@example.fi\tPresenter
"""


def kickoff_id(world) -> int:
    world.staff.page("/events/")  # creates the programme's own events
    with world.app.app_context():
        return db.session.scalar(
            db.select(ProgrammeEvent.id).filter_by(programme_id=world.programme_id, slot="kickoff")
        )


def attended(world, event_id) -> set[int]:
    with world.app.app_context():
        return set(db.session.scalars(db.select(Attendance.user_id).filter_by(event_id=event_id)))


def post_import(world, event_id, *, text=None, file=None, confirm=False):
    data = {"csrf_token": world.staff.csrf("/events/")}
    if file is not None:
        data["report"] = (io.BytesIO(file), "attendance.csv")
    if text is not None:
        data["report_text"] = text
    if confirm:
        data["confirm"] = "1"
    return world.staff.client.post(
        f"/events/{event_id}/attendance/import",
        data=data,
        query_string={"s": world.staff.token},
        content_type="multipart/form-data",
    )


def test_parse_report_finds_the_email_column_and_reports_the_rest():
    parsed = parse_report(REPORT.lstrip("\ufeff"))
    assert list(parsed.emails) == ["aino.virtanen@example.fi", "mikko.korhonen@example.fi", "vieras@muu.example"]
    assert [row.line for row in parsed.malformed] == [9]
    assert [row.line for row in parsed.duplicates] == [10]
    matched = match_report(parsed, {"aino.virtanen@example.fi": 1, "mikko.korhonen@example.fi": 2})
    assert matched.matched == {1: "aino.virtanen@example.fi", 2: "mikko.korhonen@example.fi"}
    assert [row.text for row in matched.unknown] == ["vieras@muu.example"]


def test_parse_report_without_header_and_with_semicolons():
    parsed = parse_report("a@b.fi;Aino\nrubbish;x\nc@d.fi;Mikko\n")
    assert list(parsed.emails) == ["a@b.fi", "c@d.fi"]
    assert [row.line for row in parsed.malformed] == [2]


def test_import_previews_then_applies_good_rows_once(world):
    event_id = kickoff_id(world)
    data = REPORT.encode("utf-16")  # Teams writes UTF-16
    preview = post_import(world, event_id, file=data)
    assert preview.status_code == 303  # to the preview page: reloading it posts nothing
    page = world.staff.client.get(preview.location).get_data(as_text=True)
    assert attended(world, event_id) == set()  # a preview records nothing
    assert "vieras@muu.example" in page  # unmatched row listed
    assert "Rikki Rivi" in page and ">9<" in page  # malformed row with its line number
    assert "Aino Virtanen" in page and "Mikko Korhonen" in page
    text = re.search(r'<textarea name="report_text" hidden>(.*?)</textarea>', page, re.S).group(1)
    applied = post_import(world, event_id, text=html.unescape(text), confirm=True)
    assert applied.status_code == 303
    expected = {world.users["p1"], world.users["p2"]}
    assert attended(world, event_id) == expected
    # Again, from the file: nothing twice, and the page says they were already recorded.
    again = post_import(world, event_id, file=data, confirm=True)
    assert again.status_code == 303
    assert attended(world, event_id) == expected
    with world.app.app_context():
        assert db.session.scalar(db.select(db.func.count(Attendance.id))) == 2
        audits = list(db.session.scalars(db.select(AuditEntry).filter_by(action="events.attendance_imported")))
        assert len(audits) == 1 and sorted(audits[0].details["added"]) == sorted(expected)
        assert audits[0].details == {**audits[0].details, "unknown_rows": 1, "malformed_rows": 1}
    page = world.staff.page(f"/events/{event_id}/attendance")
    assert "Raportista kirjattiin 0 osallistujaa." in page and "2 oli jo kirjattu." in page


def test_import_refuses_empty_and_binary_input(world):
    event_id = kickoff_id(world)
    response = post_import(world, event_id, text="   ")
    assert response.status_code == 400
    response = post_import(world, event_id, file=b"\x00\x01\x02PK\x03\x04")
    assert response.status_code == 400
    assert attended(world, event_id) == set()


def test_ticking_a_list_adds_and_removes_and_is_audited(world):
    event_id = kickoff_id(world)
    p1, p3, p4 = world.users["p1"], world.users["p3"], world.users["p4"]
    csrf = world.staff.csrf("/events/")
    url = f"/events/{event_id}/attendance"
    post = world.staff.client.post
    assert (
        post(url, data={"csrf_token": csrf, "attended": [p1, p3]}, query_string={"s": world.staff.token}).status_code
        == 303
    )
    assert attended(world, event_id) == {p1, p3}
    assert (
        post(url, data={"csrf_token": csrf, "attended": [p3, p4]}, query_string={"s": world.staff.token}).status_code
        == 303
    )
    assert attended(world, event_id) == {p3, p4}
    # Someone who is not registered cannot be ticked.
    assert (
        post(
            url, data={"csrf_token": csrf, "attended": [world.users["f1"]]}, query_string={"s": world.staff.token}
        ).status_code
        == 400
    )
    with world.app.app_context():
        entries = list(db.session.scalars(db.select(AuditEntry).filter_by(action="events.attendance_recorded")))
        assert [e.details["added"] for e in entries] == [sorted([p1, p3]), [p4]]
        assert entries[1].details["removed"] == [p1]
        # The kickoff (5.5.2022) has been held, so each change queued a "Programme events" score.
        scores = list(db.session.scalars(db.select(ScoreOutbox).filter_by(resource=f"events:{world.programme_id}")))
        assert scores and all(s.label == "Ohjelman tilaisuudet" and s.grading_progress == "FullyGraded" for s in scores)
        assert all(s.score_maximum == 3 for s in scores)  # kickoff, midpoint and closing were all held


def test_participants_see_only_their_own_record(world):
    event_id = kickoff_id(world)
    csrf = world.staff.csrf("/events/")
    world.staff.client.post(
        f"/events/{event_id}/attendance",
        data={"csrf_token": csrf, "attended": [world.users["p1"]]},
        query_string={"s": world.staff.token},
    )
    aino = world.viewers["p1"].page("/events/")
    elina = world.viewers["p3"].page("/events/")
    assert "Osallistumisesi: 1/3 tähän mennessä pidetystä tilaisuudesta." in aino
    assert "Osallistumisesi: 0/3" in elina
    assert "Osallistuneiksi kirjattu 1/5 ilmoittautuneesta." in world.staff.page(f"/events/{event_id}/attendance")
    assert 'class="attended"' in aino
    assert 'class="attended"' not in elina
    assert "Aino Virtanen" not in elina
    assert world.viewers["p1"].get(f"/events/{event_id}/attendance").status_code == 403


def test_facilitator_adds_an_event_with_clear_errors(world):
    csrf = world.staff.csrf("/events/")
    bad = world.staff.client.post(
        "/events/",
        data={
            "csrf_token": csrf,
            "kind": "lecture",
            "title": "",
            "date": "2023-03-26",
            "time": "03:30",
            "duration": "60",
            "url": "javascript:alert(1)",
        },
        query_string={"s": world.staff.token},
    )
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert page.count('class="error-message"') == 3  # title, a time skipped by DST, the link
    good = world.staff.client.post(
        "/events/",
        data={
            "csrf_token": csrf,
            "kind": "lecture",
            "title": "Luento vuorovaikutuksesta",
            "date": "2022-11-10",
            "time": "14:00",
            "duration": "90",
            "location": "Teams",
            "url": "https://teams.example/luento",
        },
        query_string={"s": world.staff.token},
    )
    assert good.status_code == 303
    assert "Luento vuorovaikutuksesta" in world.viewers["p4"].page("/events/")


def test_attendance_score():
    from app.events.rules import attendance_score

    assert attendance_score(0, 3) == (0, 3, "InProgress")
    assert attendance_score(2, 3) == (2, 3, "InProgress")
    assert attendance_score(3, 3) == (3, 3, "Completed")
    assert attendance_score(5, 3) == (3, 3, "Completed")  # never above the maximum


def test_a_parallel_import_records_nobody_twice(world):
    """Another facilitator recorded Aino a moment ago, after this request read the list (the set
    of people it found unrecorded still holds her): the insert skips her instead of failing."""
    from app.events.services import import_report

    event_id = kickoff_id(world)
    csrf = world.staff.csrf("/events/")
    world.staff.client.post(
        f"/events/{event_id}/attendance",
        data={"csrf_token": csrf, "attended": [world.users["p1"]]},
        query_string={"s": world.staff.token},
    )
    report = match_report(parse_report("Email\naino.virtanen@example.fi\nmikko.korhonen@example.fi\n"), {})
    with world.app.test_request_context():  # the score comment is localised
        event = db.session.get(ProgrammeEvent, event_id)
        stale = {world.users["p1"], world.users["p2"]}
        assert import_report(event, stale, report, world.users["f1"]) == {world.users["p2"]}
        db.session.commit()
    assert attended(world, event_id) == {world.users["p1"], world.users["p2"]}
    with world.app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).filter_by(action="events.attendance_imported"))
        assert entry.details["added"] == [world.users["p2"]]


def test_the_events_grade_item_is_named_in_the_programmes_main_language(world):
    from app.programme.models import Programme

    with world.app.app_context():
        db.session.get(Programme, world.programme_id).main_language = "sv"
        db.session.commit()
    event_id = kickoff_id(world)
    response = world.staff.client.post(
        f"/events/{event_id}/attendance",
        data={"csrf_token": world.staff.csrf("/events/"), "attended": [world.users["p1"]]},
        query_string={"s": world.staff.token},
    )
    assert response.status_code == 303
    with world.app.app_context():
        scores = list(db.session.scalars(db.select(ScoreOutbox).filter_by(resource=f"events:{world.programme_id}")))
        assert scores and {s.label for s in scores} == {"Programmets evenemang"}
