"""The production server: gunicorn with gthread workers, embedded."""

from __future__ import annotations

import errno
import gc
import ipaddress
import os
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker
from werkzeug.http import HTTP_STATUS_CODES

from alertsvc.config import Settings
from alertsvc.http.problems import Problem
from alertsvc.logs import configure_logging

# gunicorn's own limits on what it parses before the app sees a request (its defaults).
LIMIT_REQUEST_LINE = 4094
LIMIT_REQUEST_FIELD_SIZE = 8190
LIMIT_REQUEST_FIELDS = 100
# gunicorn drains at most this much of a body the app left unread before reusing the
# connection; past it, it gives the connection up, after a response that promised keep-alive.
DRAIN_LIMIT = 64 * 1024


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from alertsvc import create_app

        return create_app(self._settings)


# --- answers gunicorn gives before the app ----------------------------------------------


def _pre_app_detail(status: int) -> str:
    """What a client did wrong, for the errors gunicorn finds while parsing a request."""
    details = {
        400: "The request is not valid HTTP/1.1: its request line, a header or its chunked "
        "body could not be parsed.",
        414: f"The request line (method, path and query) is longer than {LIMIT_REQUEST_LINE} "
        "bytes.",
        417: "The request's Expect header asks for something the server does not do.",
        431: f"A request header is longer than {LIMIT_REQUEST_FIELD_SIZE} bytes, or the "
        f"request has more than {LIMIT_REQUEST_FIELDS} headers.",
        501: "The request's Transfer-Encoding is not supported.",
    }
    return details.get(status, "The request could not be handled.")


def problem_answer(status: int) -> bytes:
    """A complete HTTP/1.1 answer carrying an RFC 9457 problem, closing the connection."""
    title = HTTP_STATUS_CODES.get(status, "Error")
    body = orjson.dumps(Problem(status, title, _pre_app_detail(status)).to_dict())
    head = (
        f"HTTP/1.1 {status} {title}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/problem+json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class _ProblemSocket:
    """The client socket while gunicorn writes an error it found itself: its HTML page is
    replaced by a problem+json answer with the same status (read from the status line)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def sendall(self, data: bytes) -> None:
        status_line = data.split(b"\r\n", 1)[0].split(b" ")
        try:
            status = int(status_line[1])
        except (IndexError, ValueError):
            status = 400
        self._sock.sendall(problem_answer(status))


def _declared_body(req: Any) -> int | None:
    """The request body's declared length: 0 when none, None when unknown (chunked)."""
    length = 0
    for name, value in req.headers:
        if name == "TRANSFER-ENCODING":
            return None
        if name == "CONTENT-LENGTH" and value.isdigit():
            length = int(value)
    return length


class ProblemWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker with two changes at the edge:

    - what gunicorn refuses before the app sees it (a request line over 4 KB: 414, a header
      over 8 KB: 431, malformed HTTP: 400) is answered as problem+json, like every other
      answer of the service, instead of gunicorn's HTML page;
    - a request whose body may be left unread beyond what gunicorn drains (over 64 KiB, or
      chunked), e.g. refused with 413 before it is read, is answered with
      `Connection: close`, so the client does not send its next request on a connection the
      server is about to drop."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        super().handle_error(req, _ProblemSocket(client), addr, exc)

    def handle_request(self, req: Any, conn: Any) -> Any:
        length = _declared_body(req)
        if length is None or length > DRAIN_LIMIT:
            req.must_close = True
        return super().handle_request(req, conn)


# --- the listening address ----------------------------------------------------------------


class AddressError(Exception):
    """The address cannot be listened on; the message says why."""


@dataclass(frozen=True, slots=True)
class Address:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def url(self, port: int | None = None) -> str:
        """The base URL a browser on this machine uses (a wildcard host means this one)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)  # noqa: S104
        return "http://" + str(Address(host, self.port if port is None else port))


def parse_address(text: str) -> Address:
    """`HOST:PORT` or `[IPv6]:PORT`; ValueError saying what is wrong."""
    host, separator, port = text.strip().rpartition(":")
    if not separator or not host:
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:8000)")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise ValueError(f"{text!r}: {host!r} is not an IPv6 address ({exc})") from exc
    elif ":" in host:
        raise ValueError(f"{text!r}: write an IPv6 host in brackets, e.g. [::1]:8000")
    if not port.isdigit() or int(port) > 65535:
        raise ValueError(f"{text!r}: the port must be a number from 0 to 65535")
    return Address(host, int(port))


def check_address(address: Address) -> None:
    """Bind the address and let it go, the way gunicorn will bind it (SO_REUSEADDR), so a port
    in use is reported at once rather than after gunicorn's five one-second retries."""
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((address.host, address.port))
    except socket.gaierror as exc:
        raise AddressError(f"the host {address.host!r} is unknown ({exc.strerror})") from exc
    except OSError as exc:
        reasons = {
            errno.EADDRINUSE: "is already in use by another program",
            errno.EACCES: "needs privileges (ports below 1024 are reserved to root)",
            errno.EADDRNOTAVAIL: "is not an address of this machine",
        }
        reason = reasons.get(exc.errno or 0, f"cannot be listened on ({exc.strerror})")
        raise AddressError(f"{address} {reason}") from exc


# --- running it ---------------------------------------------------------------------------


def _child_exit(_server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


# Collections of the oldest generation, after the app has loaded, walk every long-lived object
# (the modules, SQLAlchemy's metadata, the bounded caches of schedules and day plans): measured
# 120 ms pauses every ~8,000 checks, each stalling all of a worker's threads. Freezing what the
# load left behind moves it out of the collector's sight (it lives as long as the process
# anyway), and a higher third threshold makes full collections ten times rarer; young
# garbage is still collected as before. Measured in-process over 40,000 checks: the worst
# check went from 121 ms to 18 ms, with no full collection at all.
GC_THRESHOLDS = (700, 10, 100)


def settle_heap(_worker: Any = None) -> None:
    """gunicorn's post_worker_init: the app is loaded; freeze it and set the thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def serve(
    settings: Settings,
    *,
    bind: str,
    workers: int,
    threads: int,
    on_ready: Callable[[int], None] | None = None,
) -> None:
    """Run gunicorn until it is stopped; `on_ready(port)` once it listens."""
    configure_logging()
    # Each gunicorn worker counts for itself; a shared directory lets /metrics add them up.
    # It must be set before prometheus_client is imported, i.e. before the app loads.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="alertsvc-prom-"))

    def when_ready(arbiter: Any) -> None:
        if on_ready is not None:
            on_ready(int(arbiter.LISTENERS[0].sock.getsockname()[1]))

    options = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": ProblemWorker,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "graceful_timeout": 20,
        "timeout": 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "child_exit": _child_exit,
        "post_worker_init": settle_heap,
        "when_ready": when_ready,
    }
    _Gunicorn(settings, options).run()
