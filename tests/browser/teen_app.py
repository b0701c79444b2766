"""Driving the teen's app (/app/) on a simulated school day: a family made through the JSON
API, and the page's clock and the server's moved together.

The page runs on Playwright's fake clock, paused, so its timers fire only when the test moves
time; the server reads the test's FakeClock. `Clocks.run_to(instant)` sets the server to the
instant, then runs the page's timers up to it: a timer the app set for `next_check_at` fires
exactly at the end, and its check reaches the server at the instant the app was told. The
page also notes its own clock at every check it starts (`Checks.started_at`), so a check
started earlier than asked, inside a run, is seen with the instant it was really started.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytz
from playwright.sync_api import Page, Response, expect

from alertsvc import PROJECT_ROOT
from tests.support import FakeClock

ZONE = "America/New_York"
SCHOOL = pytz.timezone(ZONE)
DAY = date(2026, 12, 2)  # a Wednesday; New York is 5 hours behind UTC in December
PASSWORD = "correct horse battery"
BLOCKS = [{"start": "08:00", "end": "11:45"}, {"start": "12:30", "end": "15:00"}]
SCHEDULE = {
    "weekly": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), BLOCKS),
    "observe_public_holidays": False,
}
GRACE = timedelta(minutes=10)  # the policy's default
SPREAD = timedelta(seconds=60)  # next_check_at's per-device delay is below this
# What the app tests measure (checks over a day, first-load bytes), for docs/client-guide.md.
FIGURES = PROJECT_ROOT / "test-artifacts" / "app-figures.json"


def record_figures(key: str, value: Any) -> None:
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures[key] = value
    FIGURES.write_text(json.dumps(figures, indent=2) + "\n")


def school_time(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An instant on DAY at this wall-clock time at school, in UTC."""
    return SCHOOL.localize(datetime.combine(DAY, time(hour, minute, second))).astimezone(UTC)


def iso_ms(instant: datetime) -> str:
    """As JavaScript's `toISOString()` writes it."""
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    """The JSON API as any app calls it: a bearer token, no cookies."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the live server on 127.0.0.1
        base + path, data=data, headers=headers, method=method
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    return json.loads(text) if text else None


def _parent(base: str, email: str, name: str) -> str:
    call(base, "POST", "/v1/parents", {"email": email, "password": PASSWORD})
    token = call(base, "POST", "/v1/auth/token", {"email": email, "password": PASSWORD})["token"]
    call(base, "PATCH", "/v1/parents/me", {"name": name}, token)
    return str(token)


@dataclass(frozen=True)
class Family:
    """Ann and Ben, and their son Sam with a two-block school day in New York."""

    base: str
    ann: str  # Ann's parent token; she logs in to the pages as ann@example.com
    teen: str

    @classmethod
    def create(cls, base: str, server: FakeClock) -> Family:
        """Made the evening before DAY; Ben joins a minute after Ann, so Ann is named first."""
        server.set(school_time(0) - timedelta(hours=3))
        ann = _parent(base, "ann@example.com", "Ann")
        teen = call(base, "POST", "/v1/teens", {"nickname": "Sam", "timezone": ZONE}, ann)["id"]
        call(base, "PUT", f"/v1/teens/{teen}/schedule", SCHEDULE, ann)
        _parent(base, "ben@example.com", "Ben")
        server.advance(minutes=1)
        call(base, "POST", f"/v1/teens/{teen}/guardians", {"email": "ben@example.com"}, ann)
        return cls(base, ann, str(teen))

    def pairing_code(self) -> str:
        issued = call(self.base, "POST", f"/v1/teens/{self.teen}/pairing-codes", token=self.ann)
        return str(issued["code"])

    def revoke_devices(self) -> None:
        path = f"/v1/teens/{self.teen}/devices"
        for device in call(self.base, "GET", path, token=self.ann):
            call(self.base, "DELETE", f"{path}/{device['id']}", token=self.ann)


@dataclass
class Clocks:
    """The server's clock and the page's, moved together (see the module's docstring)."""

    page: Page
    server: FakeClock
    now: datetime

    @classmethod
    def start(cls, page: Page, server: FakeClock, at: datetime) -> Clocks:
        """Call before the page opens: its clock then reads `at` and stands still."""
        server.set(at)
        page.clock.install(time=at - timedelta(seconds=1))
        page.clock.pause_at(at)
        return cls(page, server, at)

    def run_to(self, instant: datetime) -> None:
        assert instant >= self.now, f"{instant} is before {self.now}"
        self.server.set(instant)
        self.page.clock.run_for(round((instant - self.now) / timedelta(milliseconds=1)))
        self.now = instant


# Test instrumentation, not the app's: the page's own instant at each check it starts, read
# from the page's (fake) clock, so a check started early is seen as early.
_COUNT_CHECKS = """(() => {
  const fetch = window.fetch;
  window.__checksAt = [];
  window.fetch = function (resource, options) {
    const url = new URL(resource instanceof Request ? resource.url : resource, location.href);
    if (url.pathname === "/v1/check") window.__checksAt.push(Date.now());
    return fetch.call(this, resource, options);
  };
})();"""


def is_check(response: Response) -> bool:
    return urlsplit(response.url).path == "/v1/check"


@dataclass
class Checks:
    """Every check the page starts (at its own clock's instant) and the answers it gets."""

    page: Page
    responses: list[Response] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.add_init_script(_COUNT_CHECKS)
        self.page.on("response", self._on_response)

    def _on_response(self, response: Response) -> None:
        if is_check(response):
            self.responses.append(response)

    def started_at(self) -> list[datetime]:
        """The page's clock at each check it started, in order."""
        return [
            datetime.fromtimestamp(ms / 1000, UTC)
            for ms in self.page.evaluate("() => window.__checksAt")
        ]

    def last(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.responses[-1].json()
        return answer


def reached_at(page: Page, instant: datetime) -> None:
    """Wait until the app has taken in an answer the server gave at `instant`."""
    expect(page.locator("#connection time")).to_have_attribute("datetime", iso_ms(instant))


def pair(page: Page, code: str, clocks: Clocks) -> None:
    """Pair through the app's form; it checks at once."""
    page.get_by_label("Pairing code").fill(code)
    with page.expect_response(is_check):
        page.get_by_role("button", name="Pair").click()
    reached_at(page, clocks.now)


def follow(page: Page, clocks: Clocks, checks: Checks, until: datetime) -> list[dict[str, Any]]:
    """Let the day run to `until`, stepping to each `next_check_at` the app was given: at each,
    exactly one check, and none in between. Returns the answers, in order."""
    answers = []
    while True:
        due = parse_instant(checks.last()["next_check_at"])
        if due > until:
            break
        before = len(checks.started_at())
        with page.expect_response(is_check):
            clocks.run_to(due)
        reached_at(page, due)
        made = checks.started_at()[before:]
        assert made == [due], f"asked for one check at {due}, the page started {made}"
        answers.append(checks.last())
    before = len(checks.started_at())
    clocks.run_to(until)
    made = checks.started_at()[before:]
    assert made == [], f"checks nobody asked for, at {made}"
    return answers
