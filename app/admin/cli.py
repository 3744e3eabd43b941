"""``flask --app app privacy purge``: delete finished programmes' personal data after their
retention period (run from cron, e.g. monthly)."""

from datetime import date

import click
from flask.cli import AppGroup

from app.core.audit import record
from app.core.clock import utcnow
from app.core.db import db

from ..programme import services as programme_services
from . import privacy, rules

privacy_cli = AppGroup("privacy", help="Personal data: purge finished programmes after retention.")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted, change nothing.")
@click.option("--yes", is_flag=True, help="Delete; without it nothing is deleted.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Decide as if today were this date (YYYY-MM-DD); for checking a schedule.",
)
def purge(dry_run, yes, today):
    """Purge every programme whose retention period after its closing event has passed."""
    if dry_run == yes:
        raise click.UsageError("Choose one: --dry-run to see what would go, or --yes to delete it.")
    day: date = today.date() if today else utcnow().date()
    # Tips about colleagues go at the programme's end, long before its retention period.
    for programme_id, n in programme_services.purge_tips(day).items():
        click.echo(f"Programme {programme_id}: {'would delete' if dry_run else 'deleted'} colleague_tip {n}")
        if not dry_run:
            record("tips.purged", target=f"programme:{programme_id}", details={"rows": n})
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    due = privacy.programmes_due(day)
    if not due:
        click.echo(f"No programme is past its retention period on {day.isoformat()}.")
        return
    for programme in due:
        counts = privacy.purge_programme(programme)
        until = rules.add_months(programme.closing, programme.retention_months)
        summary = ", ".join(f"{table} {n}" for table, n in sorted(counts.items())) or "nothing left to delete"
        verb = "would delete" if dry_run else "deleted"
        click.echo(
            f"Programme {programme.id} '{programme.name}' (closed {programme.closing}, "
            f"kept until {until}): {verb} {summary}"
        )
        if dry_run:
            db.session.rollback()
        else:
            record(
                "privacy.purged",
                course=programme.course_id,
                target=f"programme:{programme.id}",
                details={"rows": counts},
            )
            db.session.commit()
