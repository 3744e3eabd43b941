"""Facilitators run the groups: create, place with the helper, add, move, archive; edits within
the window; soft deletes hidden from everyone and audited."""

import re
from datetime import date, timedelta

from app.core.audit import AuditEntry
from app.core.db import db
from app.programme.models import Programme
from app.sparring.models import SparringGroup, SparringMember, SparringPost
from tests.sparring.test_access import start_thread


def members(world, key_or_id) -> set[int]:
    group_id = world.groups.get(key_or_id, key_or_id)
    with world.app.app_context():
        return set(db.session.scalars(db.select(SparringMember.user_id).filter_by(group_id=group_id)))


def audits(world, action) -> list[AuditEntry]:
    with world.app.app_context():
        return list(db.session.scalars(db.select(AuditEntry).filter_by(action=action).order_by(AuditEntry.id)))


def test_create_group_with_clear_errors(world):
    bad = world.post(world.staff, "/sparring/groups", {"name": "", "audience": "everyone"})
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    # Each field's error next to it, and both in the summary at the top, each a link to its field.
    assert 'id="group-name-error"' in page and 'id="audience-choice-error"' in page
    assert 'aria-invalid="true"' in page
    assert 'href="#group-name"' in page and 'href="#audience-choice"' in page
    good = world.post(
        world.staff,
        "/sparring/groups",
        {"name": "Aktorit 1", "audience": "aktoris", "facilitator_id": str(world.users["f1"])},
    )
    assert good.status_code == 303
    group_id = int(re.search(r"/groups/(\d+)/manage", good.headers["Location"]).group(1))
    with world.app.app_context():
        group = db.session.get(SparringGroup, group_id)
        assert (group.audience, group.facilitator_id, group.programme_id) == (
            "aktoris",
            world.users["f1"],
            world.programme_id,
        )
    assert audits(world, "sparring.group_created")


def test_helper_places_aktoris_and_keeps_the_pair_apart(world):
    ids = []
    for name in ("Aktorit 1", "Aktorit 2"):
        response = world.post(world.staff, "/sparring/groups", {"name": name, "audience": "aktoris"})
        ids.append(int(re.search(r"/groups/(\d+)/manage", response.headers["Location"]).group(1)))
    response = world.post(world.staff, "/sparring/assign", {"audience": "aktoris"})
    assert response.status_code == 303
    placed = members(world, ids[0]) | members(world, ids[1])
    assert placed == {world.users["p2"], world.users["p4"]}
    assert len(members(world, ids[0])) == len(members(world, ids[1])) == 1
    # A second run places nobody twice.
    world.post(world.staff, "/sparring/assign", {"audience": "aktoris"})
    with world.app.app_context():
        assert (
            db.session.scalar(db.select(db.func.count(SparringMember.id)).where(SparringMember.group_id.in_(ids))) == 2
        )
    assert audits(world, "sparring.members_assigned")


def test_manage_page_lists_members_with_their_pair_roles(world):
    page = world.staff.page(f"/sparring/groups/{world.groups['A']}/manage")
    assert "· fasilitaattori</p>" in page  # the header's own role name is not shadowed
    assert "Aino Virtanen" in page and "Elina Mäkinen" in page
    assert '<td data-label="Rooli">mentori</td>' in page  # the column header labels the stacked cell


def test_move_add_remove_and_archive(world):
    a, b = world.groups["A"], world.groups["B"]
    p3 = world.users["p3"]
    response = world.post(world.staff, f"/sparring/groups/{a}/members/{p3}/move", {"to_group": str(b)})
    assert response.status_code == 303
    assert p3 in members(world, "B") and p3 not in members(world, "A")
    assert audits(world, "sparring.member_moved")[0].details == {"from_group_id": a, "to_group_id": b}
    # Someone already in a group cannot be added to another one.
    refused = world.post(world.staff, f"/sparring/groups/{a}/members", {"user_id": str(p3)})
    assert refused.status_code == 400 and p3 not in members(world, "A")
    # Nor can someone who has not registered.
    refused = world.post(world.staff, f"/sparring/groups/{a}/members", {"user_id": str(world.users["f1"])})
    assert refused.status_code == 400
    assert world.post(world.staff, f"/sparring/groups/{b}/members/{p3}/remove").status_code == 303
    assert p3 not in members(world, "B")
    # Archived: read-only for members, its members free for other groups.
    assert world.post(world.staff, f"/sparring/groups/{a}/archive").status_code == 303
    aino = world.viewers["p1"]
    page = aino.page(f"/sparring/groups/{a}")
    assert "Start thread" not in page and "Aloita keskustelu" not in page
    assert world.post(aino, f"/sparring/groups/{a}/threads", {"title": "x", "body": "y"}).status_code == 403
    assert (
        world.post(world.staff, f"/sparring/groups/{b}/members", {"user_id": str(world.users["p1"])}).status_code == 303
    )
    # Reopening is refused while a member sits in another open group.
    assert world.post(world.staff, f"/sparring/groups/{a}/archive").status_code == 400


def test_author_edits_within_the_window_only(world, monkeypatch):
    aino = world.viewers["p1"]
    thread_id, post_id = start_thread(world, aino, body="Ensimmäinen versio")
    a = world.groups["A"]
    edited = world.post(aino, f"/sparring/groups/{a}/posts/{post_id}/edit", {"body": "Korjattu versio"})
    assert edited.status_code == 303
    assert "Korjattu versio" in aino.page(f"/sparring/groups/{a}/threads/{thread_id}")
    # Another member cannot edit it (it is not theirs: 404).
    assert (
        world.post(world.viewers["p3"], f"/sparring/groups/{a}/posts/{post_id}/edit", {"body": "x"}).status_code == 404
    )
    with world.app.app_context():
        post = db.session.get(SparringPost, post_id)
        post.created_at -= timedelta(minutes=31)
        db.session.commit()
    late = world.post(aino, f"/sparring/groups/{a}/posts/{post_id}/edit", {"body": "Liian myöhään"})
    assert late.status_code == 403
    assert "Liian myöhään" not in aino.page(f"/sparring/groups/{a}/threads/{thread_id}")


def test_facilitator_soft_deletes_and_it_is_audited(world):
    aino, elina = world.viewers["p1"], world.viewers["p3"]
    thread_id, first = start_thread(world, aino, body="Avaus")
    a = world.groups["A"]
    world.post(elina, f"/sparring/groups/{a}/threads/{thread_id}/replies", {"body": "Asiaton viesti"})
    with world.app.app_context():
        reply_id = db.session.scalar(
            db.select(SparringPost.id).filter_by(thread_id=thread_id).order_by(SparringPost.id.desc())
        )
    # A member cannot delete.
    assert world.post(aino, f"/sparring/groups/{a}/posts/{reply_id}/delete").status_code == 403
    assert world.post(world.staff, f"/sparring/groups/{a}/posts/{reply_id}/delete").status_code == 303
    page = aino.page(f"/sparring/groups/{a}/threads/{thread_id}")
    assert "Asiaton viesti" not in page and "Avaus" in page
    with world.app.app_context():
        post = db.session.get(SparringPost, reply_id)
        assert post.deleted_at is not None and post.deleted_by_id == world.users["f1"]
        assert post.body == "Asiaton viesti"  # kept for the audit trail, never shown
    entry = audits(world, "sparring.post_deleted")[0]
    assert entry.actor_id == world.users["f1"] and entry.target == f"sparring_post:{reply_id}"
    # Deleting the last post removes the thread from the list.
    world.post(world.staff, f"/sparring/groups/{a}/posts/{first}/delete")
    assert aino.get(f"/sparring/groups/{a}/threads/{thread_id}").status_code == 404


def test_sessions_and_materials(world):
    a = world.groups["A"]
    with world.app.app_context():  # a running programme, so the session is still coming up
        db.session.get(Programme, world.programme_id).closing = date(2099, 12, 31)
        db.session.commit()
    bad = world.post(
        world.staff,
        f"/sparring/groups/{a}/sessions",
        {"date": "2099-13-01", "time": "10:00", "duration": "0", "video_url": "javascript:x"},
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and page.count('class="field-errors"') == 3
    for field in ("session-date", "session-duration", "session-url"):
        assert f'id="{field}-error"' in page and f'href="#{field}"' in page
    ok = world.post(
        world.staff,
        f"/sparring/groups/{a}/sessions",
        {
            "date": "2099-03-30",
            "time": "10:00",
            "duration": "90",
            "video_url": "https://meet.example/a",
            "agenda": "1. Kuulumiset",
        },
    )
    assert ok.status_code == 303
    world.post(world.staff, f"/sparring/groups/{a}/materials", {"kind": "module", "module_id": "palaute"})
    world.post(
        world.staff,
        f"/sparring/groups/{a}/materials",
        {"kind": "note", "title": "Muistiinpano", "body": "<script>x</script>*tärkeä*"},
    )
    page = world.viewers["p1"].page(f"/sparring/groups/{a}", lang="en")
    assert "10:00" in page and "https://meet.example/a" in page
    assert "/material/modules/palaute" in page
    assert "<em>tärkeä</em>" in page and "<script>x" not in page
    assert (
        world.post(
            world.viewers["p1"],
            f"/sparring/groups/{a}/sessions",
            {"date": "2099-03-30", "time": "10:00", "duration": "90"},
        ).status_code
        == 403
    )


def test_a_parallel_add_is_a_clear_conflict_not_an_error(world, monkeypatch):
    """Two facilitators adding the same person at once: the unique constraint refuses the second;
    it gets the page back with a message (simulated by the placements read before the first add)."""
    from app.sparring import services

    monkeypatch.setattr(services, "placements", lambda programme_id: {})
    a = world.groups["A"]
    response = world.post(world.staff, f"/sparring/groups/{a}/members", {"user_id": str(world.users["p3"])})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and "Ryhmiä muutettiin samaan aikaan" in page
    assert members(world, "A") == {world.users["p1"], world.users["p3"]}


def test_adding_someone_placed_meanwhile_raises_groups_changed(world):
    """The service writes what the caller checked; a person a parallel request put in the same group
    since is refused by the unique constraint as Refused(groups_changed), not an IntegrityError."""
    import pytest

    from app.core.refusals import Refused
    from app.sparring import services

    with world.app.app_context():
        a = db.session.get(SparringGroup, world.groups["A"])
        aino = world.users["p1"]  # already in A
        with pytest.raises(Refused, match=services.GROUPS_CHANGED):
            services.add_members(a, [aino])
        db.session.rollback()
        with pytest.raises(Refused, match=services.GROUPS_CHANGED):
            services.place(a.programme_id, a.audience, {aino: a.id})
        db.session.rollback()
    assert members(world, "A") == {world.users["p1"], world.users["p3"]}


def test_session_times_are_entered_in_helsinki_time_across_dst(world):
    from datetime import datetime

    from app.sparring.models import SparringSession

    a = world.groups["A"]
    for day in ("2023-03-25", "2023-03-27"):
        assert (
            world.post(
                world.staff, f"/sparring/groups/{a}/sessions", {"date": day, "time": "10:00", "duration": "60"}
            ).status_code
            == 303
        )
    with world.app.app_context():
        stored = sorted(db.session.scalars(db.select(SparringSession.starts_at)))
    assert stored == [datetime(2023, 3, 25, 8), datetime(2023, 3, 27, 7)]
    skipped = world.post(
        world.staff, f"/sparring/groups/{a}/sessions", {"date": "2023-03-26", "time": "03:30", "duration": "60"}
    )
    assert skipped.status_code == 400 and "03.00" in skipped.get_data(as_text=True)
