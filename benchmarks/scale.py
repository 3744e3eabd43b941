"""A programme at full scale, as agencies will run it (issue 19): PostgreSQL behind nginx with two
application nodes (the production-like set-up of ``tests/deploy``, ``tests/support/deploy.py``).

    .venv/bin/python benchmarks/scale.py [--small] [--database-url postgresql+psycopg://postgres@127.0.0.1/postgres]

The demo programme is filled in bulk with 10,000 participants in 5,000 pairs, 60,000 meetings
(one in eight not yet confirmed by the aktori) and 2,000 further registrations waiting in
matching. Then:

1. **kickoff surge**: 1,000 distinct participants launch from the development platform, spread
   evenly over 60 s (each a full launch: platform → login → auth → launch → first page);
2. **a working day**: 50 of them at once for 60 s, each opening home, My mentoring, the meeting
   form, logging a meeting, confirming one the partner logged, or the material, with 1–3 s
   between pages; meanwhile two facilitators open matching, progress (My mentoring for staff)
   and the report.

Prints p95 per page type, errors, and the CPU the tool's nodes (and nginx) spent per request
(from /proc: the load generator shares the two cores), and ends with one JSON line. Targets:
0 errors, participant pages p95 < 150 ms, staff pages p95 < 500 ms. ``--small`` is a quick run
(500 participants, 100 launches in 10 s, 10 people for 15 s); ``--launches``, ``--surge-seconds``,
``--people`` and ``--seconds`` bound the load on a shared machine while keeping the full data.

It also reports what nginx saw: the responses by status from its access log and its error log's
messages (an upstream that closed or refused a connection is how a 502 arises).
"""

import argparse
import http.client
import json
import os
import random
import re
import ssl
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.devplatform.useragent import UserAgent  # noqa: E402
from benchmarks.launch import tree_cpu_seconds  # noqa: E402
from benchmarks.report import fill  # noqa: E402
from tests.support.deploy import production_stack  # noqa: E402

PARTICIPANT_PAGES = ("home", "my_mentoring", "meeting_form", "log_meeting", "confirm_meeting", "material")
STAFF_PAGES = ("matching", "progress", "report")
FACILITATORS = ("3", "4")  # the demo's administrator and facilitator (people.json)
TAGS = re.compile(r"<[^>]+>|\s+")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

SIZES = {
    "full": {"pairs": 5000, "waiting": 2000, "launches": 1000, "surge_s": 60, "people": 50, "duration_s": 60},
    "small": {"pairs": 250, "waiting": 100, "launches": 100, "surge_s": 10, "people": 10, "duration_s": 15},
}


def people_file(path: Path, count: int) -> Path:
    """The platform's people: the demo's, and the benchmark's participants as learners."""
    demo = json.loads((ROOT / "app/devplatform/people.json").read_text())
    bench = [
        {
            "id": f"bench-{i}",
            "given_name": "Osallistuja",
            "family_name": f"{i:06d}",
            "email": f"osallistuja{i}@example.fi",
            "organisation": "GTK",
            "role": "learner",
            "lang": "fi",
        }
        for i in range(count)
    ]
    path.write_text(json.dumps(demo + bench))
    return path


def seeder(size: dict, world: dict):
    """``seed(database_url)`` for the stack: fills the demo programme in bulk and notes, per
    participant, the pair, the partner and the meetings the partner logged that wait for them."""

    def seed(database_url: str) -> None:
        from sqlalchemy import text

        from app.core.db import db
        from app.people.models import Course
        from app.programme.models import Programme
        from benchmarks.inproc import scratch_app

        app = scratch_app("scale", database_url)
        started = time.perf_counter()
        with app.app_context():
            programme = db.session.scalars(db.select(Programme).order_by(Programme.id.desc())).first()
            course = db.session.get(Course, programme.course_id)
            world["programme_id"] = programme.id
            world["period"] = (programme.kickoff, programme.closing)
            fill(db, programme.id, course.id, size["pairs"], 12, random.Random(19), 0, course.issuer, size["waiting"])
            rows = db.session.execute(
                text(
                    "SELECT u.subject, gm.group_id, gm.user_id, gm.role FROM user_account u "
                    "JOIN group_member gm ON gm.user_id = u.id WHERE u.subject LIKE 'bench-%'"
                )
            ).all()
            pending = db.session.execute(
                text(
                    "SELECT ma.user_id, ma.meeting_id FROM mentoring_meeting_attestation ma "
                    "JOIN user_account u ON u.id = ma.user_id WHERE ma.status = 'pending' AND u.subject LIKE 'bench-%'"
                )
            ).all()
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        members = defaultdict(list)
        for _subject, group_id, user_id, _role in rows:
            members[group_id].append(user_id)
        waiting = defaultdict(list)
        for user_id, meeting_id in pending:
            waiting[user_id].append(meeting_id)
        world["pairs"] = {
            subject: {"group": group_id, "attendees": members[group_id], "pending": waiting[user_id]}
            for subject, group_id, user_id, _role in rows
        }
        print(f"filled in {time.perf_counter() - started:.1f} s", flush=True)

    return seed


class Browser:
    """One person's browser after the launch: a kept-alive TLS connection to nginx and the
    session token in every URL, as the tool's links carry it."""

    def __init__(self, tool_url: str, token: str, tls: ssl.SSLContext):
        parts = urlsplit(tool_url)
        self.base, self.host, self.port, self.tls, self.token = tool_url, parts.hostname, parts.port, tls, token
        self.connection: http.client.HTTPSConnection | None = None

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str]:
        url = path + ("&" if "?" in path else "?") + urlencode({"s": self.token})
        headers = {"Accept": "text/html", "Accept-Language": "fi"}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            # Flask-WTF checks the Referer of a form sent over https, as a browser sends it.
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.base + path}
        for attempt in (0, 1):  # nginx may close an idle kept-alive connection
            if self.connection is None:
                self.connection = http.client.HTTPSConnection(self.host, self.port, timeout=30, context=self.tls)
            try:
                self.connection.request(method, url, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read().decode("utf-8", "replace")
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def timed(self, browser: Browser, page: str, method: str, path: str, data: dict | None = None, expect: int = 200):
        started = time.perf_counter()
        try:
            status, body = browser.request(method, path, data)
        except OSError as error:
            status, body = 0, repr(error)
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            if status == expect:
                self.times[page].append(elapsed)
            else:
                self.errors[page] += 1
                if len(self.samples) < 5:
                    main = TAGS.sub(" ", body[body.find("<main") :] if "<main" in body else body)
                    self.samples.append(f"{page}: {status} {main[:300]}")
        return status, body


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)


def launch(stack: dict, person: str) -> tuple[str | None, float, str]:
    started = time.perf_counter()
    try:
        result = UserAgent(stack["platform_url"], timeout=60, tls=stack["tls"]).launch(person, locale="fi")
    except OSError as error:
        return None, time.perf_counter() - started, repr(error)
    token = parse_qs(urlsplit(result.response.url).query).get("s") if result.ok else None
    problem = "" if token else f"{result.response.status_code} {result.response.url}"
    return (token[0] if token else None), time.perf_counter() - started, problem


def surge(stack: dict, people: list[str], seconds: float) -> tuple[dict, dict]:
    """Every person launches once, at evenly spaced moments over ``seconds``."""
    tokens: dict[str, str] = {}
    latencies, problems = [], []
    begin = time.monotonic()

    def one(i: int):
        delay = begin + i * seconds / len(people) - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        token, elapsed, problem = launch(stack, people[i])
        if token:
            tokens[people[i]] = token
            latencies.append(elapsed * 1000)
        else:
            problems.append(problem)

    with ThreadPoolExecutor(40) as pool:
        list(pool.map(one, range(len(people))))
    took = time.monotonic() - begin
    figures = {
        "launches": len(people),
        "failed": len(problems),
        "seconds": round(took, 1),
        "p50_ms": round(sorted(latencies)[len(latencies) // 2], 1) if latencies else None,
        "p95_ms": p95(latencies),
        "problems": problems[:3],
    }
    return figures, tokens


def participant(browser: Browser, me: dict, period: tuple, recorder: Recorder, until: float, rng: random.Random, think):
    group = me["group"]
    csrf = None
    pending = list(me["pending"])
    while time.monotonic() < until:
        action = rng.choice(PARTICIPANT_PAGES)
        if action == "home":
            recorder.timed(browser, "home", "GET", "/home")
        elif action == "my_mentoring":
            recorder.timed(browser, "my_mentoring", "GET", "/mentoring")
        elif action == "material":
            recorder.timed(browser, "material", "GET", "/material/")
        elif action in ("meeting_form", "log_meeting") or csrf is None:
            status, body = recorder.timed(browser, "meeting_form", "GET", f"/mentoring/groups/{group}/meetings/new")
            found = CSRF.search(body) if status == 200 else None
            csrf = found.group(1) if found else csrf
            if action == "log_meeting" and csrf:
                # A past day of the programme (a meeting in the future is refused), in the
                # afternoon: the filled meetings are at 9:00 UTC, and the same pair cannot meet twice at once.
                last = min(period[1], date.today() - timedelta(days=1))
                day = period[0] + timedelta(days=rng.randrange(max(1, (last - period[0]).days)))
                form = {
                    "csrf_token": csrf,
                    "date": day.isoformat(),
                    "time": f"{rng.randrange(13, 18):02d}:{rng.choice(('00', '30'))}",
                    "duration": "60",
                    "mode": "video",
                    "attendees": [str(a) for a in me["attendees"]],
                }
                path = f"/mentoring/groups/{group}/meetings/new"
                recorder.timed(browser, "log_meeting", "POST", path, form, expect=303)
        elif action == "confirm_meeting":
            if not pending:
                continue
            meeting = pending.pop()
            path = f"/mentoring/groups/{group}/meetings/{meeting}/confirm"
            recorder.timed(browser, "confirm_meeting", "POST", path, {"csrf_token": csrf}, expect=303)
        time.sleep(think(rng))


def facilitator(browser: Browser, programme_id: int, recorder: Recorder, until: float, rng, think):
    paths = {
        "matching": f"/matching/programmes/{programme_id}",
        "progress": "/mentoring",
        "report": f"/admin/report?programme={programme_id}",
    }
    while time.monotonic() < until:
        page = rng.choice(STAFF_PAGES)
        recorder.timed(browser, page, "GET", paths[page])
        time.sleep(think(rng))


def cpu_of(stack: dict) -> dict:
    nodes = sum(tree_cpu_seconds(p.proc.pid) for p in stack["node_procs"])
    by_name = {p.name: p for p in stack["processes"]}
    return {
        "tool": nodes,
        "nginx": tree_cpu_seconds(by_name["nginx"].proc.pid),
        "platform": tree_cpu_seconds(by_name["platform"].proc.pid),
        "client": time.process_time(),
    }


def spent(before: dict, after: dict, per: int) -> dict:
    return {k: round((after[k] - before[k]) / max(per, 1) * 1000, 2) for k in before}


def day(stack: dict, world: dict, tokens: dict, size: dict, think) -> tuple[Recorder, int]:
    recorder = Recorder()
    rng = random.Random(50)
    launched = sorted(p for p in tokens if p in world["pairs"])
    chosen = rng.sample(launched, min(size["people"], len(launched)))
    staff = {}
    for person in FACILITATORS:
        token, _elapsed, problem = launch(stack, person)
        if token is None:
            raise RuntimeError(f"facilitator {person} could not launch: {problem}")
        staff[person] = token
    until = time.monotonic() + size["duration_s"]
    threads = [
        threading.Thread(
            target=participant,
            args=(Browser(stack["tool_url"], tokens[p], stack["tls"]), world["pairs"][p], world["period"], recorder,
                  until, random.Random(i), think),
        )
        for i, p in enumerate(chosen)
    ] + [
        threading.Thread(
            target=facilitator,
            args=(Browser(stack["tool_url"], t, stack["tls"]), world["programme_id"], recorder, until,
                  random.Random(100 + i), think),
        )
        for i, t in enumerate(staff.values())
    ]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return recorder, len(chosen)


def proxy_log(work: Path) -> tuple[dict, dict]:
    """nginx's responses by status, and its error log's messages without times and addresses."""
    statuses: Counter = Counter()
    access = work / "mentoring.access.log"
    for line in access.read_text().splitlines() if access.exists() else ():
        parts = line.split('" ')
        if len(parts) > 1 and parts[1][:3].isdigit():
            statuses[parts[1][:3]] += 1
    problems: Counter = Counter()
    for name in ("node0.log", "node1.log"):  # gunicorn's own: a worker killed on its timeout resets its connections
        path = work / name
        for line in path.read_text().splitlines() if path.exists() else ():
            if "WORKER TIMEOUT" in line or "was sent SIG" in line:
                problems[re.sub(r"^\[[^]]*\] ", "", re.sub(r"pid:? ?\d+", "pid", line))[:160]] += 1
    for name in ("mentoring.error.log", "error.log"):
        path = work / name
        for line in path.read_text().splitlines() if path.exists() else ():
            message = re.sub(r"^\S+ \S+ \[(\w+)\] \d+#\d+: \*?\d* ?", r"[\1] ", line)
            problems[re.sub(r", (client|server|request|upstream|host|referrer): .*", "", message)[:160]] += 1
    return dict(sorted(statuses.items())), dict(problems.most_common(8))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run at a twentieth of the size")
    parser.add_argument("--database-url", help="PostgreSQL server for the scratch database (TEST_DATABASE_URL)")
    parser.add_argument("--launches", type=int, help="people in the kickoff surge")
    parser.add_argument("--surge-seconds", type=int, help="the surge's length")
    parser.add_argument("--people", type=int, help="participants using the tool at once afterwards")
    parser.add_argument("--seconds", type=int, help="how long they use it")
    args = parser.parse_args()
    if args.database_url:
        os.environ["TEST_DATABASE_URL"] = args.database_url
    size = dict(SIZES["small" if args.small else "full"])
    for option, key in (
        ("launches", "launches"),
        ("surge_seconds", "surge_s"),
        ("people", "people"),
        ("seconds", "duration_s"),
    ):
        if getattr(args, option):
            size[key] = getattr(args, option)  # fmt: skip
    world: dict = {}
    participants = size["pairs"] * 2

    def think(rng: random.Random) -> float:
        return rng.uniform(1.0, 3.0)

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as work_name:
        work = Path(work_name)
        people = people_file(work / "people.json", participants + size["waiting"])
        with production_stack(
            work,
            db_through_proxy=False,
            seed=seeder(size, world),
            platform_env={"DEVPLATFORM_PEOPLE": str(people)},
            platform_threads=16,
        ) as stack:
            load_before = os.getloadavg()
            for person in FACILITATORS * 4:  # warm-up: imports, templates, connection pools of both nodes
                launch(stack, person)
            rng = random.Random(1)
            surgers = [f"bench-{i}" for i in rng.sample(range(participants), size["launches"])]
            cpu0 = cpu_of(stack)
            surge_figures, tokens = surge(stack, surgers, size["surge_s"])
            cpu1 = cpu_of(stack)
            surge_figures["cpu_ms_per_launch"] = spent(cpu0, cpu1, size["launches"])
            recorder, people_count = day(stack, world, tokens, size, think)
            cpu2 = cpu_of(stack)
            load_after = os.getloadavg()
            statuses, proxy_problems = proxy_log(work)

    requests_done = sum(len(v) for v in recorder.times.values()) + sum(recorder.errors.values())
    participant_times = [t for page in PARTICIPANT_PAGES for t in recorder.times[page]]
    staff_times = [t for page in STAFF_PAGES for t in recorder.times[page]]
    errors = surge_figures["failed"] + sum(recorder.errors.values())
    s = surge_figures
    print(f"{participants} participants in {size['pairs']} pairs, {size['waiting']} waiting in matching, 2 nodes")
    print(
        f"surge: {s['launches']} launches in {s['seconds']} s, {s['failed']} failed, p50 {s['p50_ms']} ms, "
        f"p95 {s['p95_ms']} ms; CPU ms per launch {s['cpu_ms_per_launch']}"
    )
    print(f"working day: {people_count} people + {len(FACILITATORS)} facilitators for {size['duration_s']} s")
    # The first request of a page type apart: a staff page's first view may do once what later
    # views reuse (the matching page computes its stored reasons).
    print(f"{'page':18}{'requests':>9}{'errors':>8}{'p95 ms':>9}{'p50 ms':>9}{'first ms':>10}{'max ms':>9}")
    for page in PARTICIPANT_PAGES + STAFF_PAGES:
        times = recorder.times[page]
        p50 = round(statistics.median(times), 1) if times else "-"
        first, most = (round(times[0], 1), round(max(times), 1)) if times else ("-", "-")
        print(f"{page:18}{len(times):>9}{recorder.errors[page]:>8}{p95(times) or '-':>9}{p50:>9}{first:>10}{most:>9}")
    day_cpu = spent(cpu1, cpu2, requests_done)
    print(f"CPU ms per request in the working day: {day_cpu}")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores, shared)")
    for sample in recorder.samples + s["problems"]:
        print("error:", sample)
    print(f"nginx responses by status: {statuses}")
    for message, n in proxy_problems.items():
        print(f"nginx error log ×{n}: {message}")
    print(
        json.dumps(
            {
                "participants": participants,
                "pairs": size["pairs"],
                "registrations_in_matching": size["waiting"],
                "nodes": len(stack["nodes"]),
                "launches": s["launches"],
                "launch_seconds": s["seconds"],
                "launch_p95_ms": s["p95_ms"],
                "launch_cpu_ms": s["cpu_ms_per_launch"],
                "people": people_count,
                "requests": requests_done,
                "errors": errors,
                "participant_p95_ms": p95(participant_times),
                "staff_p95_ms": p95(staff_times),
                "p95_ms": {page: p95(recorder.times[page]) for page in PARTICIPANT_PAGES + STAFF_PAGES},
                "staff_p95_ms_after_first_view": p95([t for page in STAFF_PAGES for t in recorder.times[page][1:]]),
                "cpu_ms_per_request": day_cpu,
                "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
                "proxy_statuses": statuses,
                "proxy_errors": sum(proxy_problems.values()),
            }
        )
    )


if __name__ == "__main__":
    main()
