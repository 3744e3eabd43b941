"""Scores follow the placed activity (issue 13): through the development platform, a hand-added
activity and deep-linked "My mentoring" placements receive the scores in their own line items;
a course with no graded placement gets exactly one line item the tool creates; a placement made
later receives the current scores; a facilitator switches a placement off and on."""

import threading

import pytest

from app.core.db import db
from app.devplatform.context import Faults
from app.lti.gradebook import placements, publish_score
from app.lti.models import LineItem, ResourceLink, ScoreOutbox
from app.mentoring.services import resource_id
from app.programme.models import Programme
from tests.lti_advantage.test_deep_linking import Picker, _post_form
from tests.mentoring.test_gradebook_e2e import JOHAN, MARIA, Member, _make_pair, _meeting_ids, demo_day

pytestmark = pytest.mark.live


def _resource():
    return resource_id(db.session.scalar(db.select(Programme)))


def _add_by_hand(ags, link_id, maximum=100):
    ags.platform_app.test_client().post(
        "/dev/control", json={"add_activity": {"id": link_id, "title": "Mentorointi", "scoreMaximum": maximum}}
    )
    (item,) = [i for i in ags.state.line_items.values() if i["resourceLinkId"] == link_id]
    return item["id"]


def _tool_made(ags):
    """The line items the tool created (Moodle: manual grade items)."""
    return [i for i in ags.state.line_items.values() if i["manual"]]


def _deliver(ags):
    ags.worker().run(until_empty=True)
    db.session.rollback()


def _place(ags, *items):
    """Place items with the platform's "Select content" (deep linking); returns their link ids."""
    before = set(ags.state.placed_links)
    picker = Picker(ags)
    placed = _post_form(picker.agent, picker.choose(*items))
    assert placed.status_code == 200, placed.text
    return [link for link in ags.state.placed_links if link not in before]


def test_a_hand_added_activity_receives_the_scores_with_no_set_up(ags):
    item = _add_by_hand(ags, "hand-1")
    ags.launch("5", resource_link_id="hand-1")  # any launch of it tells the tool its line item
    link = db.session.scalar(db.select(ResourceLink).filter_by(resource_link_id="hand-1"))
    assert link.lineitem_url.endswith(f"/lineitems/{item}/lineitem?type_id=1") and link.target is None
    assert link.resource == _resource()
    publish_score(ags.enrolment("5"), _resource(), 3, 6, "InProgress", "FullyGraded", label="Mentorointi")
    db.session.commit()
    _deliver(ags)
    assert ags.grade("5", item)["grade"] == 50  # 3/6 of the activity's maximum 100
    assert _tool_made(ags) == [] and db.session.scalar(db.select(db.func.count()).select_from(LineItem)) == 0
    # The events score keeps a line item of its own, made by the tool.
    publish_score(ags.enrolment("5"), "events:1", 1, 3, "InProgress", "FullyGraded", label="Ohjelman tilaisuudet")
    db.session.commit()
    _deliver(ags)
    (events,) = _tool_made(ags)
    assert (events["resourceId"], events["tag"]) == ("events:1", "events")


def test_a_confirmed_meeting_goes_to_both_my_mentoring_placements_and_not_to_a_module(ags, raw_agent):
    group, _required = _make_pair(ags.tool)
    johan, maria = Member(ags.live, JOHAN), Member(ags.live, MARIA)
    assert (
        johan.post(
            f"/mentoring/groups/{group}/meetings/new",
            {"date": demo_day(ags.tool, 41), "time": "10:00", "duration": "60", "mode": "video"},
        ).status_code
        == 303
    )
    meeting = _meeting_ids(ags.tool, group)[-1]
    assert maria.post(f"/mentoring/groups/{group}/meetings/{meeting}/confirm", {}).status_code == 303
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(ScoreOutbox)) == 2  # queued, not yet sent

    module = next(o for o in Picker(ags).offered() if o.startswith("content:"))
    first = _place(ags, "mentoring", module)
    second = _place(ags, "mentoring")
    for link in first + second:  # the first launch of each placed activity
        ags.launch("4", resource_link_id=link)
    db.session.rollback()
    links = {row.resource_link_id: row for row in db.session.scalars(db.select(ResourceLink))}
    graded = [first[0], second[0]]
    assert [key for key in links if links[key].resource] == graded
    assert links[first[1]].resource is None and links[first[1]].lineitem_url is None

    _deliver(ags)
    items = {i["resourceLinkId"]: i["id"] for i in ags.state.line_items.values()}
    for link in graded:
        for person in (JOHAN, MARIA):
            assert ags.grade(person, items[link])["comment"] == "1/6 träffar bekräftade"
            assert ags.grade(person, items[link])["grade"] == 1
    assert _tool_made(ags) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(LineItem)) == 0

    # The next confirmed meeting reaches both placements too.
    assert (
        johan.post(
            f"/mentoring/groups/{group}/meetings/new",
            {"date": demo_day(ags.tool, 71), "time": "10:00", "duration": "60", "mode": "video"},
        ).status_code
        == 303
    )
    meeting = _meeting_ids(ags.tool, group)[-1]
    assert maria.post(f"/mentoring/groups/{group}/meetings/{meeting}/confirm", {}).status_code == 303
    _deliver(ags)
    assert all(ags.grade(p, items[link])["grade"] == 2 for p in (JOHAN, MARIA) for link in graded)
    assert _tool_made(ags) == []


def test_a_course_without_placements_gets_exactly_one_tool_made_item_even_with_two_workers(ags):
    ags.platform_app.test_client().post("/dev/control", json={"generate_learners": 40})
    for n in range(40):
        publish_score(ags.enrolment(f"g{n:05d}"), _resource(), 1, 6, "InProgress", "FullyGraded", label="Mentorointi")
    db.session.commit()
    ags.state.faults = Faults(delay=0.02)  # both workers reach the line item before it exists
    errors = []

    def work():
        with ags.tool.app_context():
            try:
                ags.worker(batch=5).run(until_empty=True)
            except Exception as exc:  # pragma: no cover - shown in the assertion
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    (item,) = _tool_made(ags)
    assert (item["resourceId"], item["tag"], item["label"]) == (_resource(), "mentoring", "Mentorointi")
    assert all(ags.grade(f"g{n:05d}", item["id"])["grade"] == 6 / 6 for n in range(40))
    (stored,) = db.session.scalars(db.select(LineItem)).all()
    assert stored.url.endswith(f"/lineitems/{item['id']}/lineitem?type_id=1") and stored.claimed_by is None


def test_a_placement_made_later_receives_the_current_scores_and_the_tool_item_keeps_its_history(ags):
    publish_score(ags.enrolment("5"), _resource(), 2, 6, "InProgress", "FullyGraded", label="Mentorointi")
    publish_score(ags.enrolment("6"), _resource(), 6, 6, "Completed", "FullyGraded", label="Mentorointi")
    db.session.commit()
    _deliver(ags)
    (tool_item,) = _tool_made(ags)
    item = _add_by_hand(ags, "hand-2", maximum=6)
    ags.launch("4", resource_link_id="hand-2")
    _deliver(ags)
    assert ags.grade("5", item)["grade"] == 2 and ags.grade("6", item)["grade"] == 6
    assert ags.grade("6", item)["activityProgress"] == "Completed"
    # From now on only the placement is written; the tool's item keeps what it had.
    publish_score(ags.enrolment("5"), _resource(), 3, 6, "InProgress", "FullyGraded")
    db.session.commit()
    _deliver(ags)
    assert ags.grade("5", item)["grade"] == 3 and ags.grade("5", tool_item["id"])["grade"] == 2
    with ags.tool.test_request_context(headers={"Accept-Language": "en"}):
        rows = {p.kind: p for p in placements(ags.enrolment("5").course_id)}
    assert rows["hand"].resource == _resource() and rows["hand"].last.status == "delivered"
    assert rows["tool_item"].resource is None and rows["tool_item"].line_item.endswith(
        f"/lineitems/{tool_item['id']}/lineitem?type_id=1"
    )


def test_a_facilitator_switches_a_placement_off_and_on_audited(ags):
    from app.core.audit import AuditEntry

    item = _add_by_hand(ags, "hand-3", maximum=6)
    ags.launch("5", resource_link_id="hand-3")
    db.session.rollback()
    link = db.session.scalar(db.select(ResourceLink).filter_by(resource_link_id="hand-3"))
    facilitator, learner = Member(ags.live, "4"), Member(ags.live, "5")
    page = facilitator.get("/admin/gradebook/placements").text
    assert f'data-placement="{link.id}" data-receives="yes"' in page
    assert learner.post(f"/admin/gradebook/placements/{link.id}", {"graded": "off"}).status_code == 403
    assert facilitator.post(f"/admin/gradebook/placements/{link.id}", {"graded": "maybe"}).status_code == 400
    assert facilitator.post(f"/admin/gradebook/placements/{link.id}", {"graded": "off"}).status_code == 303
    db.session.rollback()
    assert db.session.get(ResourceLink, link.id).resource is None
    publish_score(ags.enrolment("5"), _resource(), 4, 6, "InProgress", "FullyGraded", label="Mentorointi")
    db.session.commit()
    _deliver(ags)
    assert ags.grade("5", item) is None
    (tool_item,) = _tool_made(ags)  # with no placement left, the tool's own item receives it
    assert ags.grade("5", tool_item["id"])["grade"] == 4
    # Switched on again: the current score is sent to it.
    assert facilitator.post(f"/admin/gradebook/placements/{link.id}", {"graded": "on"}).status_code == 303
    _deliver(ags)
    assert ags.grade("5", item)["grade"] == 4
    page = facilitator.get("/admin/gradebook/placements").text
    assert (
        f'data-placement="{link.id}" data-receives="yes"' in page and 'data-placement="tool" data-receives="no"' in page
    )
    assert "Levererad" in page and "Skrivs inte längre" in page  # the last delivery in words, in Swedish here
    entries = db.session.scalars(
        db.select(AuditEntry).filter_by(action="gradebook.placement_switched").order_by(AuditEntry.id)
    ).all()
    assert [e.details["graded"] for e in entries] == [False, True] and entries[0].target == f"resource_link:{link.id}"
    # A deep-linked module can never be switched on.
    module = ResourceLink(
        course_id=link.course_id, resource_link_id="dl-module", target="content:x", lineitem_url=link.lineitem_url
    )
    db.session.add(module)
    db.session.commit()
    assert facilitator.post(f"/admin/gradebook/placements/{module.id}", {"graded": "on"}).status_code == 400
    assert facilitator.post("/admin/gradebook/placements/999999", {"graded": "on"}).status_code == 404


def test_my_mentoring_placed_but_not_yet_launched_is_found_and_receives_the_scores(ags, raw_agent):
    (link,) = _place(ags, "mentoring")
    publish_score(ags.enrolment("5"), _resource(), 2, 6, "InProgress", "FullyGraded", label="Mentorointi")
    publish_score(ags.enrolment("6"), _resource(), 5, 6, "InProgress", "FullyGraded", label="Mentorointi")
    db.session.commit()
    _deliver(ags)
    (item,) = [i for i in ags.state.line_items.values() if i["resourceLinkId"] == link]
    assert ags.grade("5", item["id"])["grade"] == 2 and ags.grade("6", item["id"])["grade"] == 5
    assert _tool_made(ags) == [] and db.session.scalar(db.select(db.func.count()).select_from(LineItem)) == 0
    stored = db.session.scalar(db.select(ResourceLink).filter_by(resource_link_id=link))
    assert (stored.target, stored.resource) == ("mentoring", _resource())
    # Its first launch later changes nothing: it already is a placement.
    ags.launch("5", resource_link_id=link)
    db.session.rollback()
    assert (
        db.session.scalar(db.select(db.func.count()).select_from(ScoreOutbox).where(ScoreOutbox.status == "pending"))
        == 0
    )
