"""Benchmark of the people picker (issue 15): the attendance page of an event with 500
registered participants, and a search without JavaScript (the POST and the page it redirects to).

Run from the repository root:

    .venv/bin/python benchmarks/picker.py [--people 500]

Uses a scratch SQLite database in a temporary directory, through the real Flask routes with a
facilitator's session. Prints the median of 5 after a warm-up, the page's size, the names it
shows and its SQL statements, and ends with one JSON line. Target: the page under 300 ms, at
most 50 names shown, and a query count that does not grow with the number of people.
"""

import argparse
import json
import re
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402


def timed(call, repeat: int = 5):
    call()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = call()
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app.core.db import db
    from app.events.models import ProgrammeEvent
    from app.people.models import User
    from app.programme.models import Organisation, Programme, Registration
    from benchmarks.inproc import scratch_app, session_token, staff_course

    app = scratch_app("picker")
    with app.app_context():
        upgrade()
        course, staff = staff_course(db, subject="bench-staff", name="Fanni Fasilitaattori", role="facilitator")
        programme = Programme(course_id=course.id, name="Bench", kickoff=date(2026, 1, 12), closing=date(2026, 11, 20))
        db.session.add(programme)
        db.session.flush()
        orgs = [
            Organisation(programme_id=programme.id, code=f"O{i}", name_fi=f"Laitos {i}", position=i) for i in range(11)
        ]
        db.session.add_all(orgs)
        kickoff = ProgrammeEvent(
            programme_id=programme.id, kind="kickoff", slot="kickoff", title="", starts_at=datetime(2026, 1, 12, 10)
        )
        db.session.add(kickoff)
        db.session.flush()
        for i in range(args.people):
            user = User(issuer="https://moodle.example", subject=f"p{i}", given_name="Henkilö", family_name=f"N{i:04}")
            db.session.add(user)
            db.session.flush()
            db.session.add(Registration(programme_id=programme.id, user_id=user.id, organisation_id=orgs[i % 11].id))
        db.session.commit()
        token = session_token(app, db, staff.id, course.id, "facilitator")
        path, engine = f"/events/{kickoff.id}/attendance", db.engine

    client = app.test_client()
    page_ms, response = timed(lambda: client.get(path, query_string={"s": token}))
    statements: list[int] = []
    event.listen(engine, "before_cursor_execute", lambda *_a: statements.append(1))
    client.get(path, query_string={"s": token})
    queries = len(statements)
    page = response.get_data(as_text=True)
    options = re.search(r'<ul class="picker-options"[^>]*>(.*?)</ul>', page, flags=re.S).group(1)
    shown = len(re.findall(r"<li(?![^>]*hidden)", options))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf, "attended-q": "N0123", "picker-search": "attended"}

    def search():
        posted = client.post(path, data=form, query_string={"s": token})
        return client.get(posted.location)

    search_ms, found = timed(search)
    matches = len(re.findall(r"<li(?![^>]*hidden)", found.get_data(as_text=True).split('class="picker-options"')[1]))
    print(f"{args.people} people: attendance page {page_ms:.1f} ms, {len(page) // 1024} kB, {shown} names shown")
    print(f"  {queries} SQL statements per page; a search without JavaScript (POST + page) {search_ms:.1f} ms")
    print(
        json.dumps(
            {
                "people": args.people,
                "page_ms": round(page_ms, 1),
                "page_kb": len(page) // 1024,
                "names_shown": shown,
                "queries": queries,
                "search_ms": round(search_ms, 1),
                "search_matches": matches,
            }
        )
    )


if __name__ == "__main__":
    main()
