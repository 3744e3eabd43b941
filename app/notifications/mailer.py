"""Mail composition and the SMTP connection (the standard library's ``email`` and ``smtplib``).

``compose`` builds one message: plain text plus simple HTML in the recipient's language, a
stable Message-ID, and the one-click unsubscribe headers of RFC 8058. ``SmtpMailer`` keeps one
connection open across a batch and turns every SMTP failure into ``MailRefused`` with the
server's code, so that the worker decides between trying again (4xx, no answer) and giving up.
"""

import base64
import html
import smtplib
import ssl
import uuid
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Outgoing:
    """One message as it goes to the server: the envelope and the bytes of the message."""

    sender: str
    to: str
    message_id: str
    data: bytes


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
) -> Outgoing:
    """One message. ``rendered`` is the template's output, HTML-escaped: the HTML part uses it
    as it is, the text part unescaped. Written out directly (each part base64 in UTF-8): the
    ``email`` package's generator folds every header again and cost most of a worker's CPU per
    message; the result is the same MIME structure, read back by any mail client."""
    boundary = f"=_{uuid.uuid4().hex}"
    body = _multipart(
        "alternative",
        boundary,
        [_part("text/plain", html.unescape(rendered)), _part("text/html", html_body(rendered))],
    )
    if attachment is not None:
        name, data = attachment
        calendar = _part("text/calendar", data.decode("utf-8"), f'Content-Disposition: attachment; filename="{name}"')
        body = _multipart("mixed", f"=_{uuid.uuid4().hex}", [body, calendar])
    headers = (
        f"From: {formataddr((sender_name, sender))}\r\n"
        f"To: {to}\r\n"
        f"Subject: {_header(subject)}\r\n"
        f"Date: {formatdate(localtime=False)}\r\n"
        f"Message-ID: {message_id}\r\n"
        f"Content-Language: {language}\r\n"
        "Auto-Submitted: auto-generated\r\n"
        f"List-Unsubscribe: <{unsubscribe_url}>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        "MIME-Version: 1.0\r\n"
    )
    return Outgoing(sender, to, message_id, headers.encode("ascii") + body)


def _header(value: str) -> str:
    """A header value as RFC 2047 words (base64, UTF-8) when it is not plain ASCII, one word per
    folded line. Written here because ``email.header.Header`` cost a tenth of a message's CPU."""
    if value.isascii() and len(value) < 900:
        return value
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    for char in value:
        width = len(char.encode("utf-8"))
        if size + width > _WORD_BYTES:  # never split a character between words
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    words.append("".join(chunk))
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(word.encode('utf-8')).decode('ascii')}?=" for word in words)


# 39 bytes are 52 base64 characters: with "=?utf-8?b?", "?=" and "Subject: " a line stays within 78.
_WORD_BYTES = 39


def _part(content_type: str, text: str, extra: str = "") -> bytes:
    encoded = base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")
    head = f'Content-Type: {content_type}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n'
    if extra:
        head += extra + "\r\n"
    return head.encode("ascii") + b"\r\n" + encoded


def _multipart(subtype: str, boundary: str, parts: list[bytes]) -> bytes:
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode("ascii")
    separator = f"--{boundary}\r\n".encode("ascii")
    return head + b"".join(separator + part for part in parts) + f"--{boundary}--\r\n".encode("ascii")


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

    def send(self, message: Outgoing) -> None:
        try:
            if self._connection is None:
                self._connection = self._connect()
            self._connection.sendmail(message.sender, [message.to], message.data)
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
