"""Gradebook delivery (AGS) throughput: 2,000 queued scores delivered to the development
platform by 1 and then by 2 ``flask --app app gradebook work`` processes; then a mixed run
where 30 % of the keys belong to a second platform that answers every service request with a
200 HTML page (a login or maintenance page), delivered by 1 worker.

The tool and the platforms run in this process on loopback (werkzeug, threaded); the workers are
separate processes sharing the tool's database (SQLite by default, PostgreSQL with
``--database-url``). One real facilitator launch per platform gives the tool its AGS endpoints.
In the mixed run the time is taken until every healthy score is in the healthy platform's
gradebook (the HTML platform's scores stay pending, retried with backoff), then the worker is
interrupted.

    .venv/bin/python benchmarks/gradebook.py [--scores 2000] [--database-url postgresql+psycopg://postgres@127.0.0.1/postgres]

Prints scores/s, token requests and retries per run, the mixed run's healthy throughput and its
ratio to the single worker's, and ends with one JSON line.
"""

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402


def scratch_database(url: str | None, folder: Path):
    if not url:
        return "sqlite:///" + str(folder / "bench.sqlite"), None
    base = make_url(url)
    name = f"gradebook_bench_{secrets.token_hex(4)}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def queue_scores(tool, platform_url: str | list[str], subjects: list[str], resource: str) -> None:
    """One score per subject; ``platform_url`` may give each subject its own platform."""
    from app.core.db import db
    from app.lti.gradebook import publish_score
    from app.people.models import Course, Enrolment, User

    with tool.app_context():
        urls = platform_url if isinstance(platform_url, list) else [platform_url] * len(subjects)
        courses = {u: db.session.scalar(db.select(Course).filter_by(issuer=u, context_id="2")) for u in set(urls)}
        for n, (platform_url, subject) in enumerate(zip(urls, subjects, strict=True)):
            course = courses[platform_url]
            user = db.session.scalar(db.select(User).filter_by(issuer=platform_url, subject=subject))
            if user is None:
                user = User(issuer=platform_url, subject=subject, name=f"Bench {subject}")
                db.session.add(user)
                db.session.flush()
            enrolment = db.session.scalar(db.select(Enrolment).filter_by(course_id=course.id, user_id=user.id))
            if enrolment is None:
                enrolment = Enrolment(course_id=course.id, user_id=user.id, role="participant", lti_roles=[])
                db.session.add(enrolment)
                db.session.flush()
            publish_score(enrolment, resource, 1 + n % 6, 6, "InProgress", "FullyGraded", label=f"Benchmark {resource}")
        db.session.commit()


def run_workers(count: int, env: dict, done=None) -> tuple[float, list[dict]]:
    """Run ``count`` workers until the queue is empty, or until ``done()`` is true (then they are
    interrupted); returns the seconds it took and each worker's statistics."""
    started = time.perf_counter()
    until = ["--until-empty"] if done is None else ["--idle", "0.05"]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "gradebook", "work", *until, "--batch", "50"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    if done is not None:
        deadline = time.monotonic() + 600
        while not done() and time.monotonic() < deadline:
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        for process in processes:
            process.send_signal(signal.SIGINT)
    outputs = [p.communicate(timeout=600) for p in processes]
    if done is None:
        elapsed = time.perf_counter() - started
    stats = []
    for process, (out, err) in zip(processes, outputs, strict=True):
        if process.returncode != 0:
            raise SystemExit(f"worker failed ({process.returncode}):\n{err[-2000:]}")
        stats.append(json.loads(out.strip().splitlines()[-1]))
    return elapsed, stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scores", type=int, default=2000)
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL server URL; a scratch database is created and dropped"
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="gradebook-bench-"))
    database_url, drop = scratch_database(args.database_url, folder)
    tool_server = make_server("localhost", 0, None, threaded=True)
    platform_server = make_server("127.0.0.1", 0, None, threaded=True)
    html_server = make_server("127.0.0.1", 0, None, threaded=True)
    tool_url = f"http://localhost:{tool_server.server_port}"
    platform_url = f"http://127.0.0.1:{platform_server.server_port}"
    html_url = f"http://127.0.0.1:{html_server.server_port}"
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        SECRET_KEY="gradebook-benchmark",
        INSTANCE_PATH=str(folder / "instance"),
        TOOL_URL=tool_url,
        APP_ENV="development",
        LOG_LEVEL="WARNING",
        LOG_FORMAT="text",
        GRADEBOOK_WORKER="off",
    )
    os.environ.update(
        {
            k: env[k]
            for k in ("DATABASE_URL", "SECRET_KEY", "INSTANCE_PATH", "TOOL_URL", "LOG_LEVEL", "GRADEBOOK_WORKER")
        }
    )
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from flask_migrate import upgrade

    from app import create_app
    from app.devplatform import create_app as create_platform
    from app.devplatform.useragent import UserAgent

    tool = create_app()
    platform = create_platform(
        {"DEVPLATFORM_URL": platform_url, "TOOL_URL": tool_url, "DEVPLATFORM_INSTANCE": str(folder / "devplatform")}
    )
    html_platform = create_platform(
        {"DEVPLATFORM_URL": html_url, "TOOL_URL": tool_url, "DEVPLATFORM_INSTANCE": str(folder / "devplatform-html")}
    )
    tool_server.app, platform_server.app, html_server.app = tool, platform, html_platform
    servers = (tool_server, platform_server, html_server)
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tool.app_context():
            upgrade()
            from app.demo import seed_demo

            seed_demo(platform_url)
            seed_demo(html_url)
        for url in (platform_url, html_url):
            launch = UserAgent(url).launch("4", locale="fi")  # the course's AGS endpoints
            assert launch.ok, launch.steps
        state = platform.extensions["devplatform_services"]
        html_state = html_platform.extensions["devplatform_services"]
        platform.test_client().post("/dev/control", json={"generate_learners": args.scores})
        subjects = [f"g{n:05d}" for n in range(args.scores)]
        results = {}
        for workers, resource in ((1, "bench:1"), (2, "bench:2")):
            queue_scores(tool, platform_url, subjects, resource)
            before = dict(state.counters)
            elapsed, stats = run_workers(workers, env)
            results[workers] = {
                "seconds": round(elapsed, 2),
                "scores_per_s": round(args.scores / elapsed, 1),
                "delivered": sum(s["delivered"] for s in stats),
                "retries": sum(s["retries"] for s in stats),
                "token_requests": state.counters["token_requests"] - before["token_requests"],
                "score_posts": state.counters["score_posts"] - before["score_posts"],
            }

        def in_gradebook(resource):
            with state.lock:
                return sum(
                    1
                    for (i, _u), g in state.grades.items()
                    if state.line_items[i]["resourceId"] == resource and g["grade"] is not None
                )

        # Mixed: every tenth key from 0 to 2 (30 %) on the HTML platform, the rest healthy.
        html_platform.test_client().post("/dev/control", json={"faults": {"html_rate": 1.0}})
        urls = [html_url if n % 10 < 3 else platform_url for n in range(args.scores)]
        healthy = urls.count(platform_url)
        queue_scores(tool, urls, subjects, "bench:3")
        before = dict(state.counters)
        elapsed, stats = run_workers(1, env, done=lambda: in_gradebook("bench:3") >= healthy)
        results["mixed"] = {
            "seconds": round(elapsed, 2),
            "healthy": healthy,
            "healthy_per_s": round(healthy / elapsed, 1),
            "delivered": sum(s["delivered"] for s in stats),
            "retries": sum(s["retries"] for s in stats),
            "html_pages": html_state.counters["html_pages"],
            "token_requests": state.counters["token_requests"] - before["token_requests"],
        }
        graded = {r: in_gradebook(r) for r in ("bench:1", "bench:2", "bench:3")}
    finally:
        for server in servers:
            server.shutdown()
        if drop:
            with tool.app_context():
                from app.core.db import db

                db.engine.dispose()
            drop()

    print(
        f"{'workers':>8} {'seconds':>8} {'scores/s':>9} {'delivered':>10} {'in gradebook':>13} "
        f"{'retries':>8} {'token requests':>15}"
    )
    for workers, resource in ((1, "bench:1"), (2, "bench:2")):
        r = results[workers]
        print(
            f"{workers:>8} {r['seconds']:>8} {r['scores_per_s']:>9} {r['delivered']:>10} {graded[resource]:>13} "
            f"{r['retries']:>8} {r['token_requests']:>15}"
        )
    mixed = results["mixed"]
    ratio = round(mixed["healthy_per_s"] / results[1]["scores_per_s"], 2)
    print(
        f"mixed, 1 worker: {mixed['healthy']} healthy scores in {mixed['seconds']} s = "
        f"{mixed['healthy_per_s']} scores/s "
        f"({graded['bench:3']} in gradebook), {args.scores - mixed['healthy']} keys on the HTML platform "
        f"({mixed['html_pages']} HTML pages answered, {mixed['retries']} retries); ratio to 1 "
        f"worker alone: {ratio} (must be ≥ 0.5)"
    )
    print(
        json.dumps(
            {
                "scores": args.scores,
                "delivered": min(graded["bench:1"], graded["bench:2"]),
                "scores_per_s_1_worker": results[1]["scores_per_s"],
                "scores_per_s_2_workers": results[2]["scores_per_s"],
                "mixed_healthy_delivered": graded["bench:3"],
                "mixed_healthy_per_s": mixed["healthy_per_s"],
                "mixed_ratio": ratio,
                "mixed_html_pages": mixed["html_pages"],
                "token_requests": results[1]["token_requests"] + results[2]["token_requests"],
                "retries": results[1]["retries"] + results[2]["retries"],
                "database": "postgresql" if args.database_url else "sqlite",
            }
        )
    )


if __name__ == "__main__":
    main()
