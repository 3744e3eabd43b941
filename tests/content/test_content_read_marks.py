"""Read marks: each participant's own, per course, idempotent and CSRF-protected; staff see how
many participants of their course have read each module, never who."""

import re

import pytest

from app.content.models import ContentReadMark
from app.core.db import db
from tests.support.lti_double import INSTITUTION_ADMIN, TA
from tests.support.web import facilitator, launch, module_item, text


def marks(app, **where) -> list[ContentReadMark]:
    with app.app_context():
        return list(db.session.scalars(db.select(ContentReadMark).filter_by(**where)))


def count_on_index(page: str, module_id: str) -> str:
    item = module_item(page, module_id)
    found = re.search(r'<span class="read-count">(.*?)</span>', item)
    return text(found.group(1)) if found else ""


def test_marking_read_is_idempotent(app, platform):
    viewer = launch(app, platform)
    first = viewer.mark_read("palaute")
    assert first.status_code == 303
    assert first.headers["Location"].startswith("/material/modules/palaute?s=")
    assert first.headers["Location"].endswith("#read-status")
    second = viewer.mark_read("palaute")
    assert second.status_code == 303
    rows = marks(app, module_id="palaute")
    assert len(rows) == 1
    page = viewer.page("/material/modules/palaute")
    assert "Merkitsit tämän moduulin luetuksi" in page
    assert "Merkitse luetuksi</button>" not in page
    assert "Olet lukenut tämän" in module_item(viewer.page("/material/"), "palaute")
    assert "Olet lukenut tämän" not in module_item(viewer.page("/material/"), "reflektointi")


def test_marks_are_per_course(app, platform):
    in_course_2 = launch(app, platform, course="2")
    in_course_2.mark_read("palaute")
    in_course_3 = launch(app, platform, course="3")  # the same person in another course
    page = in_course_3.page("/material/modules/palaute")
    assert "Merkitse luetuksi</button>" in page
    in_course_3.mark_read("palaute")
    rows = marks(app, module_id="palaute")
    assert len(rows) == 2 and len({r.course_id for r in rows}) == 2 and len({r.user_id for r in rows}) == 1


def test_facilitator_sees_counts_of_their_own_course(app, platform):
    aino, mikko, elina = (launch(app, platform, sub=sub) for sub in ("5", "6", "7"))
    for viewer in (aino, mikko):
        viewer.mark_read("palaute")
    aino.mark_read("palaute")  # again: still one
    elina.mark_read("reflektointi")
    other_course = launch(app, platform, sub="8", course="3")
    other_course.mark_read("palaute")
    staff = facilitator(app, platform)
    staff.mark_read("palaute")  # staff's own marks are not participants' reading

    page = staff.page("/material/")
    # Three participants: every count would tell who read what (k ≥ 5), so none is shown.
    hidden = "Lukumäärää ei näytetä (jommallakummalla puolella alle 5)"
    for module_id in ("palaute", "reflektointi", "aktiivinen-kuuntelu", "sparrausryhman-ohjaaminen"):
        assert count_on_index(page, module_id) == hidden
    assert "kurssin 3 osallistujasta" in page

    # Counts only: no participant's name appears anywhere on the staff's material pages.
    for path in ("/material/", "/material/modules/palaute", "/material/search?q=palaute"):
        body = staff.client.get(path + ("&" if "?" in path else "?") + f"s={staff.token}").get_data(as_text=True)
        for name in ("Aino", "Virtanen", "aino.virtanen"):
            assert name not in body.split("<main", 1)[1]

    # The other course's facilitator sees only their course.
    other_staff = facilitator(app, platform, sub="40", course="3")
    assert "kurssin 1 osallistujasta" in other_staff.page("/material/")


def test_counts_show_when_five_have_read_and_five_have_not(app, platform):
    readers = [launch(app, platform, sub=str(100 + i)) for i in range(10)]
    for viewer in readers[:5]:
        viewer.mark_read("palaute")
    for viewer in readers[:6]:
        viewer.mark_read("reflektointi")
    page = facilitator(app, platform).page("/material/")
    assert count_on_index(page, "palaute") == "Lukeneita 5/10 osallistujasta"
    # 6 of 10 read it: only 4 did not, so the count would single them out.
    assert count_on_index(page, "reflektointi") == "Lukumäärää ei näytetä (jommallakummalla puolella alle 5)"


@pytest.mark.parametrize("roles", [[TA], [INSTITUTION_ADMIN]])
def test_teaching_assistants_and_administrators_see_counts(app, platform, roles):
    launch(app, platform).mark_read("palaute")
    staff = launch(app, platform, roles, sub="4", locale="en")
    assert count_on_index(staff.page("/material/"), "palaute") == "Read count not shown (fewer than 5 on one side)"


def test_participant_cannot_see_counts(app, platform):
    launch(app, platform, sub="6").mark_read("palaute")
    viewer = launch(app, platform)
    for path in ("/material/", "/material/modules/palaute", "/material/search?q=palaute", "/material/questions"):
        body = viewer.client.get(path + ("&" if "?" in path else "?") + f"s={viewer.token}").get_data(as_text=True)
        assert "read-count" not in body and "Lukeneita" not in body and "read-counts-note" not in body


def test_csrf_token_is_required(app, platform):
    viewer = launch(app, platform)
    refused = viewer.mark_read("palaute", csrf=None)
    assert refused.status_code == 400
    forged = viewer.mark_read("palaute", csrf="forged")
    assert forged.status_code == 400
    assert marks(app) == []


def test_another_sessions_csrf_token_is_refused(app, platform):
    aino = launch(app, platform)
    mikko = launch(app, platform, sub="6")
    refused = mikko.mark_read("palaute", csrf=aino.csrf())
    assert refused.status_code == 400
    assert marks(app) == []


def test_marks_need_a_launch_and_a_known_visible_module(app, client, platform):
    assert client.post("/material/modules/palaute/read").status_code in (400, 401)
    viewer = launch(app, platform)
    token = viewer.csrf()
    assert viewer.mark_read("no-such-module", csrf=token).status_code == 404
    assert viewer.mark_read("sparrausryhman-ohjaaminen", csrf=token).status_code == 404
    assert viewer.client.get(f"/material/modules/palaute/read?s={viewer.token}").status_code == 405
    assert marks(app) == []


def test_no_marks_without_a_course(app, platform):
    viewer = launch(app, platform, course=None)
    page = viewer.page("/material/modules/palaute")
    assert "Merkitse luetuksi" not in page
    assert viewer.mark_read("palaute").status_code == 400
    assert marks(app) == []
