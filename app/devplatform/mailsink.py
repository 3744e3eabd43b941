"""The development platform's mail server: receives the tool's mail (aiosmtpd on loopback) and
keeps each message as a file, so that the platform's "Mail" page shows every notification as
the person would receive it. Started by ``make demo``:

    python -m app.devplatform.mailsink --port 8025 --folder instance/devplatform/mail
"""

import argparse
import time
import uuid
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path


class MailFolder:
    """One ``.eml`` file per message and recipient, named so that they sort by arrival."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def add(self, recipient: str, content: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:6]}.eml"
        envelope = f"X-Envelope-To: {recipient}\r\n".encode()
        tmp = self.folder / (name + ".tmp")
        tmp.write_bytes(envelope + content)
        tmp.rename(self.folder / name)  # a reader never sees half a message

    def messages(self) -> list["Mail"]:
        if not self.folder.is_dir():
            return []
        found = []
        for path in sorted(self.folder.glob("*.eml"), reverse=True):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            found.append(Mail(path.stem, message))
        return found

    def get(self, name: str) -> "Mail | None":
        return next((m for m in self.messages() if m.id == name), None)


@dataclass
class Mail:
    id: str
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["X-Envelope-To"] or "")

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def date(self) -> str:
        return str(self.message["Date"] or "")

    def part(self, subtype: str) -> str:
        body = self.message.get_body((subtype,))
        return body.get_content() if body is not None else ""

    @property
    def attachments(self) -> list[str]:
        return [a.get_filename() or "" for a in self.message.iter_attachments()]


class Handler:
    def __init__(self, folder: MailFolder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        for recipient in envelope.rcpt_tos:
            self.folder.add(recipient, envelope.original_content or envelope.content)
        return "250 Message accepted"


def controller(folder: Path, host: str = "127.0.0.1", port: int = 8025):
    from aiosmtpd.controller import Controller

    return Controller(Handler(MailFolder(folder)), hostname=host, port=port)


def main() -> None:
    parser = argparse.ArgumentParser(description="The development platform's SMTP server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--folder", default="instance/devplatform/mail")
    args = parser.parse_args()
    server = controller(Path(args.folder), args.host, args.port)
    server.start()
    print(f"Mail for the development platform on smtp://{args.host}:{args.port} → {args.folder}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
