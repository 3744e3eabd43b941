"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the mail tests and the benchmark: it keeps
every message it accepts and answers as told (a queue of codes per recipient)."""

import socket
from collections import defaultdict
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self):
        self.received = []  # (recipients, bytes): parsed only when read, so the server stays cheap
        self._parsed = []
        self.script = defaultdict(list)  # recipient -> answers to give first, e.g. ["421 busy"]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answers = self.script.get(address)
        if answers:
            answer = answers.pop(0) if len(answers) > 1 or not answers[0].startswith("5") else answers[0]
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"

    @property
    def messages(self):
        """(recipients, email.message.EmailMessage) of every message accepted so far."""
        for rcpts, content in self.received[len(self._parsed) :]:
            self._parsed.append((rcpts, message_from_bytes(content, policy=policy.default)))
        return self._parsed

    def clear(self):
        self.received.clear()
        self._parsed.clear()

    def to(self, address):
        return [m for rcpts, m in self.messages if address in rcpts]


class SmtpServer:
    def __init__(self):
        self.sink = Sink()
        with socket.socket() as probe:  # aiosmtpd's controller needs a port number before it starts
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc):
        self.controller.stop()
