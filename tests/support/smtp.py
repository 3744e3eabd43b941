"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the mail tests and the benchmark: it keeps
every message it accepts and answers as told (a queue of codes per recipient)."""

import socket
from collections import defaultdict
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self):
        self.messages = []  # (recipients, email.message.EmailMessage)
        self.script = defaultdict(list)  # recipient -> answers to give first, e.g. ["421 busy"]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answers = self.script.get(address)
        if answers:
            answer = answers.pop(0) if len(answers) > 1 or not answers[0].startswith("5") else answers[0]
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted"

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
