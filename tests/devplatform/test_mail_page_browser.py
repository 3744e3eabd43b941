"""The demo's Mail page in Chromium: a notification the tool sent, as the person receives it."""

import socket

import pytest

from tests.support.browser import axe_violations, chromium, describe

pytestmark = pytest.mark.browser


def test_the_mail_page_shows_a_sent_notification(live, tmp_path):
    from app.core.db import db
    from app.devplatform.mailsink import controller
    from app.notifications import services
    from app.notifications.worker import MailWorker
    from app.people.models import User
    from app.programme.models import Programme

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = controller(tmp_path / "devplatform" / "mail", port=port)
    sink.start()
    tool = live["tool"]
    tool.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        with tool.app_context():
            person = db.session.scalar(db.select(User).where(User.email.is_not(None)).order_by(User.id))
            programme = db.session.scalar(db.select(Programme))
            services.notify(person.id, "at_risk_nudge", "browser:nudge", programme)
            db.session.commit()
            address = person.email
            MailWorker().run(until_empty=True)
    finally:
        sink.stop()
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(live["platform_url"] + "/mail?to=" + address)
        assert address in page.content()
        assert not (violations := axe_violations(page)), describe(violations)
        page.locator("table a").first.click()
        page.wait_for_load_state()
        text = page.locator("pre.mail-text").inner_text()
        assert "Moodle" in text and "/mail/unsubscribe/" in text
        assert not (violations := axe_violations(page)), describe(violations)
