"""Two worker processes behave as one: a login on one and the launch on the other succeed."""

import os
import socket
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.lti_double import PlatformDouble

pytestmark = pytest.mark.live  # real gunicorn workers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_worker(port, database_url, instance_dir):
    env = dict(
        os.environ,
        APP_ENV="development",
        DATABASE_URL=database_url,
        INSTANCE_PATH=str(instance_dir),
        LTI_KEY_DIR=str(instance_dir / "keys"),
        SECRET_KEY="test-secret-key",
        LOG_LEVEL="WARNING",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"localhost:{port}", "app:create_app()"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait(port, proc):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode())
        try:
            requests.get(f"http://localhost:{port}/lti/jwks", timeout=5)
            return
        except requests.RequestException:  # not listening yet, or busy making the first key
            time.sleep(0.1)
    raise TimeoutError(f"worker on {port} did not start")


@pytest.fixture
def workers(app, database_url, instance_dir):
    ports = [_free_port(), _free_port()]
    procs = [_start_worker(p, database_url, instance_dir) for p in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            _wait(port, proc)
        yield [f"http://localhost:{p}" for p in ports]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


def test_login_on_one_worker_launch_on_the_other(app, workers):
    platform = PlatformDouble()
    platform.register(app)
    try:
        browser = requests.Session()
        login = browser.post(
            workers[0] + "/lti/login",
            data={
                "iss": platform.issuer,
                "login_hint": "5",
                "target_link_uri": workers[1] + "/lti/launch",
                "client_id": platform.client_id,
                "lti_deployment_id": "1",
            },
            allow_redirects=False,
        )
        assert login.status_code == 302
        auth = {k: v[0] for k, v in parse_qs(urlsplit(login.headers["Location"]).query).items()}
        token = platform.sign(platform.claims(auth["nonce"]))
        # The state cookie was set by worker 0 for host "localhost"; worker 1 gets it back, as a
        # browser sends it (requests' jar would keep a Secure cookie off plain http).
        set_cookie = login.headers["Set-Cookie"]
        assert "Partitioned" in set_cookie and "Secure" in set_cookie and "SameSite=None" in set_cookie
        cookie_name, cookie_value = set_cookie.split(";")[0].split("=", 1)
        cookies = {cookie_name: cookie_value}
        launch = browser.post(
            workers[1] + "/lti/launch",
            data={"id_token": token, "state": auth["state"]},
            cookies=cookies,
            allow_redirects=False,
        )
        assert launch.status_code == 303, launch.text[:1000]
        home_path = urlsplit(launch.headers["Location"])
        page = browser.get(workers[0] + home_path.path + "?" + home_path.query)
        assert page.status_code == 200 and "Tervetuloa, Aino" in page.text
        # The same id_token replayed on the first worker is refused there too.
        replay = browser.post(
            workers[0] + "/lti/launch", data={"id_token": token, "state": auth["state"]}, cookies=cookies
        )
        assert replay.status_code == 401 and 'data-reason="nonce_replayed"' in replay.text
        # Both workers publish the same signing key.
        assert requests.get(workers[0] + "/lti/jwks").json() == requests.get(workers[1] + "/lti/jwks").json()
    finally:
        platform.close()
