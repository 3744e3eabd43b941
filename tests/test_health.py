"""/healthz, /readyz, and the one-line refusal of the app and the CLI on a database behind the code."""

import pytest
from flask_migrate import upgrade

from app import create_app
from tests.conftest import _config

HINT = "run `flask --app app db upgrade`"


def test_healthz_and_readyz_on_a_ready_node(_migrated, database_url, tmp_path):
    app = create_app(_config(database_url, tmp_path, LTI_KEY_DIR=str(tmp_path / "keys")))
    client = app.test_client()
    assert client.get("/healthz").get_data(as_text=True) == "ok\n"
    response = client.get("/readyz")
    assert response.status_code == 503  # no signing key made yet: not ready to launch anyone
    assert response.json == {"database": True, "migrations": True, "keys": False, "ready": False}
    app.extensions["lti_keys"].current()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"database": True, "migrations": True, "keys": True, "ready": True}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def behind(tmp_path):
    """An app on a SQLite database one migration behind the code."""
    app = create_app(_config(f"sqlite:///{tmp_path}/behind.sqlite", tmp_path))
    with app.app_context():
        upgrade(revision="0012")
    return app


def test_the_app_refuses_requests_with_one_line_until_upgraded(behind):
    client = behind.test_client()
    response = client.get("/lti/jwks")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert body.count("\n") == 1 and HINT in body and "0012" in body
    assert client.get("/healthz").status_code == 200  # the process is alive all the same
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["migrations"] is False and ready.json["database"] is True
    with behind.app_context():
        upgrade()
    assert client.get("/lti/jwks").status_code == 200  # no restart needed


@pytest.mark.parametrize(
    "args", [["lti", "keys", "show"], ["lti", "platform", "list"], ["demo", "seed"], ["gradebook", "status"]]
)
def test_every_cli_command_refuses_with_one_line(behind, args):
    result = behind.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {result.output.strip()[7:]}"]
    assert HINT in result.output and "Traceback" not in result.output


def test_the_cli_names_an_unreachable_database(tmp_path):
    app = create_app(_config("postgresql+psycopg://nobody@127.0.0.1:9/none", tmp_path))
    result = app.test_cli_runner().invoke(args=["lti", "keys", "show"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: The database cannot be reached (OperationalError); check DATABASE_URL."


def test_every_registered_command_is_guarded(behind):
    """Commands added later (a new worker) are guarded too, as long as they are registered before
    ``health.init_app`` runs at the end of the app factory."""
    commands = {name: getattr(command, "_schema_checked", False) for name, command in behind.cli.commands.items()}
    assert commands.pop("db") is False  # the migrations themselves run on a database behind
    assert commands.pop("content") is False  # checks the material's files, not the database
    assert {"demo", "lti", "gradebook", "roster"} <= set(commands) and all(commands.values())
