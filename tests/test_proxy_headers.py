"""Forwarded headers are believed only when the operator says a proxy sets them (PROXY_FIX_HOPS)."""

from app import create_app
from tests.conftest import _config

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "mentorointi.example.fi"}


def _launch_url(app) -> str:
    response = app.test_client().get("/lti/config", query_string={"format": "json"}, headers=FORWARDED)
    assert response.status_code == 200
    return response.json["urls"]["tool_url"]


def test_forwarded_headers_are_ignored_by_default(_migrated, database_url, instance_dir, monkeypatch):
    monkeypatch.delenv("TOOL_URL", raising=False)
    app = create_app(_config(database_url, instance_dir, TOOL_URL=""))
    assert _launch_url(app) == "http://localhost/lti/launch"  # a client cannot choose the tool's URL


def test_behind_one_proxy_its_forwarded_headers_make_the_urls(_migrated, database_url, instance_dir, monkeypatch):
    monkeypatch.delenv("TOOL_URL", raising=False)
    app = create_app(_config(database_url, instance_dir, TOOL_URL="", PROXY_FIX_HOPS=1))
    assert _launch_url(app) == "https://mentorointi.example.fi/lti/launch"
