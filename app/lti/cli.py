"""The LTI command line: ``flask lti`` (platforms, keys, registration URLs, purge),
``flask gradebook`` (score delivery, AGS) and ``flask roster`` (NRPS)."""

import json
import time

import click
from flask import current_app, url_for
from flask.cli import AppGroup

from app.core.audit import record
from app.core.clock import utcnow
from app.core.db import db

from .models import Deployment, Platform
from .rules import platform_url_problem
from .tokens import ServiceError, assertion_audience

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
@click.option(
    "--deployment-id", "deployment_ids", multiple=True, required=True, help="Deployment id; repeat for several."
)
@click.option("--auth-url", required=True, help="OIDC authentication request URL.")
@click.option("--token-url", required=True, help="OAuth2 access token URL.")
@click.option("--jwks-url", required=True, help="The platform's public keyset URL.")
@click.option("--audience", default=None, help="Token audience, if not the token URL (on the token URL's own site).")
@click.option("--name", default=None, help="A name to show for the platform.")
def platform_add(issuer, client_id, deployment_ids, auth_url, token_url, jwks_url, audience, name):
    """Register a platform, or add deployments to an existing registration (approved: the
    operator typed it)."""
    app_env = current_app.config["APP_ENV"]
    for option, value in (
        ("--issuer", issuer),
        ("--auth-url", auth_url),
        ("--token-url", token_url),
        ("--jwks-url", jwks_url),
    ):
        check_platform_url(option, value, app_env)
    if audience and assertion_audience(token_url, audience) != audience:
        raise click.BadParameter(
            f"{audience!r} is not on the token URL's site; the client assertion is only ever addressed there.",
            param_hint="--audience",
        )
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
    platform.approved_at = platform.approved_at or utcnow()
    known = {d.deployment_id for d in platform.deployments}
    for deployment_id in deployment_ids:
        if deployment_id not in known:
            platform.deployments.append(Deployment(deployment_id=deployment_id))
    db.session.commit()
    verb = "Registered" if created else "Updated"
    click.echo(
        f"{verb} platform {issuer} (client id {client_id}); deployments: "
        + ", ".join(sorted(d.deployment_id for d in platform.deployments))
    )


@platform_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def platform_list(as_json):
    """List registered platforms, their state (approved or pending) and deployments."""
    rows = db.session.scalars(db.select(Platform).order_by(Platform.issuer, Platform.client_id)).all()
    data = [
        {
            "issuer": p.issuer,
            "client_id": p.client_id,
            "state": p.state,
            "registered_at": p.created_at.isoformat(timespec="seconds") + "Z",
            "approved_at": p.approved_at.isoformat(timespec="seconds") + "Z" if p.approved_at else None,
            "deployments": sorted(d.deployment_id for d in p.deployments),
            "auth_url": p.auth_login_url,
            "token_url": p.auth_token_url,
            "jwks_url": p.key_set_url,
            "token_audience": p.auth_audience,
        }
        for p in rows
    ]
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    if not data:
        click.echo("No platforms registered. Add one with: flask --app app lti platform add --help")
    for p in data:
        click.echo(
            f"{p['issuer']}  client id {p['client_id']}  {p['state']}  deployments {', '.join(p['deployments'])}"
        )
        click.echo(f"  auth {p['auth_url']}\n  token {p['token_url']}\n  jwks {p['jwks_url']}")
        if p["state"] == "pending":
            click.echo(
                f"  approve with: flask --app app lti platform approve {p['issuer']} --client-id {p['client_id']}"
            )


@platform_cli.command("approve")
@click.argument("issuer")
@click.option("--client-id", default=None, help="Which registration of the issuer; needed when it has several pending.")
def platform_approve(issuer, client_id):
    """Approve a dynamically registered platform: until then it can neither launch nor get tokens.

    Check the addresses `lti platform list` shows before approving."""

    query = db.select(Platform).filter_by(issuer=issuer)
    query = query.filter_by(client_id=client_id) if client_id else query.where(Platform.approved_at.is_(None))
    found = db.session.scalars(query.order_by(Platform.client_id)).all()
    if not found:
        what = f"client id {client_id} of {issuer}" if client_id else f"pending registration of {issuer}"
        raise click.ClickException(f"No {what}. See: flask --app app lti platform list")
    if len(found) > 1:
        raise click.ClickException(
            f"{issuer} has {len(found)} pending registrations; choose one with --client-id: "
            + ", ".join(p.client_id for p in found)
        )
    platform = found[0]
    if platform.approved_at is not None:
        click.echo(f"Platform {issuer} (client id {platform.client_id}) was already approved.")
        return
    platform.approved_at = utcnow()
    record("lti.platform_approved", target=f"platform:{platform.id}", details={"client_id": platform.client_id})
    db.session.commit()
    click.echo(f"Approved platform {issuer} (client id {platform.client_id}); it may launch the tool now.")


@lti_cli.command("registration-url")
@click.option(
    "--expires", default="7d", show_default=True, help="How long the URL stays valid: e.g. 7d, 12h, 30m (at most 90d)."
)
def registration_url(expires):
    """Print a one-time dynamic registration URL to paste into Moodle's "Tool URL".

    The platform it registers stays pending until `lti platform approve`."""
    from .registration import issue_registration_url, parse_lifetime

    try:
        lifetime = parse_lifetime(expires)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--expires") from None
    base = current_app.config["TOOL_URL"]
    if not base:
        raise click.ClickException(
            "Set TOOL_URL to the tool's public address, e.g. TOOL_URL=https://mentorointi.example.fi"
        )
    secret, grant = issue_registration_url(lifetime)
    db.session.flush()
    record(
        "lti.registration_url_issued",
        target=f"registration_url:{grant.id}",
        details={"expires_at": grant.expires_at.isoformat(timespec="seconds")},
    )
    db.session.commit()
    with current_app.test_request_context():
        path = url_for("lti_advantage.dynamic_registration", secret=secret)
    click.echo(base + path)
    click.echo(
        f"Valid once, until {grant.expires_at.isoformat(timespec='minutes')} UTC. The platform it "
        "registers stays pending until:",
        err=True,
    )
    click.echo("  flask --app app lti platform approve ISSUER --client-id CLIENT_ID", err=True)


@keys_cli.command("show")
def keys_show():
    """Show the tool's keys: the signing key and those still published in the JWKS."""
    store = current_app.extensions["lti_keys"]
    current = store.current()
    published = {k["kid"] for k in store.jwks()["keys"]}
    for key in store.all_keys():
        state = (
            "signing"
            if key.kid == current.kid
            else (
                "retired, published until "
                + time.strftime("%Y-%m-%d %H:%M", time.localtime(key.retired + store.grace_seconds))
                if key.kid in published
                else "retired"
            )
        )
        click.echo(f"{key.kid}  created {time.strftime('%Y-%m-%d %H:%M', time.localtime(key.created))}  {state}")


@keys_cli.command("rotate")
def keys_rotate():
    """Make a new signing key; the previous one stays in the JWKS for the grace period."""

    store = current_app.extensions["lti_keys"]
    old, new = store.rotate()
    record("lti.keys_rotated", target=f"key:{new.kid}", details={"previous_kid": old.kid if old else None})
    db.session.commit()
    click.echo(f"New signing key {new.kid}.")
    if old:
        click.echo(f"Previous key {old.kid} stays in the JWKS for {store.grace_seconds // 3600} h.")


@lti_cli.command("purge")
def purge():
    """Delete expired sessions, used nonces and new-window handoffs (run daily, e.g. from cron)."""
    from app.core.sessions import end_sessions_before

    from .handoff import purge_handoffs
    from .launch import purge_used_nonces

    nonces = purge_used_nonces()
    handoffs = purge_handoffs()
    sessions = end_sessions_before(utcnow())
    db.session.commit()
    click.echo(f"Deleted {sessions} expired sessions, {nonces} used nonces and {handoffs} new-window handoffs.")


gradebook_cli = AppGroup("gradebook", help="Delivery of scores to the platforms' gradebooks (AGS).")


@gradebook_cli.command("work")
@click.option("--until-empty", is_flag=True, help="Stop when no score is pending (for scripts and tests).")
@click.option("--batch", default=50, show_default=True, help="Score keys claimed per round.")
@click.option("--idle", default=1.0, show_default=True, help="Seconds to wait when nothing is due.")
@click.option(
    "--lease",
    default=60,
    show_default=True,
    help="Seconds a claim lasts; a killed worker's scores are taken over after it.",
)
def work(until_empty, batch, idle, lease):
    """Deliver queued scores. Several workers may run at once (PostgreSQL: SKIP LOCKED claims)."""
    from .delivery import Worker

    tokens = current_app.extensions["lti_tokens"]
    worker = Worker(
        tokens, batch=batch, lease_seconds=lease, backoff_base=current_app.config.get("GRADEBOOK_BACKOFF_BASE")
    )
    try:
        worker.run(idle=idle, until_empty=until_empty)
    except KeyboardInterrupt:
        pass
    click.echo(json.dumps({"worker": worker.id, **worker.stats, "token_requests": tokens.requests_made}))


@gradebook_cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json):
    """Pending, failed and delivered score counts (superseded ones were replaced by a later score)."""
    from .delivery import status_counts

    counts = status_counts()
    if as_json:
        click.echo(json.dumps(counts))
        return
    for name, count in counts.items():
        click.echo(f"{name:>11}: {count}")


@gradebook_cli.command("resend")
@click.option("--course-id", type=int, required=True, help="The tool's course id.")
@click.option(
    "--id", "row_id", type=int, default=None, help="One failed score; all failed scores of the course if left out."
)
def resend_command(course_id, row_id):
    """Queue failed scores of a course again."""
    from .gradebook import resend

    count = resend(course_id, row_id)
    db.session.commit()
    click.echo(f"{count} score(s) queued again.")


roster_cli = AppGroup("roster", help="Course rosters from the platforms (LTI Names and Role Provisioning).")


@roster_cli.command("sync")
@click.option("--course-id", type=int, required=True, help="The tool's course id.")
@click.option("--role", default=None, help="Only members with this role, e.g. Learner.")
def roster_sync(course_id, role):
    """Read the course's roster now: newcomers appear, people who left become inactive."""
    from .roster import sync_roster

    try:
        result = sync_roster(course_id, current_app.extensions["lti_tokens"], role=role)
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"{result.members} members in {result.pages} page(s): {result.added} new, {result.deactivated} marked as left."
    )


def init_app(app) -> None:
    for group in (lti_cli, gradebook_cli, roster_cli):
        app.cli.add_command(group)
