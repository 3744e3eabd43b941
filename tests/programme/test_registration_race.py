"""Two first registrations of one person at the same moment (a double click) both get a clean
answer, and one row. Threads with their own clients, released together after both have seen that
no registration exists; on PostgreSQL (make test-postgres) the two transactions overlap, on
SQLite the writer lock orders them."""

import threading

from app.core.db import db
from app.programme import services
from app.programme.models import Registration
from tests.programme.test_registration import pid  # noqa: F401 (fixture)
from tests.support.programme_web import csrf, launch, register_data


def test_two_simultaneous_first_registrations(app, platform, pid, monkeypatch):  # noqa: F811
    aino = launch(app, platform)
    token, data = aino.token, {**register_data(app, pid), "csrf_token": csrf(aino)}
    barrier = threading.Barrier(2, timeout=20)
    seen = threading.local()
    registration_of = services.registration_of

    def both_see_none(programme, user_id):
        found = registration_of(programme, user_id)
        if not getattr(seen, "done", False):  # the view's first look: wait for the other request
            seen.done = True
            barrier.wait()
        return found

    monkeypatch.setattr(services, "registration_of", both_see_none)
    answers, errors = [], []

    def submit():
        try:
            answers.append(app.test_client().post(f"/register?s={token}", data=data).status_code)
        except Exception as exc:  # the view's error, raised through the test client
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert answers == [303, 303]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Registration.id)).filter_by(programme_id=pid)) == 1
