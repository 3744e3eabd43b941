"""The development platform's SMTP server keeps the tool's mail and its Mail page shows it."""

import socket

from app.devplatform import create_app
from app.devplatform.mailsink import controller
from app.notifications.mailer import SmtpMailer, compose
from app.notifications.rules import parse_mail_url


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_mail_sent_to_the_sink_shows_on_the_mail_page(tmp_path):
    instance = tmp_path / "devplatform"
    port = _free_port()
    server = controller(instance / "mail", port=port)
    server.start()
    try:
        mailer = SmtpMailer(parse_mail_url(f"smtp://127.0.0.1:{port}"))
        for to, subject in (("aino@example.fi", "Parisi on julkaistu"), ("mikko@example.fi", "Tapaaminen odottaa")):
            mailer.send(
                compose(
                    sender="mentoring@tool.example",
                    sender_name="Tulanet",
                    to=to,
                    subject=subject,
                    rendered="Hei Aino &amp; Mikko,\n\nAvaa ohjelma Moodlessa.",
                    language="fi",
                    message_id="<1@tool.example>",
                    unsubscribe_url="https://tool.example/mail/unsubscribe/x",
                )
            )
        mailer.close()
    finally:
        server.stop()
    platform = create_app({"DEVPLATFORM_INSTANCE": str(instance), "DEVPLATFORM_URL": "http://127.0.0.1:5001"})
    client = platform.test_client()
    page = client.get("/mail?to=aino@example.fi").get_data(as_text=True)
    assert "Parisi on julkaistu" in page and "Tapaaminen odottaa" not in page
    assert "Tapaaminen odottaa" in client.get("/mail").get_data(as_text=True)
    name = page.split("/mail/")[1].split('"')[0]
    message = client.get(f"/mail/{name}").get_data(as_text=True)
    assert "Hei Aino &amp; Mikko" in message  # the text part, unescaped, then escaped once by the page
    assert "unsubscribe" in message
    assert client.get("/mail/nothing-here").status_code == 404
