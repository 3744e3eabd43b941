"""Withdrawing a published match before its members have met (issue 15): a confirmation page
saying who will be told, an audit entry, the members told on their page and by mail (never why),
back to matching; refused with a reason once a meeting is logged or the match is no longer
published."""

from datetime import datetime

import pytest

from app.core.audit import AuditEntry
from app.core.db import db
from app.groups.models import DRAFT, MATCHED, PUBLISHED, SOUNDING_OUT, WITHDRAWN, MentoringGroup
from app.matching import rules
from app.mentoring.models import Meeting
from app.notifications.models import Notification
from tests.matching.test_matching_web import compute, group_with, groups
from tests.support.programme_web import post, text


@pytest.mark.parametrize("status", MATCHED)
def test_rule_allows_a_published_match_only_before_a_meeting(status):
    assert rules.withdrawal_refusal(status, has_met=False) is None
    assert rules.withdrawal_refusal(status, has_met=True) == rules.HAS_MET


@pytest.mark.parametrize("status", [DRAFT, "dissolved", "ended", WITHDRAWN])
def test_rule_refuses_what_is_not_published(status):
    assert rules.withdrawal_refusal(status, has_met=False) == rules.NOT_PUBLISHED


def _publish_mikko(app, cohort):
    page = compute(cohort)
    mikko = group_with(app, cohort["pid"], "6")
    post(cohort["staff"], f"{page}/publish", {"group_id": [str(mikko["id"])]}, token_from=page)
    return mikko["id"]


def test_withdrawing_asks_tells_the_members_and_returns_them_to_matching(app, cohort):
    pid, staff = cohort["pid"], cohort["staff"]
    gid = _publish_mikko(app, cohort)
    elina = cohort["people"]["7"]
    elina.page("/matching/mine")  # she sees her match while sounding out
    index = staff.page(f"/matching/programmes/{pid}")
    path = f"/matching/programmes/{pid}/groups/{gid}/withdraw"
    assert f'href="{path}?s=' in index
    confirm = text(staff.page(path))
    assert "Mikko Korhonen" in confirm and "Elina Nieminen" in confirm
    assert "kotisivullaan ja sähköpostitse" in confirm  # who will be told, and how
    assert groups(app, pid, SOUNDING_OUT)[0]["id"] == gid  # asking changed nothing

    response = post(staff, path, token_from=path)
    assert response.status_code == 303 and "done=withdrawn" in response.headers["Location"]
    with app.app_context():
        group = db.session.get(MentoringGroup, gid)
        assert group.status == WITHDRAWN and group.ended_at is not None and group.ended_by_id == cohort["users"]["4"]
        entry = db.session.scalar(db.select(AuditEntry).filter_by(action="matching.withdraw"))
        assert entry.actor.subject == "4" and entry.target == f"mentoring_group:{gid}"
        assert entry.details["status"] == SOUNDING_OUT and len(entry.details["registration_ids"]) == 2
        mails = db.session.scalars(db.select(Notification).filter_by(kind="match_withdrawn")).all()
        assert sorted(n.user_id for n in mails) == sorted([cohort["users"]["6"], cohort["users"]["7"]])
        assert all(n.params == {} for n in mails)  # no reason travels by mail

    # The members are told on their pages, and wait for a new match; nobody else is.
    for sub in ("6", "7"):
        viewer = cohort["people"][sub]
        assert "ovat peruneet sinulle julkaistun parin tai ryhmän" in text(viewer.page("/matching/mine"))
        assert "ovat peruneet sinulle julkaistun parin tai ryhmän" in text(viewer.page("/home"))
        assert "Katso parisi tai ryhmäsi" not in viewer.page("/home")
    assert "ovat peruneet" not in text(cohort["people"]["5"].page("/home"))
    # Back in matching: unmatched, and they may edit their registrations again.
    page = staff.page(f"/matching/programmes/{pid}")
    assert "Mikko Korhonen" in page.split('id="unmatched"')[1].split('id="published"')[0]
    assert "ei voi enää muuttaa" not in elina.page("/register")
    # A late sounding-out answer is refused kindly, not with a 404.
    answer = post(elina, "/matching/mine/answer", {"answer": "go_on"}, token_from="/matching/mine")
    assert answer.status_code == 409
    # Withdrawing twice is refused with a reason.
    assert "ei ole (enää) julkaistu" in text(staff.page(path, status=409))
    assert post(staff, path, token_from=f"/matching/programmes/{pid}").status_code == 409


def test_a_match_whose_members_met_cannot_be_withdrawn(app, cohort):
    pid, staff = cohort["pid"], cohort["staff"]
    gid = _publish_mikko(app, cohort)
    with app.app_context():
        group = db.session.get(MentoringGroup, gid)
        group.status = PUBLISHED  # agreed: both said go on
        db.session.add(
            Meeting(
                group_id=gid,
                starts_at=datetime(2026, 1, 5, 10),
                duration_minutes=60,
                mode="video",
                logged_by_id=cohort["users"]["6"],
            )
        )
        db.session.commit()
    path = f"/matching/programmes/{pid}/groups/{gid}/withdraw"
    page = text(staff.page(path, status=409))
    assert "ovat jo kirjanneet tapaamisen" in page and "Peru ryhmä" not in page
    assert post(staff, path, token_from=f"/matching/programmes/{pid}").status_code == 409
    with app.app_context():
        assert db.session.get(MentoringGroup, gid).status == PUBLISHED
        assert db.session.scalar(db.select(AuditEntry).filter_by(action="matching.withdraw")) is None


def test_drafts_and_other_courses_cannot_be_withdrawn(app, platform, cohort):
    from tests.support.programme_web import facilitator

    pid = cohort["pid"]
    compute(cohort)
    draft = groups(app, pid, DRAFT)[0]["id"]
    cohort["staff"].page(f"/matching/programmes/{pid}/groups/{draft}/withdraw", status=404)
    gid = _publish_mikko(app, cohort)
    other = facilitator(app, platform, sub="40", course="3")
    other.page(f"/matching/programmes/{pid}/groups/{gid}/withdraw", status=404)
    cohort["people"]["6"].page(f"/matching/programmes/{pid}/groups/{gid}/withdraw", status=403)
