"""Two nodes behind nginx on one PostgreSQL database (see conftest.py): what an agency's set-up
must withstand."""

import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from app.devplatform.useragent import UserAgent
from tests.support.deploy import ROOT, Process, gunicorn_node, kill_node, wait_for

PEOPLE = [p["id"] for p in json.loads((ROOT / "app/devplatform/people.json").read_text())]


def _launch(stack, person: str) -> str | None:
    """A full launch through nginx; the session token, or None if it failed."""
    try:
        result = UserAgent(stack["platform_url"], timeout=15, tls=stack["tls"]).launch(person, locale="fi")
    except OSError:
        return None
    if not result.ok:
        return None
    tokens = parse_qs(urlsplit(result.response.url).query).get("s")
    return tokens[0] if tokens else None


def _upstreams(stack) -> Counter:
    """Which node served each launch POST, from nginx's access log (no query strings in it)."""
    log = (Path(stack["work"]) / "mentoring.access.log").read_text()
    assert "?s=" not in log and "s=" not in log.replace("ms", "")  # session tokens never logged
    return Counter(m.group(1) for m in re.finditer(r'"POST /lti/launch [^"]*" 303 \d+ \S+ 127\.0\.0\.1:(\d+)', log))


def test_launches_land_on_both_nodes_and_each_session_works_on_either(stack):
    with ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(lambda i: _launch(stack, PEOPLE[i % len(PEOPLE)]), range(16)))
    assert all(tokens)
    served = _upstreams(stack)
    assert {str(p) for p in stack["nodes"]} <= set(served), served
    for token in tokens:
        for node in stack["nodes"]:
            page = requests.get(f"http://127.0.0.1:{node}/home", params={"s": token}, timeout=10)
            assert page.status_code == 200, (node, page.status_code)
    via_proxy = requests.get(stack["tool_url"] + "/home", params={"s": tokens[0]}, verify=stack["cert"], timeout=10)
    assert via_proxy.status_code == 200
    assert via_proxy.headers["Strict-Transport-Security"].startswith("max-age=")
    assert via_proxy.headers["Content-Security-Policy"].count("frame-ancestors") == 1  # the app's, not doubled
    static = requests.get(stack["tool_url"] + "/static/app.css", verify=stack["cert"], timeout=10)
    assert static.status_code == 200 and "immutable" in static.headers["Cache-Control"]


def test_two_idle_connections_do_not_delay_a_third_request(stack):
    proxy_port = int(stack["tool_url"].rsplit(":", 1)[1])
    targets = [("127.0.0.1", stack["nodes"][0])] * 2 + [("localhost", proxy_port)] * 2
    idle = [socket.create_connection(target) for target in targets]  # nothing sent: browsers' pre-connections
    try:
        # gunicorn's own timeout is 30 s; a sync worker held by an idle connection would exceed this.
        assert requests.get(f"http://127.0.0.1:{stack['nodes'][0]}/healthz", timeout=5).status_code == 200
        assert requests.get(stack["tool_url"] + "/healthz", verify=stack["cert"], timeout=5).status_code == 200
    finally:
        for s in idle:
            s.close()


def test_readyz_is_red_while_the_database_is_unreachable_and_green_again(stack):
    ready = stack["tool_url"] + "/readyz"
    assert requests.get(ready, verify=stack["cert"], timeout=10).json()["ready"] is True
    stack["proxy"].stop()
    try:
        response = requests.get(ready, verify=stack["cert"], timeout=20)  # answers: no request hangs
        assert response.status_code == 503
        assert response.json()["database"] is False
        assert requests.get(stack["tool_url"] + "/healthz", verify=stack["cert"], timeout=10).status_code == 200
    finally:
        stack["proxy"].start()
    wait_for(ready, timeout=30, verify=stack["cert"])


def test_a_node_reloaded_then_killed_mid_load_loses_only_what_was_in_flight(stack):
    concurrency, launches = 4, 60
    done: list[str | None] = []

    def one(i):
        token = _launch(stack, PEOPLE[i % len(PEOPLE)])
        done.append(token)
        return token

    node = stack["node_procs"][0]
    with ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(one, i) for i in range(launches)]
        while len(done) < 10:
            time.sleep(0.05)
        node.signal(signal.SIGHUP)  # graceful reload: nothing may fail
        while len(done) < 30:
            time.sleep(0.05)
        failed_before_kill = done.count(None)
        kill_node(node)  # hard: what that node was serving is lost, nothing else
        tokens = [f.result() for f in futures]
    assert failed_before_kill == 0
    assert tokens.count(None) <= concurrency
    survivor = stack["nodes"][1]
    for token in filter(None, tokens):  # every completed launch's session is in the database
        assert requests.get(f"http://127.0.0.1:{survivor}/home", params={"s": token}, timeout=10).status_code == 200
    # The node comes back (systemd would restart it) and takes traffic again.
    restarted = gunicorn_node("node0-restarted", stack["nodes"][0], stack["env"], Path(stack["work"]))
    stack["processes"].append(restarted)
    stack["node_procs"][0] = restarted
    wait_for(f"http://127.0.0.1:{stack['nodes'][0]}/readyz")


def test_both_nodes_workers_deliver_two_thousand_scores_once_each(stack):
    assert _launch(stack, "4")  # the facilitator's launch gives the tool the course's AGS endpoints
    platform = stack["platform_url"]
    requests.post(platform + "/dev/control", json={"generate_learners": 2000}, timeout=30).raise_for_status()
    queued = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("queue_scores.py")), "2000"],
        cwd=ROOT,
        env=stack["env"],
        capture_output=True,
        text=True,
    )
    assert queued.returncode == 0, queued.stderr[-2000:]
    subjects = json.loads(queued.stdout)
    baseline = requests.get(platform + "/dev/control", params={"log": 1}, timeout=30).json()["score_log"]
    workers = [
        Process(f"worker{i}", [sys.executable, "-m", "flask", "--app", "app", "gradebook", "work", "--until-empty",
                               "--idle", "0.1"], stack["env"], Path(stack["work"]))
        for i in range(2)
    ]  # fmt: skip
    try:
        for worker in workers:
            worker.proc.wait(timeout=150)
    finally:
        for worker in workers:
            worker.stop()
    outputs = [json.loads(w.output().strip().splitlines()[-1]) for w in workers]
    assert all(o["delivered"] > 0 for o in outputs), outputs  # both workers took part
    log = requests.get(platform + "/dev/control", params={"log": 1}, timeout=30).json()["score_log"][len(baseline) :]
    arrived = Counter(entry["user"] for entry in log if entry["user"] in set(subjects))
    assert set(arrived) == set(subjects) and set(arrived.values()) == {1}  # every score, each once
