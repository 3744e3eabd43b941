"""Mail delivery throughput: 5,000 queued notifications sent to a local SMTP server (aiosmtpd on
127.0.0.1, in this process) by 1 and then by 2 ``flask --app app mail work`` processes.

The workers are separate processes sharing the tool's database (SQLite by default, PostgreSQL with
``--database-url``). The server counts every message by its Message-ID, so a message delivered
twice shows as a duplicate. Time runs from starting the workers until every message has arrived.

    .venv/bin/python benchmarks/mail.py [--messages 5000] [--database-url postgresql+psycopg://postgres@127.0.0.1/postgres]

Prints messages/s per run and the ratio of two workers to one, and ends with one JSON line.
Target (issue 17): at least 200 messages/s with one worker.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.gradebook import scratch_database  # noqa: E402
from tests.support.smtp import SmtpServer  # noqa: E402

TARGET_1_WORKER = 200


def queue(tool, count: int, run: str) -> None:
    """``count`` match-published mails to ``count`` people, queued as the tool queues them."""
    from datetime import date

    from app.core.db import db
    from app.notifications import services
    from app.people.models import Course, User
    from app.programme.models import Programme
    from app.programme.services import create_programme

    with tool.app_context():
        course = db.session.scalar(db.select(Course).filter_by(context_id="bench"))
        if course is None:
            course = Course(issuer="https://moodle.bench", deployment_id="1", context_id="bench", title="Bench")
            db.session.add(course)
            db.session.flush()
            create_programme(course.id, name="Tulanet bench", kickoff=date(2026, 1, 1), closing=date(2026, 12, 31))
            db.session.flush()
        programme = db.session.scalar(db.select(Programme).filter_by(course_id=course.id))
        programme.moodle_url = "https://moodle.bench/mod/lti/view.php?id=1"
        for n in range(count):
            user = User(
                issuer=course.issuer,
                subject=f"{run}-{n}",
                given_name="Bench",
                family_name=str(n),
                email=f"p{n}.{run}@bench.example",
                locale=("fi", "sv", "en")[n % 3],
            )
            db.session.add(user)
            db.session.flush()
            services.notify(
                user.id, "match_published", f"bench:{run}:{n}", programme, counterparts=[f"Mentor {n % 97}"]
            )
        db.session.commit()


def run_workers(count: int, env: dict, sink, expected: int) -> tuple[float, list[dict], float, float]:
    """Returns the seconds until every message arrived, each worker's statistics, the CPU
    seconds the workers spent and the CPU seconds this process (the SMTP server) spent; on a
    busy machine the wall time says little on its own."""
    cpu_before = _children_cpu()
    server_before = time.process_time()
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "mail", "work", "--until-empty", "--batch", "100"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    deadline = time.monotonic() + 900
    while len(sink.received) < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    server_cpu = time.process_time() - server_before
    stats = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        if process.returncode != 0:
            raise SystemExit(f"worker failed ({process.returncode}):\n{err[-2000:]}")
        stats.append(json.loads(out.strip().splitlines()[-1]))
    return elapsed, stats, _children_cpu() - cpu_before, server_cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="mail-bench-"))
    database_url, drop = scratch_database(args.database_url, folder)
    try:
        with SmtpServer() as smtp:
            env = {
                **os.environ,
                "APP_ENV": "development",
                "DATABASE_URL": database_url,
                "INSTANCE_PATH": str(folder / "instance"),
                "MAIL_URL": smtp.url,
                "MAIL_FROM": "mentoring@bench.example",
                "TOOL_URL": "https://tool.bench.example",
                "LOG_FORMAT": "text",
                "LOG_LEVEL": "WARNING",
                "MAIL_WORKER": "off",
            }
            os.environ.update({k: v for k, v in env.items() if k != "MAIL_WORKER"})
            from flask_migrate import upgrade

            from app import create_app

            tool = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
            with tool.app_context():
                upgrade()
            rates = {}
            cpu_ms = {}
            server_ms = {}
            sending_ms = {}  # the workers' CPU while delivering, without starting the processes
            all_ids = Counter()
            for workers in (1, 2):
                smtp.sink.clear()
                queue(tool, args.messages, f"w{workers}")
                elapsed, stats, cpu, server_cpu = run_workers(workers, env, smtp.sink, args.messages)
                cpu_ms[workers] = 1000 * cpu / args.messages
                sending_ms[workers] = 1000 * sum(s["cpu_s"] for s in stats) / args.messages
                server_ms[workers] = 1000 * server_cpu / args.messages
                ids = Counter(m["Message-ID"] for _, m in smtp.sink.messages)
                all_ids.update(ids)
                rates[workers] = len(ids) / elapsed
                sent = sum(s["sent"] for s in stats)
                print(
                    f"{workers} worker(s): {len(ids):>5} delivered in {elapsed:6.2f} s = {rates[workers]:7.1f} msg/s"
                    f"  (workers report {sent} sent, {sum(s['retries'] for s in stats)} retries;"
                    f" CPU ms/message: workers {cpu_ms[workers]:.2f} (delivering {sending_ms[workers]:.2f}),"
                    f" SMTP server {server_ms[workers]:.2f})"
                )
        delivered = len(all_ids)
        duplicates = sum(n - 1 for n in all_ids.values())
        database = "postgresql" if args.database_url else "sqlite"
        print(f"database: {database}; delivered {delivered} of {2 * args.messages}, duplicates {duplicates}")
        print(f"2 workers / 1 worker: {rates[2] / rates[1]:.2f}; target ≥ {TARGET_1_WORKER} msg/s with one worker")
        load = os.getloadavg()[0]
        print(f"load average (1 min) at the end: {load:.1f} on {os.cpu_count()} cores")
        print(
            json.dumps(
                {
                    "benchmark": "mail",
                    "database": database,
                    "messages": 2 * args.messages,
                    "messages_per_run": args.messages,
                    "delivered": delivered,
                    "duplicates": duplicates,
                    "messages_per_s_1_worker": round(rates[1], 1),
                    "messages_per_s_2_workers": round(rates[2], 1),
                    "ratio_2_to_1": round(rates[2] / rates[1], 2),
                    "worker_cpu_ms_per_message_1_worker": round(cpu_ms[1], 2),
                    "worker_cpu_ms_per_message_2_workers": round(cpu_ms[2], 2),
                    "worker_delivering_cpu_ms_per_message_1_worker": round(sending_ms[1], 2),
                    "worker_delivering_cpu_ms_per_message_2_workers": round(sending_ms[2], 2),
                    "smtp_server_cpu_ms_per_message_1_worker": round(server_ms[1], 2),
                    "load_average_1min": round(load, 1),
                    "target_1_worker": TARGET_1_WORKER,
                    "meets_target": rates[1] >= TARGET_1_WORKER,
                }
            )
        )
    finally:
        if drop:
            drop()


if __name__ == "__main__":
    main()
