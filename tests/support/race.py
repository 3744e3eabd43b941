"""Running calls at the same moment: each in its own thread, app context and session."""

import threading


def race(app, calls):
    """Run each (function, args) in its own thread and app context, released together; each
    call's session is committed after it (a call that rolled back commits nothing)."""
    from app.core.db import db

    barrier = threading.Barrier(len(calls))
    errors = []

    def run(fn, args):
        try:
            with app.app_context():
                barrier.wait()
                fn(*args)
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
