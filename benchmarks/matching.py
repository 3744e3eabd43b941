"""Benchmark of the matcher: 100, 500 and 2,000 generated registrations.

Run from the repository root: ``python benchmarks/matching.py [--database-url URL]``. Prints, per
size, the solve time of ``match`` and of the greedy baseline, the total scores and their ratio,
whether optimality was proven, and the gap to the upper bound. Then the matching page through the
real Flask route with a facilitator's session, on a programme of 5,000 published pairs and 2,000
registrations waiting (a scratch SQLite file, or a scratch PostgreSQL database with
``--database-url``): median render time of 5 after a warm-up, before and after computing
suggestions. Ends with one JSON line. Targets: 2,000 registrations matched in under 5 s, score >=
greedy; the matching page under 500 ms with 2,000 registrations.
"""

import argparse
import json
import random
import secrets
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.matching.engine.checks import check_result  # noqa: E402
from app.matching.engine.greedy import greedy_match  # noqa: E402
from app.matching.engine.solver import match  # noqa: E402
from app.matching.engine.types import Form, MatchingSettings, Registration, Role  # noqa: E402

ORGANISATIONS = {  # rough relative staff sizes
    "GTK": 5,
    "Ilmatieteen laitos": 7,
    "Luke": 13,
    "Maanmittauslaitos": 8,
    "Ruokavirasto": 9,
    "STUK": 3,
    "SYKE": 6,
    "THL": 11,
    "TTL": 5,
    "UPI": 1,
    "VTT": 21,
}
THEMES = [
    "projektinhallinta",
    "johtaminen",
    "viestintä",
    "poliittiseen päätöksentekoon vaikuttaminen",
    "tutkijana toimiminen",
    "uran kehittäminen",
    "esihenkilötyö",
    "digitaaliset työkalut",
    "tiedeviestintä",
    "rahoitushaku",
    "verkostoituminen",
    "työhyvinvointi",
]
GOAL_PARTS = [
    "Haluan kehittyä esihenkilönä ja oppia johtamaan asiantuntijatiimiä",
    "Tavoitteena on selkeyttää omaa urapolkua tutkijana",
    "Kaipaan tukea projektinhallintaan ja aikatauluihin",
    "Haluan oppia vaikuttamaan poliittiseen päätöksentekoon ja ministeriöihin",
    "Tiedeviestintä ja some ovat minulle uusia",
    "Haluaisin vahvistaa verkostoja muihin tutkimuslaitoksiin",
    "Rahoitushakemusten kirjoittaminen kiinnostaa",
    "Työhyvinvointi ja jaksaminen muutoksessa",
    "Uusien digitaalisten työkalujen käyttöönotto",
    "Jaan mielelläni kokemustani johtamisesta ja vuorovaikutuksesta",
    "Vertaistuki uran kehittämisessä olisi arvokasta",
    "Assistenttien työn kehittäminen ja näkyvyys",
]
FIRST = [
    "Aino",
    "Bertil",
    "Eveliina",
    "Juha",
    "Kaisa",
    "Lauri",
    "Maria",
    "Niko",
    "Outi",
    "Pekka",
    "Riikka",
    "Sanna",
    "Timo",
    "Ulla",
    "Ville",
    "Anna-Liisa",
    "Erik",
    "Johanna",
    "Mikko",
    "Satu",
]
LAST = [
    "Virtanen",
    "Korhonen",
    "Nieminen",
    "Mäkinen",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Lindqvist",
    "Järvinen",
    "Lehtonen",
    "Saarinen",
    "Salminen",
    "Holm",
]


def generate(n: int, seed: int = 2022) -> list[Registration]:
    rng = random.Random(seed)
    organisations, weights = tuple(ORGANISATIONS), tuple(ORGANISATIONS.values())
    people = []
    for i in range(1, n + 1):
        role = rng.choices([Role.MENTOR, Role.AKTORI, Role.PEER, Role.ANY], [30, 40, 15, 15])[0]
        if role == Role.PEER:
            forms = {Form.PEER}
        elif role == Role.MENTOR:
            forms = {Form.TRADITIONAL} | {f for f, p in ((Form.GROUP, 0.35), (Form.REVERSE, 0.15)) if rng.random() < p}
            if rng.random() < 0.05:
                forms = {Form.REVERSE}
        elif role == Role.AKTORI:
            forms = {Form.TRADITIONAL} | {f for f, p in ((Form.GROUP, 0.4), (Form.REVERSE, 0.3)) if rng.random() < p}
            if rng.random() < 0.05:
                forms = {Form.GROUP}
        else:
            forms = set(rng.sample(list(Form), rng.randint(2, 4)))
        language = rng.random()
        languages = (
            {"fi"}
            if language < 0.8
            else {"fi", "sv"}
            if language < 0.88
            else {"sv"}
            if language < 0.92
            else {"fi", "en"}
            if language < 0.97
            else {"en"}
        )
        offered = (
            set(rng.sample(THEMES, rng.randint(1, 3)))
            if role != Role.AKTORI
            else set(rng.sample(THEMES, rng.randint(0, 1)))
        )
        wanted = set(rng.sample(THEMES, rng.randint(1, 3))) if role != Role.MENTOR else set()
        people.append(
            dict(
                id=i,
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                organisation=rng.choices(organisations, weights)[0],
                role=role,
                forms=forms,
                themes_offered=offered,
                themes_wanted=wanted,
                goals=". ".join(rng.sample(GOAL_PARTS, rng.randint(1, 3))),
                languages=languages,
                capacity=2 if role in (Role.MENTOR, Role.ANY) and Form.GROUP in forms and rng.random() < 0.6 else 1,
                nominated=None,
                must_not_pair=set(),
            )
        )
    for person in people:  # nominations: 6 % name someone, a third of them mutually
        if rng.random() < 0.06:
            other = rng.choice(people)
            if other is not person:
                person["nominated"] = other["id"]
                if rng.random() < 0.33 and other["nominated"] is None:
                    other["nominated"] = person["id"]
    for person in people:  # must not pair: 4 % exclude someone from their own organisation
        if rng.random() < 0.04:
            same = [p for p in people if p["organisation"] == person["organisation"] and p is not person]
            if same:
                person["must_not_pair"] = {rng.choice(same)["id"]}
    return [Registration(**p) for p in people]


def run(n: int, settings: MatchingSettings) -> dict:
    registrations = generate(n)
    started = time.perf_counter()
    result = match(registrations, settings)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    greedy = greedy_match(registrations, settings)
    greedy_seconds = time.perf_counter() - started
    problems = check_result(registrations, result)
    people_matched = sum(len(g.members) for g in result.groups)
    forms = {}
    for group in result.groups:
        forms[group.form.value] = forms.get(group.form.value, 0) + 1
    gap = (result.upper_bound - result.total_score) / result.upper_bound if result.upper_bound else 0.0
    print(
        f"{n:>5} registrations: match {seconds:6.2f} s, score {result.total_score:10.1f}"
        f" | greedy {greedy_seconds:5.2f} s, score {greedy.total_score:10.1f}"
        f" | ratio {result.total_score / greedy.total_score:.4f}"
        f" | optimal {'proven' if result.optimal else f'within {gap:.3%}'} ({result.nodes} nodes)"
        f" | matched {people_matched}/{n} {forms}"
        f" | rule violations {len(problems)}"
    )
    return {
        "registrations": n,
        "seconds": round(seconds, 3),
        "score": round(result.total_score, 3),
        "greedy_score": round(greedy.total_score, 3),
    }


def page(url: str, waiting: int = 2000, pairs: int = 5000) -> dict:
    """The matching page's render time (median of 5 after a warm-up) on ``url``'s database."""
    from flask_migrate import upgrade

    from app.core.db import db
    from app.programme.models import Programme
    from benchmarks.inproc import scratch_app, session_token, staff_course
    from benchmarks.report import fill, measure

    app = scratch_app("matching", url)
    with app.app_context():
        upgrade()
        course, staff = staff_course(db, subject="bench-staff", name="Helena Saarinen", role="facilitator")
        programme = Programme(course_id=course.id, name="Bench", kickoff=date(2026, 1, 12), closing=date(2026, 11, 20))
        db.session.add(programme)
        db.session.commit()
        rng = random.Random(5)
        fill(db, programme.id, course.id, pairs=pairs, meetings_per_pair=1, rng=rng, offset=0, waiting=waiting)
        token = session_token(app, db, staff.id, course.id, "facilitator")
        path, engine = f"/matching/programmes/{programme.id}?s={token}", db.engine
    client = app.test_client()
    before_ms, before_q, _cpu = measure(client, path, engine)
    compute = client.post(
        f"/matching/programmes/{path.split('/programmes/')[1].split('?')[0]}/compute?s={token}",
        data={"csrf_token": _csrf(client.get(path).get_data(as_text=True))},
    )
    assert compute.status_code == 303, compute.status_code
    after_ms, after_q, _cpu = measure(client, path, engine)
    print(
        f"matching page, {pairs} published pairs and {waiting} waiting: {before_ms:.0f} ms ({before_q} queries);"
        f" after computing suggestions {after_ms:.0f} ms ({after_q} queries)",
        flush=True,
    )
    return {"page_ms": round(before_ms, 1), "page_after_compute_ms": round(after_ms, 1), "page_queries": before_q}


def _csrf(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server for the page (default: a SQLite file)")
    parser.add_argument("--page-only", action="store_true", help="skip the matcher's sizes")
    args = parser.parse_args()
    settings = MatchingSettings(prefer_cross_organisation=True)
    last: dict = {}
    for n in () if args.page_only else (100, 500, 2000):
        last = run(n, settings)
    if args.database_url:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        base = make_url(args.database_url)
        name = f"matching_bench_{secrets.token_hex(4)}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            last |= page(base.set(database=name).render_as_string(hide_password=False)) | {"database": "postgresql"}
        finally:
            with admin.connect() as conn:
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()
    else:
        last |= page(f"sqlite:///{tempfile.mkdtemp(prefix='bench-matching-db-')}/bench.db") | {"database": "sqlite"}
    print(json.dumps(last))


if __name__ == "__main__":
    main()
