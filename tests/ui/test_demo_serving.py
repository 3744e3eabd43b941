"""`make demo` serves a browser that keeps idle connections open: two idle TCP connections
(as Chromium pre-opens) must not keep a third request waiting."""

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]


def demo_servers() -> dict[str, list[str]]:
    """The gunicorn options `make demo` gives each app (without --bind), by app."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    recipe = subprocess.run(
        ["make", "--dry-run", "demo"], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    servers = {}
    for line in recipe.splitlines():
        if "gunicorn" not in line:
            continue
        words = shlex.split(line.rstrip("\\ &"))
        words = words[next(i for i, w in enumerate(words) if w.endswith("gunicorn")) + 1 :]
        bind = words.index("--bind")
        servers[words[-1]] = words[:bind] + words[bind + 2 : -1]
    assert set(servers) == {"app:create_app()", "app.devplatform:create_app()"}, recipe
    return servers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("target, path", [("app:create_app()", "/privacy"), ("app.devplatform:create_app()", "/")])
def test_two_idle_connections_do_not_hold_up_a_request(app, database_url, instance_dir, tmp_path, target, path):
    options = demo_servers()[target]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        APP_ENV="development",
        DATABASE_URL=database_url,
        INSTANCE_PATH=str(instance_dir),
        LTI_KEY_DIR=str(instance_dir / "keys"),
        SECRET_KEY="test-secret-key",
        GRADEBOOK_WORKER="off",
        LOG_LEVEL="WARNING",
        TOOL_URL=url,
        DEVPLATFORM_URL=url,
        DEVPLATFORM_INSTANCE=str(tmp_path / "devplatform"),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{port}", target],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    idle = []
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "gunicorn stopped"
            try:
                assert requests.get(url + path, timeout=20).status_code == 200
                break
            except requests.RequestException:  # not listening yet, or a first request on a busy machine
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        for _ in range(4):  # each worker's first request is slow: warm them all
            requests.get(url + path, timeout=20)
        for _ in range(2):  # connected before the request, so a sync worker would accept them first
            idle.append(socket.create_connection(("127.0.0.1", port)))
        # A sync worker waits for an idle connection's request line until its 30 s timeout; threads
        # answer at once (the bound is generous for a loaded machine).
        try:
            response = requests.get(url + path, timeout=20)
        except requests.Timeout:
            pytest.fail(f"{target}: a request waited behind two idle connections")
        assert response.status_code == 200
    finally:
        for connection in idle:
            connection.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
