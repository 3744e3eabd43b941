"""End to end through the development platform: a peer pair logs and confirms six meetings over
HTTP, the gradebook worker delivers, and both members' scores stand in the platform's gradebook
as 6/6, Completed and FullyGraded; a removal one proposes and the other confirms lowers both
again."""

import re
import time

import requests

from app.devplatform.useragent import UserAgent

JOHAN, MARIA = "8", "11"  # people.json: two Swedish-speaking peers, free in the demo data


def _make_pair(tool):
    from app.core.clock import utcnow
    from app.core.db import db
    from app.groups.models import GroupMember, MentoringGroup
    from app.people.models import User
    from app.programme.models import Programme

    with tool.app_context():
        programme = db.session.scalar(db.select(Programme))
        users = {u.subject: u for u in db.session.scalars(db.select(User).where(User.subject.in_((JOHAN, MARIA))))}
        group = MentoringGroup(
            programme_id=programme.id, form="peer", status="published", reasons=[], published_at=utcnow()
        )
        group.members += [
            GroupMember(user_id=users[JOHAN].id, role="peer"),
            GroupMember(user_id=users[MARIA].id, role="peer"),
        ]
        db.session.add(group)
        db.session.commit()
        return group.id, programme.required_meetings


class Member:
    """A member launched through the development platform, then using the tool over HTTP."""

    def __init__(self, live, person):
        self.agent = UserAgent(live["platform_url"])
        result = self.agent.launch(person, locale="sv")
        assert result.ok, result.steps
        self.tool_url = live["tool_url"]
        self.token = re.search(r"[?&]s=([\w-]+)", result.response.url + result.response.text).group(1)

    def get(self, path):
        return self.agent.request("GET", f"{self.tool_url}{path}", params={"s": self.token})

    def post(self, path, data):
        page = self.get("/home").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self.agent.request("POST", f"{self.tool_url}{path}?s={self.token}", data={"csrf_token": csrf, **data})


def demo_day(tool, days_after_kickoff: int) -> str:
    """A day of the demo programme (seeded around today, so the first ~150 days are past)."""
    from datetime import timedelta

    from app.core.db import db
    from app.programme.models import Programme

    with tool.app_context():
        return (db.session.scalar(db.select(Programme.kickoff)) + timedelta(days=days_after_kickoff)).isoformat()


def _meeting_ids(tool, group_id):
    from app.core.db import db
    from app.mentoring.models import Meeting

    with tool.app_context():
        return list(db.session.scalars(db.select(Meeting.id).where(Meeting.group_id == group_id).order_by(Meeting.id)))


def _platform_grades(live, users):
    body = requests.get(live["platform_url"] + "/dev/control", timeout=10).json()
    return {g["user"]: g for g in body["grades"] if g["user"] in users}


def _deliver_until(live, predicate, timeout=60):
    """Run the tool's gradebook worker (as ``flask gradebook work`` does) until the platform's
    gradebook satisfies ``predicate``."""
    from app.core.db import db
    from app.lti.delivery import Worker

    deadline = time.monotonic() + timeout
    grades = {}
    with live["tool"].app_context():
        worker = Worker(live["tool"].extensions["lti_tokens"], backoff_base=0.01)
        while time.monotonic() < deadline:
            worker.run_once()
            db.session.remove()
            grades = _platform_grades(live, {JOHAN, MARIA})
            if predicate(grades):
                return grades
            time.sleep(0.2)
    raise AssertionError(f"the platform's gradebook never reached the expected state: {grades}")


def test_six_confirmed_meetings_reach_the_platform_gradebook(live):
    group, required = _make_pair(live["tool"])
    assert required == 6
    Member(live, "4")  # the facilitator's launch brings the course's AGS endpoints, as in Moodle
    johan, maria = Member(live, JOHAN), Member(live, MARIA)
    for n in range(6):
        day = demo_day(live["tool"], 20 + 14 * n)
        response = johan.post(
            f"/mentoring/groups/{group}/meetings/new", {"date": day, "time": "10:00", "duration": "60", "mode": "video"}
        )
        assert response.status_code == 303, response.text[:500]
        meeting = _meeting_ids(live["tool"], group)[-1]
        assert maria.post(f"/mentoring/groups/{group}/meetings/{meeting}/confirm", {}).status_code == 303

    def complete(grades):
        return len(grades) == 2 and all(g["activityProgress"] == "Completed" for g in grades.values())

    grades = _deliver_until(live, complete)
    for g in grades.values():
        assert g["gradingProgress"] == "FullyGraded"
        assert g["grade"] is not None and abs(g["grade"] / _item_maximum(live) - 1.0) < 1e-9  # 6/6
        assert g["comment"] == "6/6 träffar bekräftade"

    # Maria proposes to remove the first meeting and Johan confirms: both fall back to 5/6.
    first = _meeting_ids(live["tool"], group)[0]
    response = maria.post(f"/mentoring/groups/{group}/meetings/{first}/delete", {})
    assert response.status_code == 303
    change = re.search(r"#change-(\d+)", response.headers["Location"]).group(1)
    assert johan.post(f"/mentoring/groups/{group}/changes/{change}/confirm", {}).status_code == 303

    def lowered(grades):
        return len(grades) == 2 and all(g["activityProgress"] == "InProgress" for g in grades.values())

    grades = _deliver_until(live, lowered)
    for g in grades.values():
        assert abs(g["grade"] / _item_maximum(live) - 5 / 6) < 1e-9
        assert g["comment"] == "5/6 träffar bekräftade"


def _item_maximum(live):
    items = requests.get(live["platform_url"] + "/dev/control", timeout=10).json()["line_items"]
    [item] = [i for i in items if i["label"] == "Mentorointi"]
    return item["scoreMaximum"]
