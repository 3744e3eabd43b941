"""``flask --app app …`` commands: LTI platforms and keys, demo data."""
import json
import time

import click
from flask import current_app
from flask.cli import AppGroup

from .extensions import db
from .lti.models import Deployment, Platform
from .lti.rules import platform_url_problem

lti_cli = AppGroup("lti", help="LTI platform registrations and the tool's keys.")
platform_cli = AppGroup("platform", help="Platforms (LMS sites) this tool accepts launches from.")
keys_cli = AppGroup("keys", help="The tool's signing keys.")
lti_cli.add_command(platform_cli)
lti_cli.add_command(keys_cli)

def check_platform_url(name: str, url: str, app_env: str) -> None:
    """HTTPS only, except plain http to a loopback address in development."""
    problem = platform_url_problem(url, app_env)
    if problem == "plain_http":
        raise click.BadParameter(
            f"{url!r} is plain http; that is allowed only for loopback addresses with APP_ENV=development.",
            param_hint=name,
        )
    if problem:
        raise click.BadParameter(f"{url!r} is not an https:// URL.", param_hint=name)


@platform_cli.command("add")
@click.option("--issuer", required=True, help="The platform's issuer (Moodle: the site URL).")
@click.option("--client-id", required=True, help="The client id the platform gave this tool.")
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True, help="Deployment id; repeat for several.")
@click.option("--auth-url", required=True, help="OIDC authentication request URL.")
@click.option("--token-url", required=True, help="OAuth2 access token URL.")
@click.option("--jwks-url", required=True, help="The platform's public keyset URL.")
@click.option("--audience", default=None, help="Token audience, if not the token URL.")
@click.option("--name", default=None, help="A name to show for the platform.")
def platform_add(issuer, client_id, deployment_ids, auth_url, token_url, jwks_url, audience, name):
    """Register a platform, or add deployments to an existing registration."""
    app_env = current_app.config["APP_ENV"]
    for option, value in (("--issuer", issuer), ("--auth-url", auth_url), ("--token-url", token_url), ("--jwks-url", jwks_url)):
        check_platform_url(option, value, app_env)
    platform = db.session.scalar(db.select(Platform).filter_by(issuer=issuer, client_id=client_id))
    created = platform is None
    if created:
        platform = Platform(issuer=issuer, client_id=client_id)
        db.session.add(platform)
    platform.auth_login_url = auth_url
    platform.auth_token_url = token_url
    platform.key_set_url = jwks_url
    platform.auth_audience = audience
    platform.name = name or platform.name
    known = {d.deployment_id for d in platform.deployments}
    for deployment_id in deployment_ids:
        if deployment_id not in known:
            platform.deployments.append(Deployment(deployment_id=deployment_id))
    db.session.commit()
    verb = "Registered" if created else "Updated"
    click.echo(f"{verb} platform {issuer} (client id {client_id}); deployments: "
               + ", ".join(sorted(d.deployment_id for d in platform.deployments)))


@platform_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def platform_list(as_json):
    """List registered platforms and their deployments."""
    rows = db.session.scalars(db.select(Platform).order_by(Platform.issuer, Platform.client_id)).all()
    data = [
        {
            "issuer": p.issuer,
            "client_id": p.client_id,
            "deployments": sorted(d.deployment_id for d in p.deployments),
            "auth_url": p.auth_login_url,
            "token_url": p.auth_token_url,
            "jwks_url": p.key_set_url,
        }
        for p in rows
    ]
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    if not data:
        click.echo("No platforms registered. Add one with: flask --app app lti platform add --help")
    for p in data:
        click.echo(f"{p['issuer']}  client id {p['client_id']}  deployments {', '.join(p['deployments'])}")
        click.echo(f"  auth {p['auth_url']}\n  token {p['token_url']}\n  jwks {p['jwks_url']}")


@keys_cli.command("show")
def keys_show():
    """Show the tool's keys: the signing key and those still published in the JWKS."""
    store = current_app.extensions["lti_keys"]
    current = store.current()
    published = {k["kid"] for k in store.jwks()["keys"]}
    for key in store.all_keys():
        state = "signing" if key.kid == current.kid else (
            "retired, published until " + time.strftime("%Y-%m-%d %H:%M", time.localtime(key.retired + store.grace_seconds))
            if key.kid in published else "retired"
        )
        click.echo(f"{key.kid}  created {time.strftime('%Y-%m-%d %H:%M', time.localtime(key.created))}  {state}")


@keys_cli.command("rotate")
def keys_rotate():
    """Make a new signing key; the previous one stays in the JWKS for the grace period."""
    from .admin.audit import record

    store = current_app.extensions["lti_keys"]
    old, new = store.rotate()
    record("lti.keys_rotated", target=f"key:{new.kid}", details={"previous_kid": old.kid if old else None})
    db.session.commit()
    click.echo(f"New signing key {new.kid}.")
    if old:
        click.echo(f"Previous key {old.kid} stays in the JWKS for {store.grace_seconds // 3600} h.")


@lti_cli.command("purge")
def purge():
    """Delete expired sessions and used nonces (run daily, e.g. from cron)."""
    from .lti.launch import purge_used_nonces
    from .lti.models import utcnow
    from .sessions import end_sessions_before

    nonces = purge_used_nonces()
    sessions = end_sessions_before(utcnow())
    db.session.commit()
    click.echo(f"Deleted {sessions} expired sessions and {nonces} used nonces.")


def register_cli(app):
    from .admin.cli import privacy_cli
    from .demo import demo_cli

    app.cli.add_command(lti_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(privacy_cli)
