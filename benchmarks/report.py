"""Benchmark of the completion report and its CSV export (issue 8) on PostgreSQL.

Run from the repository root:

    .venv/bin/python benchmarks/report.py [--database-url postgresql+psycopg://postgres@127.0.0.1/postgres]

Creates a scratch database, migrates it, and fills one programme with 10,000 participants in
5,000 pairs with 60,000 meetings (12 per pair, about one in eight not yet confirmed by both),
agreements for most pairs and attendance at three events; a second programme in the same course
has 1,000 participants, 500 pairs and 6,000 meetings. Then, through the real Flask routes with an
administrator's session, it times the report page and the CSV export (median of 5 after a
warm-up) and counts the SQL statements of one request. The scratch database is dropped at the end.
It also times the staff pages of the scale benchmark at 10,000 (issue 19): a later page and an
organisation of the report, and the facilitators' progress of pairs (first and a later page, by
status and form, a name search). Ends with one JSON line. Targets: the report under 300 ms, every
staff page under 500 ms, and a query count that does not grow with the number of participants.
"""

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

ORGANISATIONS = ["GTK", "FMI", "LUKE", "NLS", "RUOKA", "STUK", "SYKE", "THL", "TTL", "UPI", "VTT"]
CONFIRMED, PENDING = "confirmed", "pending"


def fill(
    db,
    programme_id: int,
    course_id: int,
    pairs: int,
    meetings_per_pair: int,
    rng: random.Random,
    offset: int,
    issuer: str = "https://moodle.example",
    waiting: int = 0,
) -> None:
    """Bulk rows straight into the tables (the services would take minutes for 60,000 meetings);
    the per-person counts are computed by the same rule app.mentoring keeps them by. People are
    ``bench-<offset + i>`` of ``issuer``: the first ``2 * pairs`` in pairs, then ``waiting`` more
    registered and not yet matched. The programme's organisations and events are reused if it
    has them."""
    from app.events.models import Attendance, ProgrammeEvent
    from app.groups.models import GroupMember, MentoringGroup
    from app.mentoring.models import (
        Agreement,
        AgreementAcceptance,
        AgreementVersion,
        Meeting,
        MeetingAttestation,
        MeetingCount,
    )
    from app.mentoring.rules import counted_meetings
    from app.people.models import Enrolment, User
    from app.programme.models import Organisation, Registration

    now = datetime(2026, 11, 1)
    orgs = db.session.scalars(db.select(Organisation.id).where(Organisation.programme_id == programme_id)).all()
    for position, code in enumerate([] if orgs else ORGANISATIONS):
        orgs.append(
            db.session.execute(
                db.insert(Organisation)
                .values(programme_id=programme_id, code=code, name_fi=code, position=position)
                .returning(Organisation.id)
            ).scalar()
        )
    people = pairs * 2 + waiting
    users = (
        db.session.execute(
            db.insert(User).returning(User.id),
            [
                {
                    "issuer": issuer,
                    "subject": f"bench-{offset + i}",
                    "name": f"Osallistuja {offset + i}",
                    "given_name": "Osallistuja",
                    "family_name": f"{offset + i:06d}",
                    "email": f"osallistuja{offset + i}@example.fi",
                    "created_at": now,
                }
                for i in range(people)
            ],
        )
        .scalars()
        .all()
    )
    db.session.execute(
        db.insert(Enrolment),
        [
            {"course_id": course_id, "user_id": u, "role": "participant", "lti_roles": ["Learner"], "active": True}
            for u in users
        ],
    )
    regs = (
        db.session.execute(
            db.insert(Registration).returning(Registration.id),
            [
                {
                    "programme_id": programme_id,
                    "user_id": u,
                    "role_wish": "mentor" if i % 2 == 0 else "aktori",
                    "forms": ["traditional"],
                    "organisation_id": rng.choice(orgs),
                    "themes_offered": [],
                    "themes_wanted": [],
                    "goals": "Tavoitteet",
                    "languages": ["fi"],
                    "meeting_preferences": "",
                    "capacity": 1,
                    "must_not_pair": [],
                    "mentor_tip": "",
                    "created_at": now,
                    "updated_at": now,
                }
                for i, u in enumerate(users)
            ],
        )
        .scalars()
        .all()
    )
    forms = ["traditional", "reverse", "peer"]
    groups = (
        db.session.execute(
            db.insert(MentoringGroup).returning(MentoringGroup.id),
            [
                {
                    "programme_id": programme_id,
                    "form": rng.choice(forms),
                    "status": "published",
                    "locked": False,
                    "reasons": [],
                    "created_at": now,
                    "published_at": datetime(2026, 1, 10),
                }
                for _ in range(pairs)
            ],
        )
        .scalars()
        .all()
    )
    members = []
    for p, group_id in enumerate(groups):
        for k, role in ((0, "mentor"), (1, "aktori")):
            members.append(
                {"group_id": group_id, "user_id": users[2 * p + k], "registration_id": regs[2 * p + k], "role": role}
            )
    db.session.execute(db.insert(GroupMember), members)
    agreements = db.session.execute(
        db.insert(Agreement).returning(Agreement.id, Agreement.group_id),
        [{"group_id": g, "created_at": now} for g in groups if rng.random() < 0.85],
    ).all()
    versions = db.session.execute(
        db.insert(AgreementVersion).returning(AgreementVersion.id, AgreementVersion.agreement_id),
        [
            {
                "agreement_id": a,
                "number": 1,
                "confidentiality": "x",
                "contact": "x",
                "time_use": "x",
                "goals": "x",
                "language": "fi",
                "created_at": now,
            }
            for a, _ in agreements
        ],
    ).all()
    group_of_agreement = dict(agreements)
    index_of_group = {g: i for i, g in enumerate(groups)}
    acceptances = []
    for version_id, agreement_id in versions:
        p = index_of_group[group_of_agreement[agreement_id]]
        for k in (0, 1) if rng.random() < 0.9 else (0,):
            acceptances.append({"version_id": version_id, "user_id": users[2 * p + k], "accepted_at": now})
    db.session.execute(db.insert(AgreementAcceptance), acceptances)
    meetings, answers = [], []
    for p, group_id in enumerate(groups):
        for m in range(meetings_per_pair):
            day = date(2026, 1, 15) + timedelta(days=25 * m + rng.randrange(20))
            meetings.append(
                {
                    "group_id": group_id,
                    "starts_at": datetime.combine(day, datetime.min.time()) + timedelta(hours=9),
                    "duration_minutes": 60,
                    "mode": "video",
                    "logged_by_id": users[2 * p],
                    "revision": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    meeting_ids = db.session.execute(db.insert(Meeting).returning(Meeting.id), meetings).scalars().all()
    per_meeting = []
    for i, meeting_id in enumerate(meeting_ids):
        p = i // meetings_per_pair
        second = CONFIRMED if rng.random() < 0.88 else PENDING
        state = {users[2 * p]: CONFIRMED, users[2 * p + 1]: second}
        per_meeting.append(state)
        for user_id, status in state.items():
            answers.append({"meeting_id": meeting_id, "user_id": user_id, "status": status, "answered_at": now})
    db.session.execute(db.insert(MeetingAttestation), answers)
    counts = counted_meetings(per_meeting)
    db.session.execute(
        db.insert(MeetingCount),
        [{"programme_id": programme_id, "user_id": u, "counted": n, "updated_at": now} for u, n in counts.items()],
    )
    events = db.session.scalars(
        db.select(ProgrammeEvent.id).where(ProgrammeEvent.programme_id == programme_id)
    ).all() or (
        db.session.execute(
            db.insert(ProgrammeEvent).returning(ProgrammeEvent.id),
            [
                {
                    "programme_id": programme_id,
                    "kind": kind,
                    "slot": kind,
                    "title": "",
                    "starts_at": datetime(2026, month, 5, 10),
                    "duration_minutes": 120,
                    "location": "",
                    "url": "",
                    "description": "",
                    "created_at": now,
                }
                for kind, month in (("kickoff", 1), ("midpoint", 6), ("closing", 11))
            ],
        )
        .scalars()
        .all()
    )
    db.session.execute(
        db.insert(Attendance),
        [
            {"event_id": e, "user_id": u, "source": "list", "recorded_at": now}
            for e in events
            for u in users
            if rng.random() < 0.7
        ],
    )
    db.session.commit()


def _backend_cpu(engine) -> float:
    """CPU seconds so far of this database's PostgreSQL backends (from /proc: the server is
    local), so the figures hold the database's work as well as the app's. SQLite works in this
    process, whose CPU ``measure`` already counts."""
    if engine.dialect.name != "postgresql":
        return 0.0
    with engine.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
        total = 0
        for pid in pids:
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure(client, path: str, engine, repeat: int = 5) -> tuple[float, int, float]:
    """Median milliseconds over ``repeat`` requests after a warm-up, the statements of one, and
    the CPU milliseconds per request of the app (this process) and the database together: on a
    shared machine the wall-clock time also holds the waits for a core."""
    assert client.get(path).status_code == 200, path
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    response = client.get(path)
    event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    times = []
    cpu_before = time.process_time() + _backend_cpu(engine)
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() + _backend_cpu(engine) - cpu_before) / repeat * 1000
    return statistics.median(times), len(statements), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    args = parser.parse_args()
    base = make_url(args.database_url)
    name = f"mentoring_bench_{secrets.token_hex(4)}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run(base.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def run(url: str) -> None:

    from flask_migrate import upgrade

    from app.core.db import db
    from app.programme.models import Programme
    from benchmarks.inproc import scratch_app, session_token, staff_course

    app = scratch_app("report", url)
    rng = random.Random(8)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        course, admin_user = staff_course(db, subject="bench-admin", name="Hilkka Hallinto", role="administrator")
        big = Programme(course_id=course.id, name="10 000", kickoff=date(2026, 1, 12), closing=date(2026, 11, 20))
        small = Programme(course_id=course.id, name="1 000", kickoff=date(2025, 1, 12), closing=date(2025, 11, 20))
        db.session.add_all([big, small])
        db.session.commit()
        fill(db, big.id, course.id, pairs=5000, meetings_per_pair=12, rng=rng, offset=0)
        fill(db, small.id, course.id, pairs=500, meetings_per_pair=12, rng=rng, offset=100_000)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"filled in {time.perf_counter() - started:.1f} s", flush=True)
        token = session_token(app, db, admin_user.id, course.id, "administrator", launch_locale="fi")
        big_id, small_id, engine = big.id, small.id, db.engine

    client = app.test_client()
    figures = {}
    with app.app_context():
        engine = db.engine
    for label, programme_id in (("10000", big_id), ("1000", small_id)):
        report_ms, report_q, report_cpu = measure(client, f"/admin/report?programme={programme_id}&s={token}", engine)
        export_ms, export_q, _cpu = measure(
            client, f"/admin/report/export.csv?programme={programme_id}&s={token}", engine
        )
        figures[label] = (report_ms, report_q, export_ms, export_q, report_cpu)
        print(
            f"{label:>6} participants: report {report_ms:7.1f} ms ({report_cpu:.0f} ms CPU), {report_q} queries; "
            f"CSV export {export_ms:7.1f} ms, {export_q} queries",
            flush=True,
        )
    # The staff pages of the scale benchmark at 10,000 (issue 19): further pages of the report, a
    # filtered report, and the facilitators' progress of pairs (the newest programme is big).
    with app.app_context():
        organisation = db.session.scalar(
            text("SELECT min(id) FROM organisation WHERE programme_id = :p"), {"p": big_id}
        )
    staff_pages = {
        "report_page_50": f"/admin/report?programme={big_id}&page=50&s={token}",
        "report_organisation": f"/admin/report?programme={big_id}&organisation={organisation}&s={token}",
        "progress": f"/mentoring?s={token}",
        "progress_page_40": f"/mentoring?page=40&s={token}",
        "progress_ended_peer": f"/mentoring?status=ended&form=peer&s={token}",
        "progress_search": f"/mentoring?q=000123&s={token}",
    }
    staff = {}
    for label, path in staff_pages.items():
        staff[label] = measure(client, path, engine)
        ms, queries, cpu = staff[label]
        print(f"{label:>20}: {ms:7.1f} ms, {cpu:5.0f} ms CPU (app + database), {queries} queries", flush=True)
    big_fig, small_fig = figures["10000"], figures["1000"]
    print(
        json.dumps(
            {
                "participants": 10000,
                "report_ms": round(big_fig[0], 1),
                "report_cpu_ms": round(big_fig[4], 1),
                "export_ms": round(big_fig[2], 1),
                "queries": big_fig[1],
                "queries_at_1000": small_fig[1],
                "export_queries": big_fig[3],
                "export_queries_at_1000": small_fig[3],
                "staff_ms": {label: round(ms, 1) for label, (ms, _q, _c) in staff.items()},
                "staff_cpu_ms": {label: round(cpu, 1) for label, (_ms, _q, cpu) in staff.items()},
                "staff_queries": {label: q for label, (_ms, q, _c) in staff.items()},
                "staff_target_ms": 500,
            }
        )
    )


if __name__ == "__main__":
    main()
