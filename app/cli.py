"""``flask --app app …`` commands: demo data and privacy; the LTI commands are in ``app.lti.cli``."""


def register_cli(app):
    from .admin.cli import privacy_cli
    from .demo import demo_cli

    app.cli.add_command(demo_cli)
    app.cli.add_command(privacy_cli)
