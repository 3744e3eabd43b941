"""A small HTTP server on 127.0.0.1 that answers the way a hostile or broken remote would:
redirects, trickled bytes, huge bodies. Each instance is its own origin (its own port) and
records every request it gets, with its headers."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.lti_double import POLL


class Remote:
    def __init__(self):
        self.requests: list[dict] = []  # {"method", "path", "headers"}
        self.routes: dict[str, callable] = {}
        remote = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                remote.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers)})
                route = remote.routes.get(self.path.split("?")[0])
                try:
                    if route is None:
                        self._send(404, b"not found")
                    else:
                        route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on us, as it should

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def _send(self, status, body: bytes, headers: dict | None = None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.Handler = Handler
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(POLL,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.origin + path

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # --- answers ---

    def json(self, path: str, body, status: int = 200, headers: dict | None = None):
        data = json.dumps(body).encode()
        self.routes[path] = lambda h: h._send(status, data, {"Content-Type": "application/json", **(headers or {})})

    def redirect(self, path: str, location: str, status: int = 302):
        self.routes[path] = lambda h: h._send(status, b"", {"Location": location})

    def trickle(self, path: str, size: int = 60, interval: float = 0.5, in_headers: bool = False):
        """A complete answer of ``size`` bytes, one byte every ``interval`` seconds (in the body,
        or in a header before the body): without a total deadline, a client reads it all."""

        def answer(h):
            h.close_connection = True
            body = json.dumps({"keys": [], "pad": "x" * max(0, size - 22)}).encode()
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
            h.wfile.write(head)
            h.wfile.flush()
            if in_headers:
                h.wfile.write(b"X-Slow: ")
                for _ in range(size):
                    h.wfile.write(b"a")
                    h.wfile.flush()
                    time.sleep(interval)
                h.wfile.write(b"\r\n")
            h.wfile.write(b"\r\n")
            h.wfile.flush()
            for i in range(len(body)):
                h.wfile.write(body[i : i + 1])
                h.wfile.flush()
                if not in_headers:
                    time.sleep(interval)

        self.routes[path] = answer

    def huge(self, path: str, size: int = 10 * 1024 * 1024, declared: bool = True):
        """``size`` bytes of JSON, with a Content-Length or (``declared=False``) chunked."""

        def answer(h):
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            block = b" " * 65536
            if declared:
                h.send_header("Content-Length", str(size))
                h.end_headers()
                for _ in range(size // len(block)):
                    h.wfile.write(block)
            else:
                h.send_header("Transfer-Encoding", "chunked")
                h.end_headers()
                for _ in range(size // len(block)):
                    h.wfile.write(b"%x\r\n" % len(block) + block + b"\r\n")
                h.wfile.write(b"0\r\n\r\n")

        self.routes[path] = answer
