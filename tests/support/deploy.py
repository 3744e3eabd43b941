"""Production as it runs, for the deploy tests and ``benchmarks/scale.py``: nginx with TLS on
loopback in front of two gunicorn nodes (the real ``deploy/gunicorn.conf.py`` and
``deploy/nginx/mentoring.conf``) on one scratch PostgreSQL database, the development platform as
the LMS.

The database can be reached through a TCP proxy a test can stop, so "PostgreSQL is unreachable"
never touches the shared server; a benchmark connects directly (the proxy's threads would spend
the load generator's CPU)."""

import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TcpProxy:
    """Forwards a loopback port to PostgreSQL; ``stop`` closes the port and every connection
    through it (the database is then unreachable), ``start`` opens it again."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, free_port()
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self):
        # shutdown() first: on Linux, close() alone leaves a thread blocked in accept() accepting.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            for s in self.connections:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.connections.clear()


class Process:
    def __init__(self, name: str, args: list[str], env: dict, logs: Path):
        self.name = name
        self.log = open(logs / f"{name}.log", "w+")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 15):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return Path(self.log.name).read_text()


def wait_for(url: str, timeout: float = 60, verify=True, status=200):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=5, verify=verify).status_code == status:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


def gunicorn_node(name: str, port: int, env: dict, logs: Path) -> Process:
    node_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    args = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app:create_app()"]
    return Process(name, args, node_env, logs)


def nginx_config(work: Path, port: int, redirect_port: int, nodes: list[int], cert: Path, key: Path) -> Path:
    """The real site file with this machine's ports and paths, in a minimal main config."""
    site = (ROOT / "deploy/nginx/mentoring.conf").read_text()
    site = re.sub(r"^\s*listen \[::\].*\n", "", site, flags=re.M)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{redirect_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;")
    site = site.replace("server 127.0.0.1:8000", f"server 127.0.0.1:{nodes[0]}")
    site = site.replace("server 127.0.0.1:8001", f"server 127.0.0.1:{nodes[1]}")
    site = site.replace("mentorointi.example.fi", "localhost")
    site = site.replace("/etc/ssl/mentoring/fullchain.pem", str(cert))
    site = site.replace("/etc/ssl/mentoring/privkey.pem", str(key))
    site = site.replace("/srv/mentoring/app/app/static/", str(ROOT / "app/static") + "/")
    site = site.replace("/var/log/nginx/", str(work) + "/")
    (work / "site.conf").write_text(site)
    main = f"""
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {work}/site.conf;
}}
"""
    (work / "nginx.conf").write_text(main)
    return work / "nginx.conf"


@contextmanager
def production_stack(
    work: Path,
    *,
    db_through_proxy: bool = True,
    seed: Callable[[str], None] | None = None,
    platform_env: dict | None = None,
    node_env: dict | None = None,
    platform_threads: int = 8,
) -> Iterator[dict]:
    """The whole set-up, torn down on exit. ``seed(database_url)`` runs after ``demo seed`` and
    before the nodes start; ``platform_env`` and ``node_env`` add to the processes' environment."""
    nginx_bin = nginx_binary()
    if nginx_bin is None:
        raise RuntimeError("nginx is not installed")
    processes: list[Process] = []

    base = make_url(POSTGRES)
    name = f"mentoring_deploy_{secrets.token_hex(4)}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    proxy = TcpProxy((base.host or "127.0.0.1", base.port or 5432))
    if db_through_proxy:
        proxy.start()
        base = base.set(host="127.0.0.1", port=proxy.port)
    database_url = base.set(database=name).render_as_string(hide_password=False)

    cert, key = work / "cert.pem", work / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    port, redirect_port, platform_port = free_port(), free_port(), free_port()
    nodes = [free_port(), free_port()]
    tool_url, platform_url = f"https://localhost:{port}", f"http://127.0.0.1:{platform_port}"
    env = {
        **os.environ,
        "APP_ENV": "development",  # the development platform speaks plain http on loopback
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "JOURNAL_KEY": "dGVzdC1qb3VybmFsLWtleS0wMDAwMDAwMDAwMDAwMDA=",
        "INSTANCE_PATH": str(work / "instance"),
        "LTI_KEY_DIR": str(work / "keys"),  # shared by both nodes, as the README requires
        "TOOL_URL": tool_url,
        "DEVPLATFORM_URL": platform_url,
        "PROXY_FIX_HOPS": "1",
        "GRADEBOOK_WORKER": "off",
        "GRADEBOOK_BACKOFF_BASE": "0.05",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "GUNICORN_ACCESS_LOG": "",
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
        "REQUESTS_CA_BUNDLE": str(cert),  # the platform fetches the tool's JWKS through nginx
    }
    env.pop("FLASK_APP", None)
    try:
        for command in (["db", "upgrade"], ["demo", "seed"], ["lti", "keys", "show"]):
            subprocess.run([sys.executable, "-m", "flask", "--app", "app", *command], cwd=ROOT, env=env, check=True,
                           capture_output=True)  # fmt: skip
        if seed is not None:
            seed(database_url)
        platform_env = {**env, "DEVPLATFORM_INSTANCE": str(work / "devplatform"), **(platform_env or {})}
        processes.append(
            Process(
                "platform",
                [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", str(platform_threads), "--bind",
                 f"127.0.0.1:{platform_port}", "app.devplatform:create_app()"],
                platform_env,
                work,
            )
        )  # fmt: skip
        node_procs = [gunicorn_node(f"node{i}", p, {**env, **(node_env or {})}, work) for i, p in enumerate(nodes)]
        processes += node_procs
        for p in nodes:
            wait_for(f"http://127.0.0.1:{p}/readyz")
        wait_for(platform_url + "/jwks")
        config = nginx_config(work, port, redirect_port, nodes, cert, key)
        nginx = Process("nginx", [nginx_bin, "-c", str(config), "-p", str(work), "-g", "daemon off;"], env, work)
        processes.append(nginx)
        wait_for(tool_url + "/healthz", verify=str(cert))
        tls = ssl.create_default_context(cafile=str(cert))
        yield {
            "env": env,
            "work": work,
            "tool_url": tool_url,
            "platform_url": platform_url,
            "nodes": nodes,
            "node_procs": node_procs,
            "cert": str(cert),
            "tls": tls,
            "proxy": proxy,
            "database_url": database_url,
            "processes": processes,
        }
    finally:
        for process in reversed(processes):
            process.stop()
        if db_through_proxy:
            proxy.stop()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def kill_node(process: Process):
    """A hard kill of a gunicorn master and its workers."""
    children = subprocess.run(["pgrep", "-P", str(process.proc.pid)], capture_output=True, text=True).stdout.split()
    process.proc.send_signal(signal.SIGKILL)
    for pid in children:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.proc.wait()
