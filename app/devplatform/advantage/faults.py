"""Fault injection: failing, delaying, dropping or answering with an HTML page, as ``/dev/control`` says."""

import socket
import time

from flask import jsonify, request

from ..context import state
from . import bp


class ServiceError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class HtmlPage(Exception):
    """Answer with a 200 HTML page instead of the service (a login or maintenance page)."""


@bp.errorhandler(ServiceError)
def service_error(error: ServiceError):
    response = jsonify({"status": error.status, "reason": error.message})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


@bp.errorhandler(HtmlPage)
def html_page(_error: HtmlPage):
    return (
        "<!DOCTYPE html><html><head><title>Huoltokatko</title></head><body><h1>Moodle on "
        "huoltotilassa</h1></body></html>",
        200,
        {"Content-Type": "text/html; charset=utf-8"},
    )


def inject_faults(is_token: bool = False) -> None:
    """Fail, delay or drop this request as the fault settings say (dev control switches them)."""
    s = state()
    faults = s.faults
    if is_token and not faults.apply_to_token:
        return
    if faults.delay:
        time.sleep(faults.delay)
    with s.lock:
        roll_drop, roll_fail, roll_html = s.rng.random(), s.rng.random(), s.rng.random()
    if not is_token and roll_html < faults.html_rate:
        with s.lock:
            s.counters["html_pages"] += 1
        raise HtmlPage()
    if roll_drop < faults.drop_rate:
        with s.lock:
            s.counters["drops"] += 1
        # Half the drops happen before the work, half after it: the client cannot tell which,
        # so a retry must be harmless either way.
        if s.rng.random() < 0.5:
            drop_connection()
        request.environ["devplatform.drop_after"] = True
    if roll_fail < faults.fail_rate:
        with s.lock:
            s.counters["faults"] += 1
        headers = {}
        if faults.retry_after is not None and faults.fail_status in (429, 503):
            headers["Retry-After"] = str(faults.retry_after)
        raise ServiceError(faults.fail_status, "injected fault", headers)


def _shutdown_socket() -> None:
    # The development server and gunicorn each expose the client's socket under their own key.
    sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def drop_connection() -> None:
    _shutdown_socket()
    raise ServiceError(499, "connection dropped")


@bp.after_request
def _maybe_drop_after(response):
    if request.environ.get("devplatform.drop_after"):
        _shutdown_socket()  # the work is done and stored; the answer never arrives
    return response
