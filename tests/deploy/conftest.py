"""The production-like set-up (``tests/support/deploy.py``) as a module fixture. Runs with
``make test-deploy`` (needs nginx, openssl and PostgreSQL); skipped otherwise."""

import os

import pytest

from tests.support.deploy import nginx_binary, production_stack


def pytest_collection_modifyitems(config, items):
    if os.environ.get("DEPLOY_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="production-like test: run with `make test-deploy`")
    for item in items:
        if "tests/deploy/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if nginx_binary() is None:
        pytest.skip("nginx is not installed")
    with production_stack(tmp_path_factory.mktemp("deploy")) as running:
        yield running
