"""The embedded gunicorn: its options, the heap settled in each worker once the app loaded,
the address it listens on, and the problems it answers before the app."""

from __future__ import annotations

import gc
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from gunicorn.workers.gthread import ThreadWorker

from alertsvc import server
from alertsvc.config import Settings


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settle_heap_freezes_what_the_load_left_and_sets_thresholds(restored_gc: None) -> None:
    loaded = [[i] for i in range(10)]  # stands for the app's long-lived (tracked) objects
    gc.unfreeze()
    assert gc.get_freeze_count() == 0

    server.settle_heap()

    assert gc.get_freeze_count() > len(loaded)
    assert gc.get_threshold() == server.GC_THRESHOLDS
    assert server.GC_THRESHOLDS[2] > 10  # full collections rarer than Python's default


def test_every_worker_settles_its_heap_after_loading_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def run(self: server._Gunicorn) -> None:
        seen.update(self._options)

    monkeypatch.setattr(server._Gunicorn, "run", run)
    monkeypatch.setattr(server, "configure_logging", lambda: None)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp")  # noqa: S108 - not created
    settings = Settings(database_url="sqlite://", secret_key="k", environment="test")
    server.serve(settings, bind="127.0.0.1:0", workers=1, threads=1)

    assert seen["post_worker_init"] is server.settle_heap
    assert issubclass(seen["worker_class"], ThreadWorker)  # gthread, answering problems


@pytest.mark.parametrize(
    ("text", "address", "url"),
    [
        ("127.0.0.1:8000", server.Address("127.0.0.1", 8000), "http://127.0.0.1:8000"),
        ("0.0.0.0:80", server.Address("0.0.0.0", 80), "http://127.0.0.1:80"),  # noqa: S104
        ("[::1]:8000", server.Address("::1", 8000), "http://[::1]:8000"),
        ("[::]:8000", server.Address("::", 8000), "http://[::1]:8000"),
        ("localhost:0", server.Address("localhost", 0), "http://localhost:0"),
    ],
)
def test_bind_addresses_parse_and_name_the_url_a_browser_on_this_machine_uses(
    text: str, address: server.Address, url: str
) -> None:
    assert server.parse_address(text) == address
    assert address.url() == url


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("nope", "is not HOST:PORT"),
        (":8000", "is not HOST:PORT"),
        ("::1:8000", "in brackets"),
        ("127.0.0.1:http", "from 0 to 65535"),
        ("127.0.0.1:70000", "from 0 to 65535"),
        ("[zz]:80", "IPv6"),
    ],
)
def test_a_malformed_bind_address_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        server.parse_address(text)


def test_an_address_something_listens_on_is_reported_as_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(server.AddressError, match=f"127.0.0.1:{port} is already in use"):
            server.check_address(server.Address("127.0.0.1", port))


def test_a_free_address_passes_the_check_and_stays_free() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server.check_address(server.Address("127.0.0.1", port))
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


class _Recorder:
    """A socket that records what is sent to it."""

    def __init__(self) -> None:
        self.sent = b""

    def sendall(self, data: bytes) -> None:
        self.sent += data


@pytest.mark.parametrize(
    ("gunicorn_says", "status", "detail"),
    [
        (b"HTTP/1.1 414 URI Too Long\r\n", 414, "longer than 4094 bytes"),
        (b"HTTP/1.1 431 Request Header Fields Too Large\r\n", 431, "longer than 8190 bytes"),
        (b"HTTP/1.1 400 Bad Request\r\n", 400, "not valid HTTP/1.1"),
        (b"garbage", 400, "not valid HTTP/1.1"),
    ],
)
def test_gunicorns_html_error_pages_become_problems_with_the_same_status(
    gunicorn_says: bytes, status: int, detail: str
) -> None:
    recorder = _Recorder()
    html = gunicorn_says + b"Connection: close\r\nContent-Type: text/html\r\n\r\n<html></html>"
    server._ProblemSocket(recorder).sendall(html)  # type: ignore[arg-type]

    head, body = recorder.sent.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {status} ")
    assert "Content-Type: application/problem+json" in lines
    assert "Connection: close" in lines
    assert f"Content-Length: {len(body)}" in lines
    problem = json.loads(body)
    assert problem["status"] == status
    assert set(problem) == {"type", "title", "status", "detail"}
    assert detail in problem["detail"]


@dataclass
class _Request:
    headers: list[tuple[str, str]]


@pytest.mark.parametrize(
    ("headers", "declared"),
    [
        ([], 0),
        ([("CONTENT-LENGTH", "65536")], 65536),
        ([("CONTENT-LENGTH", "65537")], 65537),
        ([("TRANSFER-ENCODING", "chunked")], None),
    ],
)
def test_a_requests_declared_body_is_its_length_or_unknown_when_chunked(
    headers: list[tuple[str, str]], declared: int | None
) -> None:
    assert server._declared_body(_Request(headers)) == declared
