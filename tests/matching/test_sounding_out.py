"""Sounding out a published pair (issue 16): both answers through the pages, the facilitators' view,
a rematch that never pairs the same two again, and the audit entries."""

from app.core.audit import AuditEntry
from app.core.clock import helsinki_today
from app.core.db import db
from app.groups import services as group_services
from app.groups.models import DISSOLVED, PUBLISHED, SOUNDING_OUT, MentoringGroup
from app.mentoring.models import Meeting, MeetingCount
from app.programme.models import Registration
from tests.matching.test_matching_web import _reg, compute, group_with, groups
from tests.support.programme_web import post, text


def _published_pair(app, cohort):
    page_path = compute(cohort)
    mikko = group_with(app, cohort["pid"], "6")
    response = post(cohort["staff"], f"{page_path}/publish", {"group_id": [str(mikko["id"])]}, token_from=page_path)
    assert response.status_code == 303
    return page_path, mikko["id"]


def _answer(viewer, answer, reason=""):
    return post(viewer, "/matching/mine/answer", {"answer": answer, "reason": reason}, token_from="/matching/mine")


def _actions(app):
    with app.app_context():
        return [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]


def test_the_pair_is_agreed_only_when_both_say_go_on(app, cohort):
    page_path, group_id = _published_pair(app, cohort)
    mikko, elina = cohort["people"]["6"], cohort["people"]["7"]
    assert 'name="answer"' in mikko.page("/matching/mine")
    # Not yet agreed: the pair's agreement is not open, nor is the group ended early.
    mikko.page(f"/mentoring/groups/{group_id}/agreement", status=404)
    assert "end-reason" not in mikko.page(f"/mentoring/groups/{group_id}")

    assert _answer(mikko, "go_on").status_code == 303
    assert groups(app, cohort["pid"], SOUNDING_OUT)[0]["id"] == group_id
    assert 'name="answer"' not in mikko.page("/matching/mine")  # answered once
    staff_row = cohort["staff"].page(page_path).split(f'id="sounding-{group_id}"')[1].split("</tr>")[0]
    assert "Elina Nieminen" in staff_row and "Mikko Korhonen</td>" not in staff_row  # who has not answered

    assert _answer(elina, "go_on").status_code == 303
    assert [g["id"] for g in groups(app, cohort["pid"], PUBLISHED)] == [group_id]
    with app.app_context():
        assert db.session.get(MentoringGroup, group_id).agreed_at is not None
    mikko.page(f"/mentoring/groups/{group_id}")  # the agreement step opens
    assert _answer(elina, "rematch").status_code == 409  # agreed: no more answers
    assert _actions(app).count("groups.sounding.go_on") == 2


def test_a_rematch_dissolves_the_pair_and_they_are_never_paired_again(app, cohort):
    page_path, group_id = _published_pair(app, cohort)
    mikko, elina = cohort["people"]["6"], cohort["people"]["7"]
    assert _answer(elina, "maybe").status_code == 422
    assert _answer(elina, "rematch", "Luottamuksellinen syy").status_code == 303
    assert groups(app, cohort["pid"], DISSOLVED)[0]["id"] == group_id
    assert "groups.sounding.rematch" in _actions(app)
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).filter_by(action="groups.sounding.rematch"))
        assert entry.details == {"state": DISSOLVED}  # never the reason

    # The other member is told kindly, without the reason; the facilitators see it.
    told = text(mikko.page("/matching/mine"))
    assert "Luottamuksellinen syy" not in told and 'name="answer"' not in told
    assert "Luottamuksellinen syy" in cohort["staff"].page(page_path)
    assert _answer(mikko, "go_on").status_code == 409  # nothing left to answer, said on the page

    # Both are back in matching, and the matcher never pairs them again (they named each other).
    compute(cohort)
    for group in groups(app, cohort["pid"]):
        assert not {"6", "7"} <= group["members"].keys() or group["status"] == DISSOLVED
    assert "ei voi enää muuttaa" not in mikko.page("/register")  # free to edit again


def _published_group_of_three(app, cohort):
    """Pekka (mentor) with Aino and Elina (aktoris), made by hand and published."""
    pid, staff = cohort["pid"], cohort["staff"]
    with app.app_context():
        for sub in ("10", "5", "7"):
            reg = db.session.get(Registration, _reg(app, pid, sub))
            reg.capacity, reg.forms = (2 if sub == "10" else 1), ["traditional", "group"]
        db.session.commit()
    page_path = compute(cohort)
    path = f"/matching/programmes/{pid}/groups/new"
    data = {"form": "group", "person0": _reg(app, pid, "10"), "role0": "mentor"}
    data |= {"person1": _reg(app, pid, "5"), "role1": "aktori", "person2": _reg(app, pid, "7"), "role2": "aktori"}
    assert post(staff, path, data, token_from=path).status_code == 303
    group_id = group_with(app, pid, "10")["id"]
    response = post(staff, f"{page_path}/publish", {"group_id": [str(group_id)]}, token_from=page_path)
    assert response.status_code == 303
    return page_path, group_id


def test_a_rematch_in_a_group_of_three_parts_only_the_requester(app, cohort):
    page_path, group_id = _published_group_of_three(app, cohort)
    pekka, aino, elina = (cohort["people"][sub] for sub in ("10", "5", "7"))
    users = cohort["users"]
    assert _answer(aino, "go_on").status_code == 303
    assert _answer(elina, "rematch", "Luottamuksellinen syy").status_code == 303

    # Pekka and Aino still form a pair and go on sounding out, Aino's answer kept; Elina returns to matching.
    rest = next(g for g in groups(app, cohort["pid"]) if g["id"] == group_id)
    assert rest["status"] == SOUNDING_OUT and set(rest["members"]) == {"10", "5"} and rest["form"] == "traditional"
    parted = groups(app, cohort["pid"], DISSOLVED)
    assert len(parted) == 1 and set(parted[0]["members"]) == {"10", "5", "7"}
    with app.app_context():
        assert group_services.rematch_exclusions(cohort["pid"]) == {
            users["7"]: {users["10"], users["5"]},
            users["10"]: {users["7"]},
            users["5"]: {users["7"]},
        }
    assert "Luottamuksellinen syy" in cohort["staff"].page(page_path)

    # The others are told kindly, without the reason; Elina sees that she asked.
    for member in (pekka, aino):
        told = text(member.page("/matching/mine"))
        assert "Luottamuksellinen syy" not in told and "Elina Nieminen" not in told
        assert "Yksi ryhmänne jäsenistä" in told
    assert 'name="answer"' in pekka.page("/matching/mine") and 'name="answer"' not in aino.page("/matching/mine")
    assert "Pyysit uutta paria" in text(elina.page("/matching/mine"))
    assert _answer(elina, "go_on").status_code == 409  # said on her page

    assert _answer(pekka, "go_on").status_code == 303
    assert next(g for g in groups(app, cohort["pid"]) if g["id"] == group_id)["status"] == PUBLISHED
    pekka.page(f"/mentoring/groups/{group_id}")  # the agreement step opens for the two


def test_when_the_mentor_of_three_asks_everyone_returns_to_matching(app, cohort):
    _, group_id = _published_group_of_three(app, cohort)
    assert _answer(cohort["people"]["10"], "rematch").status_code == 303
    assert [g["id"] for g in groups(app, cohort["pid"], DISSOLVED)] == [group_id]  # two aktoris are no group
    users = cohort["users"]
    with app.app_context():
        excluded = group_services.rematch_exclusions(cohort["pid"])
    assert excluded[users["10"]] == {users["5"], users["7"]} and excluded[users["5"]] == {users["10"]}
    assert "Aiempi parisi" in text(cohort["people"]["5"].page("/matching/mine"))


def _counted(app, cohort, sub):
    with app.app_context():
        row = db.session.scalar(db.select(MeetingCount).filter_by(user_id=cohort["users"][sub]))
        return row.counted if row else 0


def test_meetings_logged_while_sounding_out_count_once_the_pair_is_agreed(app, cohort):
    _, group_id = _published_pair(app, cohort)
    mikko, elina = cohort["people"]["6"], cohort["people"]["7"]
    assert f"/mentoring/groups/{group_id}" in mikko.page("/matching/mine")
    # The first conversation, before the kickoff, is logged and confirmed while sounding out.
    path = f"/mentoring/groups/{group_id}/meetings/new"
    first = {"date": helsinki_today().isoformat(), "time": "00:00", "duration": "60", "mode": "video"}
    assert post(mikko, path, first, token_from=path).status_code == 303
    with app.app_context():
        meeting_id = db.session.scalar(db.select(Meeting.id).filter_by(group_id=group_id))
    confirm = f"/mentoring/groups/{group_id}/meetings/{meeting_id}/confirm"
    assert post(elina, confirm, token_from=f"/mentoring/groups/{group_id}").status_code == 303
    assert _counted(app, cohort, "6") == _counted(app, cohort, "7") == 0  # not counted while sounding out

    assert _answer(mikko, "go_on").status_code == 303
    assert _counted(app, cohort, "6") == 0
    assert _answer(elina, "go_on").status_code == 303
    assert _counted(app, cohort, "6") == _counted(app, cohort, "7") == 1  # the normal recount, on agreement


def test_meetings_of_a_pair_dissolved_while_sounding_out_never_count(app, cohort):
    _, group_id = _published_pair(app, cohort)
    mikko, elina = cohort["people"]["6"], cohort["people"]["7"]
    path = f"/mentoring/groups/{group_id}/meetings/new"
    first = {"date": helsinki_today().isoformat(), "time": "00:00", "duration": "60", "mode": "video"}
    assert post(mikko, path, first, token_from=path).status_code == 303
    with app.app_context():
        meeting_id = db.session.scalar(db.select(Meeting.id).filter_by(group_id=group_id))
    confirm = f"/mentoring/groups/{group_id}/meetings/{meeting_id}/confirm"
    assert post(elina, confirm, token_from=f"/mentoring/groups/{group_id}").status_code == 303
    assert _answer(elina, "rematch").status_code == 303
    assert _counted(app, cohort, "6") == _counted(app, cohort, "7") == 0
    mikko.page(f"/mentoring/groups/{group_id}", status=404)


def test_groups_sounding_out_show_in_the_completion_report_and_the_facilitators_progress(app, cohort):
    _, group_id = _published_pair(app, cohort)
    staff = cohort["staff"]
    report = staff.page("/admin/report")
    for sub in ("6", "7"):
        row = report.split(f'data-user="{cohort["users"][sub]}"')[1].split("</tr>")[0]
        assert "kyllä, tunnustelee" in row
    progress = staff.page("/mentoring").split(f"/mentoring/groups/{group_id}")[1].split("</tr>")[0]
    assert "tunnustelee" in progress
    assert _answer(cohort["people"]["6"], "go_on").status_code == 303
    assert _answer(cohort["people"]["7"], "go_on").status_code == 303
    row = staff.page("/admin/report").split(f'data-user="{cohort["users"]["6"]}"')[1].split("</tr>")[0]
    assert "tunnustelee" not in row and "kyllä" in row
