"""``flask content check``: one line per problem and exit 1, or a success line per language."""

from flask import Flask

from app.content import content_root, get_library
from app.content.cli import register_cli
from app.content.library import default_root


def make_app(root=None):
    app = Flask("content-cli-test")
    if root is not None:
        app.config["CONTENT_ROOT"] = str(root)
    register_cli(app)
    return app


def test_check_passes_on_shipped_content():
    result = make_app().test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Content OK: modules per language: fi 19, sv 19, en 19; ")
    assert "48 questions; 2 checklists" in result.output


def test_check_reports_each_problem_and_exits_1(content_copy):
    (content_copy / "sv" / "roolit.md").unlink()
    path = content_copy / "en" / "palaute.md"
    path.write_text(path.read_text(encoding="utf-8").replace("(luottamuksellisuus)", "(trust)"), encoding="utf-8")
    result = make_app(content_copy).test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line]
    assert lines[0].startswith("en/palaute.md:") and lines[0].endswith(": link to unknown module 'trust'")
    assert lines[1] == "sv/roolit.md: missing translation of fi/roolit.md"
    assert "2 problems in " in result.output


def test_root_from_config_or_repository(content_copy):
    app = make_app(content_copy)
    with app.app_context():
        assert content_root() == content_copy
        assert get_library().root == content_copy
        assert get_library() is get_library()
    with make_app().app_context():
        assert content_root() == default_root()
    assert default_root().name == "content" and (default_root() / "fi").is_dir()


def test_init_app_registers_the_command_and_logs_problems(content_copy, caplog):
    from app.content import init_app

    (content_copy / "en" / "roolit.md").unlink()
    app = Flask("content-init-test")
    app.config["CONTENT_ROOT"] = str(content_copy)
    import logging

    # Attach directly: the app factory stops "app" loggers propagating to the root logger.
    logger = logging.getLogger("app.content")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level("WARNING", logger="app.content"):
            problems = init_app(app)
    finally:
        logger.removeHandler(caplog.handler)
    assert [str(p) for p in problems] == ["en/roolit.md: missing translation of fi/roolit.md"]
    assert "content problem: en/roolit.md: missing translation of fi/roolit.md" in caplog.text
    assert "content" in app.cli.commands
