"""Mail composition and the SMTP connection (the standard library's ``email`` and ``smtplib``).

``compose`` builds one message: plain text plus simple HTML in the recipient's language, a
stable Message-ID, and the one-click unsubscribe headers of RFC 8058. ``SmtpMailer`` keeps one
connection open across a batch and turns every SMTP failure into ``MailRefused`` with the
server's code, so that the worker decides between trying again (4xx, no answer) and giving up.
"""

import html
import smtplib
import ssl
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid

from .rules import MailServer, is_temporary


class MailRefused(Exception):
    def __init__(self, code: int | None, reason: str):
        super().__init__(f"{code or '-'} {reason}")
        self.code = code
        self.reason = reason[:200]

    @property
    def temporary(self) -> bool:
        return is_temporary(self.code)


def html_body(text: str) -> str:
    """Simple HTML from the (already escaped) rendered body: one paragraph per blank-line block."""
    paragraphs = [p.strip().replace("\n", "<br>\n") for p in text.split("\n\n") if p.strip()]
    return "<!doctype html>\n<html><body>\n" + "\n".join(f"<p>{p}</p>" for p in paragraphs) + "\n</body></html>\n"


def compose(
    *,
    sender: str,
    sender_name: str,
    to: str,
    subject: str,
    rendered: str,
    language: str,
    message_id: str,
    unsubscribe_url: str,
    attachment: tuple[str, bytes] | None = None,
) -> Message:
    """One message. ``rendered`` is the template's output, HTML-escaped: the HTML part uses it
    as it is, the text part unescaped. Built with the ``email.mime`` classes: the newer
    ``EmailMessage`` parses every header it is given and costs several times more per message."""
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(html.unescape(rendered), "plain", "utf-8"))
    body.attach(MIMEText(html_body(rendered), "html", "utf-8"))
    if attachment is None:
        message: Message = body
    else:
        message = MIMEMultipart("mixed")
        message.attach(body)
        name, data = attachment
        part = MIMEText(data.decode("utf-8"), "calendar", "utf-8")
        part.add_header("Content-Disposition", "attachment", filename=name)
        message.attach(part)
    message["From"] = formataddr((sender_name, sender))
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8").encode()
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message["Content-Language"] = language
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def message_id(key: str, domain: str) -> str:
    """A Message-ID that names the notification, so that a copy is recognisable as one."""
    return make_msgid(idstring=key.replace(":", ".")[:60], domain=domain)


class SmtpMailer:
    """One SMTP connection, opened on the first message and reopened after a failure."""

    def __init__(self, server: MailServer, timeout: float = 10):
        self.server = server
        self.timeout = timeout
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        connection: smtplib.SMTP
        if server.security == "tls":
            connection = smtplib.SMTP_SSL(
                server.host, server.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            if server.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if server.username:
            connection.login(server.username, server.password or "")
        return connection

    def send(self, message: Message) -> None:
        try:
            if self._connection is None:
                self._connection = self._connect()
            self._connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as refused:
            code, reason = next(iter(refused.recipients.values()))
            if is_temporary(code):
                self.close()  # smtplib has closed the connection after a 421 itself
            raise MailRefused(code, _text(reason)) from None
        except smtplib.SMTPResponseException as error:
            self.close()  # after a refusal mid-transaction the connection's state is unsure
            raise MailRefused(error.smtp_code, _text(error.smtp_error)) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise MailRefused(None, error.__class__.__name__) from None

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
