"""Browser tests: the app on a real HTTP server in a thread, driven by Debian's Chromium.

Playwright drives /usr/bin/chromium (never `playwright install`: no browser downloads). When
Chromium or the playwright package is missing, the tests skip and say why.

The server reads the time only from the test's `clock` (a FakeClock, tests/conftest.py), never
from the wall clock: a test sets the instant it needs (`clock.set(...)`) and the pages show that
instant, whatever the hour the suite runs at. Each test gets a fresh server and database.

Fixtures for page tests:
- `site`: the running server (`.url`), its app (to seed data) and its clock.
- `live_server`: the base URL of the app (CSRF on, rate limits on, a temp SQLite file).
- `page`: a fresh browser context and page at desktop size with `base_url` set, so
  `page.goto("/login")` works; a Content-Security-Policy violation or an uncaught script
  error on any page fails the test.
- `phone_page`: the same on a 375 px touch screen whose browser is in London's time zone
  and British English (so the pages write times 24-hour).
- `app_page`: the same at 375x812 in New York's time zone, for the teen's app (/app/).
- `check_a11y(page)`: runs axe-core on the current page; fails on serious/critical issues.
- `screenshot(page, name)`: full-page PNGs at 375x812 and 1280x800 under
  test-artifacts/screenshots/, and fails if the phone layout scrolls sideways.
- `new_email()`: an address nobody has used yet.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from sqlalchemy import create_engine
from werkzeug.serving import make_server

import alertsvc.db.models  # noqa: F401 - registers the tables
from alertsvc import PROJECT_ROOT, create_app
from alertsvc.config import RateLimits, Settings
from alertsvc.db.base import Base
from tests.support import FakeClock

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_SCRIPT = HERE / "vendor" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 375, "height": 812}
PHONE_ZONE = "Europe/London"
DESKTOP = {"width": 1280, "height": 800}
BLOCKING_IMPACTS = ("serious", "critical")
REAL_TIMERS = "window.__realTimers = {setTimeout, clearTimeout, setInterval, clearInterval};"
# axe waits on setTimeout; on a page whose clock a test holds still (`page.clock`), it gets
# the real timers for the length of its run, and the page's fake ones back afterwards.
AXE_RUN = """async () => {
  const real = window.__realTimers || {};
  const held = {};
  for (const name of Object.keys(real)) {
    held[name] = window[name];
    window[name] = real[name];
  }
  try {
    return await window.axe.run(document, {resultTypes: ['violations']});
  } finally {
    Object.assign(window, held);
  }
}"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@dataclass(frozen=True)
class Site:
    """A running server, the app behind it (to seed data straight into its database) and the
    clock it reads."""

    url: str
    app: Flask
    clock: FakeClock


@contextmanager
def serve_app(
    tmp_path_factory: pytest.TempPathFactory, name: str, clock: FakeClock
) -> Iterator[Site]:
    """The app on a fresh SQLite file behind a real werkzeug server on 127.0.0.1, reading the
    time from `clock` only."""
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'alertsvc.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    settings = Settings(
        database_url=url,
        secret_key="browser-test-secret",
        environment="test",
        csrf_enabled=True,
        rate_limits=RateLimits(enabled=True),
        fast_password_hashing=True,
    )
    app = create_app(settings, clock=clock)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},  # a server per test: stop in 50 ms, not 500
        name=f"{name}-server",
        daemon=True,
    )
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", app, clock)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["alertsvc"].engine.dispose()


@pytest.fixture
def site(tmp_path_factory: pytest.TempPathFactory, clock: FakeClock) -> Iterator[Site]:
    """A server of the test's own, on the test's clock: nothing carries over between tests
    (accounts, rate-limit counts), and the test decides what time it is."""
    with serve_app(tmp_path_factory, "browser", clock) as running:
        yield running


@pytest.fixture
def live_server(site: Site) -> str:
    """The base URL of the test's server (127.0.0.1 and a free port)."""
    return site.url


def browser_env() -> dict[str, str]:
    """The environment minus LD_PRELOAD: under tests/at_hours.sh, libfaketime (0.9.10) would be
    preloaded into Chromium, which then fails to start. The browser keeps the real clock; the
    pages get their time from the server's clock, which the test sets."""
    return {key: value for key, value in os.environ.items() if key != "LD_PRELOAD"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"chromium not installed: {CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"playwright not installed: {exc} (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=browser_env()
        )
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def open_page(browser: Browser, base_url: str, **options: Any) -> Iterator[Page]:
    """A fresh browser context and page (`options` as for `browser.new_context`) that fails
    the test if any page breaks its Content-Security-Policy or throws."""
    context = browser.new_context(base_url=base_url, **options)
    # An init script runs outside the page's CSP, so axe needs no 'unsafe-inline' allowance.
    context.add_init_script(path=AXE_SCRIPT)
    # Before any fake clock a test installs: axe's own timers must run while the page's
    # clock stands still (see `check_a11y`).
    context.add_init_script(REAL_TIMERS)
    context.set_default_timeout(10_000)
    opened = context.new_page()
    problems: list[str] = []
    opened.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    opened.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    try:
        yield opened
    finally:
        context.close()
    assert not problems, "the pages broke their CSP or threw:\n" + "\n".join(problems)


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    with open_page(browser, live_server, viewport=DESKTOP) as opened:
        yield opened


@pytest.fixture
def phone_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A phone: 375 px wide, touch, in London's time zone (what the pages may read from
    the browser, e.g. to suggest the school's zone)."""
    with open_page(
        browser,
        live_server,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        timezone_id=PHONE_ZONE,
        locale="en-GB",  # a phone in London asks for British English: 24-hour times
    ) as opened:
        yield opened


@pytest.fixture
def app_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """Like `page`, for the teen's app: a phone's viewport, in New York (the browser's zone
    and UTC offset, which the app reports) and American English, with service workers
    blocked so every request is the page's own (tests of the service worker open their own
    context)."""
    with open_page(
        browser,
        live_server,
        viewport=PHONE,
        timezone_id="America/New_York",
        locale="en-US",
        service_workers="block",
    ) as opened:
        yield opened


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"]][:5]
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"  {violation['helpUrl']}\n  at {json.dumps(targets)}"
        )
    return "\n".join(lines)


@pytest.fixture
def check_a11y() -> Callable[[Page], None]:
    """`check_a11y(page)`: axe-core finds no serious or critical violation on the page."""

    def check(page: Page) -> None:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
        results = page.evaluate(AXE_RUN)
        blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe found problems on {page.url}:\n{_describe(blocking)}"

    return check


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    """`screenshot(page, name)`: phone and desktop PNGs of the current page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> None:
        original = page.viewport_size or DESKTOP
        try:
            for size in (PHONE, DESKTOP):
                page.set_viewport_size(size)
                path = SCREENSHOTS / f"{name}-{size['width']}x{size['height']}.png"
                page.screenshot(path=path, full_page=True)
                overflow = page.evaluate(
                    "() => document.documentElement.scrollWidth - window.innerWidth"
                )
                assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {size}"
        finally:
            page.set_viewport_size(original)

    return take


_emails = itertools.count(1)


@pytest.fixture
def new_email() -> Callable[[], str]:
    """Fresh parent emails (each test's server starts empty, so any unused address will do)."""
    return lambda: f"parent{next(_emails)}@example.com"
