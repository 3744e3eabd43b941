"""``flask --app app journal rekey``: after a new JOURNAL_KEY is put first (``JOURNAL_KEY=new,old``),
re-encrypt every journal entry still under the old key, so the old key can then be dropped."""

import click
from flask.cli import AppGroup

from app.core.audit import record
from app.core.db import db

from . import journal

journal_cli = AppGroup("journal", help="The private journals' encryption.")


def _batches(size: int, *, write: bool):
    after = 0
    while True:
        batch = journal.rekey_batch(after, size, write=write)
        if batch.last_id is None:
            return
        yield batch
        after = batch.last_id


@journal_cli.command("rekey")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, show_default=True)
def rekey(batch_size: int) -> None:
    """Re-encrypt every journal entry with the first JOURNAL_KEY, a batch per transaction.
    Checks first that every entry decrypts with one of the configured keys and changes nothing
    if one does not. Safe to run again after an interruption: done entries are skipped."""
    unreadable: list[int] = []
    for batch in _batches(batch_size, write=False):
        unreadable += batch.unreadable
    db.session.rollback()
    if unreadable:
        shown = ", ".join(str(i) for i in unreadable[:20]) + (" …" if len(unreadable) > 20 else "")
        raise click.ClickException(
            f"{len(unreadable)} journal entries decrypt with none of the keys in JOURNAL_KEY (ids {shown}); "
            "nothing was changed. Add the key they were written with to JOURNAL_KEY (after the new one) and run again."
        )
    rewritten = current = 0
    for batch in _batches(batch_size, write=True):
        if batch.unreadable:  # written meanwhile under a key not configured here: stop, keep what is done
            db.session.rollback()
            raise click.ClickException(
                f"Journal entries {batch.unreadable} decrypt with none of the keys in JOURNAL_KEY; "
                f"{rewritten} entries were re-encrypted before them. Fix JOURNAL_KEY and run again."
            )
        rewritten += batch.rewritten
        current += batch.current
        db.session.commit()
        click.echo(f"… up to entry {batch.last_id}: {rewritten} re-encrypted", err=True)
    if rewritten:
        record("journal.rekeyed", details={"rewritten": rewritten, "already_current": current})
        db.session.commit()
    click.echo(
        f"{rewritten} journal entries re-encrypted with the first key of JOURNAL_KEY, {current} already used it. "
        "The older keys can now be removed from JOURNAL_KEY."
    )
