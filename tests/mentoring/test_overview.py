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


def _group_ids(app, programme):
    from app.core.db import db
    from app.groups.models import MentoringGroup

    with app.app_context():
        return db.session.scalars(
            db.select(MentoringGroup.id).where(MentoringGroup.programme_id == programme).order_by(MentoringGroup.id)
        ).all()


def test_progress_facts_equal_the_pairs_own_facts(app, platform, people, programme):
    """The page aggregates meetings in SQL; each pair's facts are what pair_facts computes from
    its loaded meetings (pending, disputed and counted ones alike)."""
    from app.core.db import db
    from app.groups.models import MentoringGroup
    from app.mentoring import progress, services
    from app.programme.models import Programme

    _pairs(app, platform, programme, people, 3)
    first_group = _group_ids(app, programme)[0]
    with app.app_context():
        group = db.session.get(MentoringGroup, first_group)
        a, b = services.member_ids(group)
        for days, answer in ((20, None), (10, "dispute"), (1, "confirm")):
            meeting, _ = services.log_meeting(
                group, a, services.MeetingInput(date.today() - timedelta(days=days), time(9, 0), 60, "video", [a, b])
            )
            if answer == "dispute":
                services.dispute_meeting(meeting, b, "Ei pidetty")
            elif answer == "confirm":
                services.confirm_meeting(meeting, b)
        db.session.commit()
        page = progress.progress_page(db.session.get(Programme, programme), progress.ProgressFilters(), 10)
        assert len(page) == 3
        for group, facts in page:
            assert facts == progress.pair_facts(group, None), group.id
        facts = dict((g.id, f) for g, f in page)[first_group]
        assert facts.meetings_logged == 3 and facts.last_counted_on == date.today() - timedelta(days=1)


def test_progress_filters_by_name_status_and_form_and_keeps_them_across_pages(
    app, platform, people, programme, monkeypatch
):
    from app.core.db import db
    from app.groups.models import MentoringGroup
    from app.mentoring import routes

    staff = people["staff"]
    _pairs(app, platform, programme, people, 4)
    ids = _group_ids(app, programme)
    with app.app_context():
        db.session.get(MentoringGroup, ids[1]).status = "ended"
        db.session.get(MentoringGroup, ids[2]).form = "peer"
        db.session.get(MentoringGroup, ids[3]).form = "peer"
        db.session.commit()

    def pairs(**params) -> list[str]:
        response = staff.get("/mentoring", **params)  # not page(): its status is the expected code
        assert response.status_code == 200
        page = text(response.get_data(as_text=True))
        return [name for name in ("Pari A0", "Pari A1", "Pari A2", "Pari A3") if name in page]

    assert pairs() == ["Pari A0", "Pari A1", "Pari A2", "Pari A3"]
    assert pairs(q="b2") == ["Pari A2"]  # a member's family name, any case
    assert pairs(q="%") == []  # a wildcard is just a character
    assert pairs(status="ended") == ["Pari A1"]
    assert pairs(status="active", form="peer") == ["Pari A2", "Pari A3"]
    assert "Yksikään pari tai ryhmä ei vastaa" in text(staff.page("/mentoring", q="Ei ketään"))

    monkeypatch.setattr(routes, "PROGRESS_PAGE_SIZE", 1)
    first = staff.page("/mentoring", form="peer")
    assert "Pari A2" in text(first) and "Pari A3" not in text(first)
    pager = first[first.index('class="pager"') :]
    assert "form=peer" in pager and "page=2" in pager
    assert "Pari A3" in text(staff.page("/mentoring", form="peer", page="2"))


def test_an_unknown_progress_filter_is_a_clear_error(app, platform, people, programme, pair):
    staff = people["staff"]
    page = staff.page("/mentoring", status=400, form="solo")
    assert 'class="error-summary"' in page and 'href="#filter-form"' in page
    assert "Maija Mentori, Antti Aktori" in text(page)  # the other filters still apply: all pairs
