"""``flask --app app …`` commands: demo data, privacy and the journal key; the LTI commands are in ``app.lti.cli``."""


def register_cli(app):
    from .admin.cli import privacy_cli
    from .demo import demo_cli
    from .mentoring.cli import journal_cli

    app.cli.add_command(demo_cli)
    app.cli.add_command(journal_cli)
    app.cli.add_command(privacy_cli)
