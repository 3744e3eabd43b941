"""Only a group's members and the course's staff see its space, threads and posts. A participant of
the course opening another group's space is pointed to their own group (403, nothing of the other
group shown); everything else gets 404, as if the group did not exist."""

import re

import pytest

from app.core.db import db
from app.sparring.models import SparringPost, SparringThread
from tests.support.lti_double import INSTRUCTOR
from tests.support.sparring_world import launch_as


def start_thread(world, viewer, group_key="A", title="Ensimmäinen sparraus", body="Hei kaikki!"):
    group_id = world.groups[group_key]
    response = world.post(viewer, f"/sparring/groups/{group_id}/threads", {"title": title, "body": body})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    thread_id = int(re.search(r"/threads/(\d+)", response.headers["Location"]).group(1))
    with world.app.app_context():
        post_id = db.session.scalar(db.select(SparringPost.id).filter_by(thread_id=thread_id))
    return thread_id, post_id


def test_member_sees_own_space_and_threads(world):
    aino = world.viewers["p1"]
    thread_id, _post = start_thread(world, aino)
    a = world.groups["A"]
    page = aino.page(f"/sparring/groups/{a}")
    assert "Mentorit A" in page and "Ensimmäinen sparraus" in page
    assert "<li>Elina Mäkinen</li>" in page and "Sanna Lahtinen" not in page  # members of this group only
    assert "Luottamuksellisuus" in page or "Confidentiality" in page
    assert "Hei kaikki!" in world.viewers["p3"].page(f"/sparring/groups/{a}/threads/{thread_id}")


def test_member_of_another_group_gets_404_everywhere(world):
    aino, sanna = world.viewers["p1"], world.viewers["p5"]
    thread_id, post_id = start_thread(world, aino)
    a = world.groups["A"]
    for path in (
        f"/sparring/groups/{a}/threads/{thread_id}",
        f"/sparring/groups/{a}/posts/{post_id}/edit",
    ):
        assert sanna.get(path).status_code == 404, path
    csrf = sanna.csrf("/sparring/")
    for path, data in (
        (f"/sparring/groups/{a}/threads", {"title": "x", "body": "y"}),
        (f"/sparring/groups/{a}/threads/{thread_id}/replies", {"body": "y"}),
        (f"/sparring/groups/{a}/posts/{post_id}/edit", {"body": "y"}),
    ):
        response = sanna.client.post(path, data={**data, "csrf_token": csrf}, query_string={"s": sanna.token})
        assert response.status_code == 404, path
    # Her own group's id with another group's thread or post is 404 too (no cross-group lookups).
    b = world.groups["B"]
    assert sanna.get(f"/sparring/groups/{b}/threads/{thread_id}").status_code == 404
    assert sanna.get(f"/sparring/groups/{b}/posts/{post_id}/edit").status_code == 404
    # A registered participant in no group, and the pair's aktori, see nothing either.
    for sub in ("p2", "p4"):
        assert world.viewers[sub].get(f"/sparring/groups/{a}/threads/{thread_id}").status_code == 404
    with world.app.app_context():
        assert db.session.scalar(db.select(db.func.count(SparringThread.id))) == 1


def test_another_groups_space_points_to_ones_own_group(world):
    a, b = world.groups["A"], world.groups["B"]
    start_thread(world, world.viewers["p1"])
    response = world.viewers["p5"].get(f"/sparring/groups/{a}")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert f'href="/sparring/groups/{b}?s=' in page and "Mentorit B" in page
    assert "Mentorit A" not in page and "Ensimmäinen sparraus" not in page and "Elina Mäkinen" not in page
    # Someone in no group is told so.
    lonely = world.viewers["p2"].get(f"/sparring/groups/{a}")
    assert lonely.status_code == 403 and "Mentorit A" not in lonely.get_data(as_text=True)


def test_the_list_shows_only_own_groups(world):
    page = world.viewers["p5"].page("/sparring/")
    assert "Mentorit B" in page and "Mentorit A" not in page


def test_staff_of_another_course_gets_404(world, app, platform):
    other = launch_as(app, platform, "f9", (INSTRUCTOR,), course="3")
    assert other.get(f"/sparring/groups/{world.groups['A']}").status_code == 404
    assert other.get(f"/sparring/groups/{world.groups['A']}/manage").status_code == 404


def test_participant_cannot_manage(world):
    aino = world.viewers["p1"]
    assert aino.get(f"/sparring/groups/{world.groups['A']}/manage").status_code == 403
    response = world.post(aino, f"/sparring/groups/{world.groups['A']}/archive")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "payload, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "<img"),
        ('<a href="#" onclick="alert(1)">klikkaa</a>', '<a href="#" onclick'),
        ("[klikkaa](javascript:alert(1))", "javascript:"),
        ("[klikkaa](JaVaScRiPt:alert(1))", "javascript:"),
        ('<svg onload="alert(1)"></svg>', "<svg"),
        ("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", 'href="data:'),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ],
)
def test_posted_html_never_runs(world, payload, forbidden):
    aino = world.viewers["p1"]
    thread_id, _ = start_thread(world, aino, body="**Tärkeää** ja " + payload)
    page = world.viewers["p3"].page(f"/sparring/groups/{world.groups['A']}/threads/{thread_id}")
    body = page.split('<ol class="posts">')[1].split("</ol>")[0]
    assert "<strong>Tärkeää</strong>" in body
    assert forbidden not in body.lower()
    assert not re.search(r"<[^>]+\son\w+\s*=", body), body
    assert "<script" not in body.lower()


def test_safe_markdown_survives(world):
    aino = world.viewers["p1"]
    thread_id, _ = start_thread(world, aino, body="# Otsikko\n\n- yksi\n- kaksi\n\n[SYKE](https://www.syke.fi)")
    page = aino.page(f"/sparring/groups/{world.groups['A']}/threads/{thread_id}")
    assert "<h3>Otsikko</h3>" in page  # below the post's own h2
    assert "<li>yksi</li>" in page
    assert '<a href="https://www.syke.fi" rel="noopener noreferrer">SYKE</a>' in page


def test_pages_without_a_programme_say_so(app, platform):
    viewer = launch_as(app, platform, "p7", course="7")
    for path in ("/sparring/", "/events/", "/calendar/"):
        page = viewer.page(path)
        assert "Tälle kurssille ei ole vielä perustettu ohjelmaa." in page, path
