"""``flask --app app content …``: validate the reading material."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from . import content_root
from .library import Library
from .library.check import check_content, summary_counts
from .library.modules import LANGUAGES

content_group = AppGroup("content", help="The reading material in content/.")


@content_group.command("check")
def check_command() -> None:
    """Validate every module, link, translation, the question bank and the checklists.

    Prints one line per problem (file:line: message) and exits with 1, or prints a success
    line with the module count per language.
    """
    root = content_root()
    problems = check_content(root)
    if problems:
        for problem in problems:
            click.echo(str(problem))
        noun = "problem" if len(problems) == 1 else "problems"
        click.echo(f"{len(problems)} {noun} in {root}", err=True)
        raise SystemExit(1)
    counts = summary_counts(root)
    library = Library(root)
    bank = library.question_bank()
    checklists = library.checklists()
    per_language = ", ".join(f"{lang} {counts[lang]}" for lang in LANGUAGES)
    click.echo(
        f"Content OK: modules per language: {per_language}; "
        f"{len(bank.questions)} questions; {len(checklists)} checklists ({root})"
    )


def register_cli(app: Flask) -> None:
    app.cli.add_command(content_group)
