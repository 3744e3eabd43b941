"""The facilitators' progress view: counts, latest meeting, agreement state and at-risk flags,
in a number of queries that does not grow with the number of pairs."""

from datetime import date, time, timedelta

from sqlalchemy import event

from tests.mentoring.conftest import _launch, make_group
from tests.support.web import text


def _pairs(app, platform, programme, people, n, start=0):
    """n pairs of fresh learners, each with one counted meeting and an agreement."""
    from app.core.db import db
    from app.groups.models import MentoringGroup
    from app.mentoring import services
    from tests.mentoring.conftest import PEOPLE

    for i in range(start, start + n):
        a, b = f"p{i}a", f"p{i}b"
        PEOPLE[a], PEOPLE[b] = (f"9{i}1", "Pari", f"A{i}", "fi"), (f"9{i}2", "Pari", f"B{i}", "fi")
        first, second = _launch(app, platform, a), _launch(app, platform, b)
        del PEOPLE[a], PEOPLE[b]
        group_id = make_group(app, programme, [(first, "mentor"), (second, "aktori")])
        with app.app_context():
            group = db.session.get(MentoringGroup, group_id)
            services.save_agreement(group, first.user_id, 0, {"goals": "x"})
            meeting, _ = services.log_meeting(
                group,
                first.user_id,
                services.MeetingInput(
                    date.today() - timedelta(days=3), time(10, 0), 60, "video", [first.user_id, second.user_id]
                ),
            )
            services.confirm_meeting(meeting, second.user_id)
            db.session.commit()


def _queries(app, person, path):
    from app.core.db import db

    with app.app_context():
        engine = db.engine
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        page = person.page(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen), page


def test_overview_shows_counts_and_flags(app, platform, people, programme, pair):
    staff = people["staff"]
    page = text(staff.page("/mentoring"))
    assert "Maija Mentori, Antti Aktori" in page and "ei vielä" in page  # no agreement yet
    from app.core.db import db
    from app.groups.models import MentoringGroup

    with app.app_context():  # published two months ago, nothing since: at risk
        db.session.get(MentoringGroup, pair).published_at -= timedelta(days=60)
        db.session.commit()
    page = text(staff.page("/mentoring"))
    assert "ei vahvistettua tapaamista kuuteen viikkoon" in page
    assert "sopimusta ei ole hyväksytty kolmessa viikossa julkaisusta" in page


def test_overview_queries_do_not_grow_with_pairs(app, platform, people, programme):
    staff = people["staff"]
    _pairs(app, platform, programme, people, 2)
    few, _ = _queries(app, staff, "/mentoring")
    _pairs(app, platform, programme, people, 4, start=2)
    many, page = _queries(app, staff, "/mentoring")
    assert page.count("<tr>") == 1 + 6
    assert many == few, (few, many)


def test_overview_lists_pairs_a_page_at_a_time(app, platform, people, programme, monkeypatch):
    """5,000 pairs would be one page 5,000 rows long: the view shows a page of them, by group."""
    from app.mentoring import routes

    staff = people["staff"]
    _pairs(app, platform, programme, people, 3)
    monkeypatch.setattr(routes, "PROGRESS_PAGE_SIZE", 2)
    first = staff.page("/mentoring")
    assert first.count("<tr>") == 1 + 2
    assert "Pari A0" in text(first) and "Pari A1" in text(first) and "Pari A2" not in text(first)
    assert "Seuraava sivu" in first and "Edellinen sivu" not in first
    assert "Pari A0: 1" in text(first) and "Pari B1: 1" in text(first)  # counted meetings of the page's members
    second = staff.page("/mentoring", page="2")
    assert second.count("<tr>") == 1 + 1 and "Pari A2" in text(second) and "Pari A0" not in text(second)
    assert "Edellinen sivu" in second and "Seuraava sivu" not in second
