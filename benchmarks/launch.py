"""Full LTI launches (platform → login → platform auth → launch → first page) per second.

Measures the tool under gunicorn with 2 workers on SQLite and on PostgreSQL, and, in the same
run, a bare pylti1p3 handler (``bare_pylti1p3.py``) with 1 worker and with 2 workers, all through
the same development platform and the same client. Every server listens on loopback only.

    .venv/bin/python benchmarks/launch.py [--launches 400] [--concurrency 10] [--no-postgres] [--via-nginx]

``--via-nginx`` adds the production set-up (``tests/support/deploy.py``): nginx with TLS in front
of two gunicorn nodes (``deploy/gunicorn.conf.py``) on one PostgreSQL database; the tool's CPU is
both nodes' together, nginx's is shown apart.

Prints a table and ends with one JSON line of the figures and ratios.
"""

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.devplatform.useragent import UserAgent  # noqa: E402

PEOPLE = [p["id"] for p in json.loads((ROOT / "app/devplatform/people.json").read_text())]
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CLIENT_ID = "tulanet-dev-tool"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_cpu_seconds(pid: int) -> float:
    """User+system CPU so far of a process and its children, e.g. a gunicorn master and its
    workers (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / tick


class Server:
    def __init__(self, name, app, host, port, env, workers=1, threads=1):
        self.name, self.url = name, f"http://{host}:{port}"
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"{host}:{port}",
            "--log-level",
            "warning",
            "--graceful-timeout",
            "2",
        ]
        if threads > 1:
            cmd += ["--threads", str(threads)]
        # Logs go to a file: an unread pipe would fill up and stall the server.
        self.log = open(Path(env.get("BENCH_LOG_DIR", tempfile.gettempdir())) / f"{name}-{port}.log", "w+")
        self.proc = subprocess.Popen(
            cmd + [app], cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=self.log
        )

    def wait(self, path):
        """Ready, or stopped and an error: a server that fails to start is not left running."""
        deadline = time.monotonic() + 120  # a loaded 2-core machine starts slowly
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                output = self.log.read()[-2000:]
                self.stop()
                raise RuntimeError(f"{self.name} died: {output}")
            try:
                requests.get(self.url + path, timeout=5)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(self.name)

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.proc.pid)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def platform(tmp: Path, tool_url: str) -> Server:
    port = free_port()
    env = {
        "DEVPLATFORM_URL": f"http://127.0.0.1:{port}",
        "TOOL_URL": tool_url,
        "DEVPLATFORM_INSTANCE": str(tmp / "devplatform"),
        "APP_ENV": "development",
    }
    return Server("platform", "app.devplatform:create_app()", "127.0.0.1", port, env, workers=2).wait("/jwks")


class Processes:
    """Several running processes counted as one server (e.g. two application nodes)."""

    def __init__(self, *pids: int):
        self.pids = pids

    def cpu_seconds(self) -> float:
        return sum(tree_cpu_seconds(pid) for pid in self.pids)


def run_load(platform_url: str, launches: int, concurrency: int, expect_home: bool, servers: dict, tls=None) -> dict:
    def one(i):
        agent = UserAgent(platform_url, timeout=60, tls=tls)
        started = time.perf_counter()
        try:
            result = agent.launch(PEOPLE[i % len(PEOPLE)], locale="fi")
            ok = result.ok and (
                ("Tervetuloa" in result.response.text) if expect_home else "launched" in result.response.text
            )
        except OSError:
            ok = False
        return ok, time.perf_counter() - started

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(concurrency * 2)))  # warm-up: imports, caches, connections
        cpu_before = {name: server.cpu_seconds() for name, server in servers.items()}
        client_before = time.process_time()
        started = time.perf_counter()
        outcomes = list(pool.map(one, range(launches)))
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - client_before
        cpu = {name: server.cpu_seconds() - cpu_before[name] for name, server in servers.items()}
    latencies = sorted(t for ok, t in outcomes if ok)
    failures = sum(1 for ok, _ in outcomes if not ok)

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

    return {
        "launches": launches,
        "failures": failures,
        "failure_rate": round(failures / launches, 3),
        "launches_per_s": round((launches - failures) / elapsed, 1),
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        # Where the two cores went, per launch: the client and the platform are shared costs.
        "cpu_ms_per_launch": {
            "client": round(client_cpu / launches * 1000, 2),
            **{name: round(seconds / launches * 1000, 2) for name, seconds in cpu.items()},
        },
    }


def bench_nginx(tmp: Path, launches: int, concurrency: int) -> dict:
    from tests.support.deploy import production_stack

    work = tmp / "nginx"
    work.mkdir()
    with production_stack(work, db_through_proxy=False) as stack:
        by_name = {p.name: p for p in stack["processes"]}
        servers = {
            "platform": Processes(by_name["platform"].proc.pid),
            "tool": Processes(*(p.proc.pid for p in stack["node_procs"])),
            "nginx": Processes(by_name["nginx"].proc.pid),
        }
        return run_load(stack["platform_url"], launches, concurrency, True, servers, tls=stack["tls"])


def prepare_database(kind: str, tmp: Path) -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{tmp}/bench.sqlite", lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(POSTGRES)
    name = f"mentoring_bench_{secrets.token_hex(4)}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as c:
            c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname=:n"), {"n": name})
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))

    return base.set(database=name).render_as_string(hide_password=False), drop


def bench_tool(kind: str, tmp: Path, launches: int, concurrency: int) -> dict:
    tmp = tmp / kind
    tmp.mkdir()
    database_url, drop = prepare_database(kind, tmp)
    tool_port = free_port()
    tool_url = f"http://localhost:{tool_port}"
    plat = platform(tmp, tool_url)
    env = {
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp / "instance"),
        "APP_ENV": "development",
        "TOOL_URL": tool_url,
        "DEVPLATFORM_URL": plat.url,
        "FLASK_APP": "app",
    }
    try:
        for command in (["db", "upgrade"], ["demo", "seed"]):
            subprocess.run(
                [sys.executable, "-m", "flask", *command],
                cwd=ROOT,
                env={**os.environ, **env},
                check=True,
                capture_output=True,
            )
        tool = Server("tool", "app:create_app()", "localhost", tool_port, env, workers=2).wait("/lti/jwks")
        try:
            return run_load(plat.url, launches, concurrency, True, {"platform": plat, "tool": tool})
        finally:
            tool.stop()
    finally:
        plat.stop()
        drop()


def bench_bare(tmp: Path, workers: int, launches: int, concurrency: int) -> dict:
    tmp = tmp / f"bare{workers}"
    tmp.mkdir()
    port = free_port()
    plat = platform(tmp, f"http://localhost:{port}")
    env = {"BARE_ISSUER": plat.url, "BARE_CLIENT_ID": CLIENT_ID, "BARE_KEY_DIR": str(tmp / "keys")}
    try:
        bare = Server("bare", "benchmarks.bare_pylti1p3:create_app()", "localhost", port, env, workers=workers)
        bare.wait("/lti/jwks")
        try:
            return run_load(plat.url, launches, concurrency, False, {"platform": plat, "tool": bare})
        finally:
            bare.stop()
    finally:
        plat.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--launches", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--via-nginx", action="store_true", help="also through nginx to two nodes on PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        results = {
            "bare_1_worker": bench_bare(tmp, 1, args.launches, args.concurrency),
            "bare_2_workers": bench_bare(tmp, 2, args.launches, args.concurrency),
            "tool_sqlite_2_workers": bench_tool("sqlite", tmp, args.launches, args.concurrency),
        }
        if not args.no_postgres:
            results["tool_postgres_2_workers"] = bench_tool("postgresql", tmp, args.launches, args.concurrency)
        if args.via_nginx:
            results["tool_nginx_2_nodes_postgres"] = bench_nginx(tmp, args.launches, args.concurrency)

    print(f"{args.launches} launches at {args.concurrency} concurrent (login → launch → first page)")
    print(f"{'':30}{'launches/s':>11}{'p50 ms':>9}{'p95 ms':>9}{'failures':>10}")
    for name, r in results.items():
        cpu = r["cpu_ms_per_launch"]
        proxy = f", nginx {cpu['nginx']}" if "nginx" in cpu else ""
        print(
            f"{name:30}{r['launches_per_s']:>11}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['failures']:>10}"
            f"   CPU ms/launch: client {cpu['client']}, platform {cpu['platform']}, tool {cpu['tool']}{proxy}"
        )
    base = results["bare_1_worker"]["launches_per_s"]
    summary = {"launches": args.launches, "concurrency": args.concurrency}
    for name, r in results.items():
        summary[name] = r
        if name.startswith("tool"):
            summary[f"{name}_vs_bare"] = round(r["launches_per_s"] / base, 2) if base else None
        if name.startswith("tool"):
            bare_cpu = results["bare_1_worker"]["cpu_ms_per_launch"]["tool"]
            ratio = round(r["cpu_ms_per_launch"]["tool"] / bare_cpu, 2) if bare_cpu else None
            summary[f"{name}_cpu_vs_bare"] = ratio
    for name in [k for k in summary if k.endswith("_vs_bare") and "_cpu_" not in k]:
        print(f"{name}: {summary[name]}× the bare handler's launches/s")
    for name in [k for k in summary if k.endswith("_cpu_vs_bare")]:
        target = "1.0" if "sqlite" in name else "1.5"  # PostgreSQL, directly or through nginx
        print(f"{name}: {summary[name]}× the bare handler's CPU per launch (issue 19: ≤ {target}, p95 < 100 ms)")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
