"""The documentation cannot rot.

Every HTTP example in docs/api-guide.md is sent, in order, to an in-process app and its
answer compared with the one printed; every path and code the docs name exists; every reason
code is documented in both guides; and README, the docs and the OpenAPI document point to
nothing outside the repository.

How the guide's examples are read: a fenced `http` block whose first line is `METHOD /path`
is a request (headers, a blank line, the body); the next `http` block, `HTTP/1.1 STATUS …`,
is its answer. In the answer's JSON, `"{name}"` captures a value for later requests (which
use it as `{name}`), `…` inside a string matches any text, and a list ending in `"…"` may
hold more items. Objects must have exactly the keys shown. An HTML comment
`<!-- example: key=value … -->` just before a request sets up what the text says in words:
`clock` (the instant), `repeat` (send it that many times first), `body_bytes` (pad the body
with spaces) and `database=unreachable` (send it to an app whose database is down).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from alertsvc import create_app
from alertsvc.api.io import ICS_BODY_LIMIT, JSON_BODY_LIMIT
from alertsvc.config import RateLimits, Settings
from alertsvc.domain.calendar import DayReason
from alertsvc.domain.decision import (
    MAX_NEXT_CHECK,
    MIN_NEXT_CHECK,
    REDELIVERY_PERIOD,
    AckAction,
    Reason,
)
from alertsvc.domain.plan import LOOKAHEAD_DAYS
from alertsvc.domain.schedule import MAX_WINDOWS_PER_DAY, POLICY_BOUNDS, Policy
from alertsvc.services.accounts import API_TOKEN_TTL
from alertsvc.services.pairing import CODE_ALPHABET, CODE_LENGTH, CODE_TTL
from alertsvc.services.schedules import MAX_PREVIEW_DAYS
from tests.support import Api, FakeClock

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GUIDE = ROOT / "docs" / "api-guide.md"
DECISIONS = ROOT / "docs" / "decisions.md"
CLIENT_GUIDE = ROOT / "docs" / "client-guide.md"
DOCS = (GUIDE, DECISIONS)

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_REQUEST_LINE = re.compile(rf"({'|'.join(_METHODS)}) (/\S*)")
_STATUS_LINE = re.compile(r"HTTP/1\.1 (\d{3}) .+")
_DIRECTIVE = re.compile(r"<!-- example: (.*?) -->")
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_ANY = "…"


# --- reading markdown ------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One fenced code block, with the example directives written just before it."""

    line: int
    info: str
    text: str
    directives: dict[str, str]


def fenced_blocks(path: Path) -> list[Block]:
    blocks: list[Block] = []
    directives: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        found = _DIRECTIVE.fullmatch(line.strip())
        if found:
            directives.update(part.split("=", 1) for part in found.group(1).split())
        if line.startswith("```"):
            start = index
            body: list[str] = []
            index += 1
            while not lines[index].startswith("```"):
                body.append(lines[index])
                index += 1
            blocks.append(Block(start + 1, line[3:].strip(), "\n".join(body), directives))
            directives = {}
        index += 1
    return blocks


def markdown_tables(text: str) -> Iterator[tuple[list[str], list[list[str]]]]:
    """Each table as (header cells, rows of cells), cells stripped."""
    rows: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            continue
        if len(rows) >= 2:
            yield [cell.strip("`").lower() for cell in rows[0]], rows[2:]
        rows = []


def codes_in_column(text: str, header: str) -> list[list[str]]:
    """For each table with a column named `header`: the backticked codes in that column."""
    found = []
    for headers, rows in markdown_tables(text):
        if header in headers:
            column = headers.index(header)
            found.append([code for row in rows for code in re.findall(r"`(\w+)`", row[column])])
    return found


def heading_anchors(path: Path) -> set[str]:
    """GitHub's anchors for a file's headings."""
    anchors = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


# --- the guide's examples ----------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    line: int
    method: str
    path: str
    headers: dict[str, str]
    body: str | None
    directives: dict[str, str]


@dataclass(frozen=True)
class Expected:
    line: int
    status: int
    headers: dict[str, str]
    body: Any
    has_body: bool


def _head_and_body(text: str) -> tuple[str, dict[str, str], str | None]:
    head, _, body = text.partition("\n\n")
    first, *header_lines = head.splitlines()
    headers = dict(h.split(": ", 1) for h in header_lines)
    return first, headers, body if body.strip() else None


def guide_examples() -> list[tuple[Request, Expected]]:
    pairs: list[tuple[Request, Expected]] = []
    pending: Request | None = None
    for block in fenced_blocks(GUIDE):
        if block.info != "http":
            continue
        first, headers, body = _head_and_body(block.text)
        request_line = _REQUEST_LINE.fullmatch(first)
        status_line = _STATUS_LINE.fullmatch(first)
        where = f"{GUIDE.name}:{block.line}"
        if request_line:
            assert pending is None, f"{where}: request without an answer before it"
            method, path = request_line.groups()
            pending = Request(block.line, method, path, headers, body, block.directives)
        elif status_line:
            assert pending is not None, f"{where}: an answer without its request"
            assert not block.directives, f"{where}: directives belong before the request"
            parsed = orjson.loads(body) if body is not None else None
            status = int(status_line.group(1))
            pairs.append((pending, Expected(block.line, status, headers, parsed, body is not None)))
            pending = None
        else:
            raise AssertionError(f"{where}: an http block is a request or an answer: {first!r}")
    assert pending is None, f"{GUIDE.name}:{pending.line}: request without an answer"
    return pairs


@dataclass
class Story:
    """The values the examples capture and use, in order."""

    values: dict[str, str] = field(default_factory=dict)

    def fill(self, text: str, where: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            assert name in self.values, f"{where}: {{{name}}} is used before an answer gave it"
            return self.values[name]

        return _PLACEHOLDER.sub(value, text)

    def match(self, expected: Any, actual: Any, where: str) -> None:
        if isinstance(expected, dict):
            assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
            assert set(actual) == set(expected), (
                f"{where}: keys differ: missing {sorted(set(expected) - set(actual))}, "
                f"not documented {sorted(set(actual) - set(expected))}"
            )
            for key, value in expected.items():
                self.match(value, actual[key], f"{where}.{key}")
        elif isinstance(expected, list):
            assert isinstance(actual, list), f"{where}: expected a list, got {actual!r}"
            items = expected[:-1] if expected and expected[-1] == _ANY else expected
            open_ended = len(items) < len(expected)
            assert len(actual) >= len(items) if open_ended else len(actual) == len(items), (
                f"{where}: {len(actual)} items, the example shows {len(expected)}"
            )
            for index, (want, got) in enumerate(zip(items, actual, strict=False)):
                self.match(want, got, f"{where}[{index}]")
        elif isinstance(expected, str):
            self._match_text(expected, actual, where)
        else:
            assert type(actual) is type(expected), f"{where}: {actual!r} is not {expected!r}"
            assert actual == expected, f"{where}: {actual!r}, the example shows {expected!r}"

    def _match_text(self, expected: str, actual: Any, where: str) -> None:
        assert isinstance(actual, str), f"{where}: expected text, got {actual!r}"
        captured = _PLACEHOLDER.fullmatch(expected)
        if captured and captured.group(1) not in self.values:
            self.values[captured.group(1)] = actual
            return
        if captured:
            expected = self.values[captured.group(1)]
        pattern = ".*".join(re.escape(part) for part in expected.split(_ANY))
        assert re.fullmatch(pattern, actual, re.DOTALL), (
            f"{where}: {actual!r}, the example shows {expected!r}"
        )


def reasons_in(body: Any, day: bool = False) -> Iterator[tuple[Any, bool]]:
    """Every `reason` value in an answer, and whether it is a day's (in a `today`)."""
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "reason":
                yield value, day
            else:
                yield from reasons_in(value, day or key == "today")
    elif isinstance(body, list):
        for item in body:
            yield from reasons_in(item, day)


def check_reasons(body: Any, path: str, where: str) -> None:
    """Check results and reminders carry decision reasons; preview days and the teen's
    `today` carry day reasons."""
    preview = path.split("?")[0].endswith("/preview")
    days = {r.value for r in DayReason} | {None}
    decisions = {r.value for r in Reason}
    for reason, day in reasons_in(body, preview):
        valid = days if day else decisions
        assert reason in valid, f"{where}: {reason!r} is not a valid reason code here"


def send(client: FlaskClient, request: Request, story: Story) -> TestResponse:
    where = f"{GUIDE.name}:{request.line}"
    headers = {name: story.fill(value, where) for name, value in request.headers.items()}
    data = None
    if request.body is not None:
        data = story.fill(request.body, where).encode()
        if "body_bytes" in request.directives:
            data = data.ljust(int(request.directives["body_bytes"]), b" ")
    path = story.fill(request.path, where)
    return client.open(path, method=request.method, data=data, headers=headers)


def compare(response: TestResponse, request: Request, expected: Expected, story: Story) -> None:
    where = f"{GUIDE.name}:{expected.line}"
    assert response.status_code == expected.status, (
        f"{where}: status {response.status_code}, the example shows {expected.status}: "
        f"{response.get_data(as_text=True)[:500]}"
    )
    for name, value in expected.headers.items():
        actual = response.mimetype if name == "Content-Type" else response.headers.get(name)
        assert actual is not None, f"{where}: no {name} header"
        story.match(value, actual, f"{where} {name}")
    if not expected.has_body:
        assert response.get_data() == b"", f"{where}: the example shows no body"
        return
    body = orjson.loads(response.get_data())
    check_reasons(expected.body, request.path, f"{where} (as documented)")
    check_reasons(body, request.path, where)
    story.match(expected.body, body, f"{where} body")


@pytest.fixture
def outage_app(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[Flask]:
    """The same service with its database out of reach (a folder that does not exist)."""
    unreachable = f"sqlite:///{tmp_path / 'missing' / 'alertsvc.db'}"
    application = create_app(settings.with_(database_url=unreachable), clock=clock)
    yield application
    application.extensions["alertsvc"].engine.dispose()


def test_every_example_in_the_api_guide_answers_as_shown(
    client: FlaskClient, clock: FakeClock, outage_app: Flask
) -> None:
    examples = guide_examples()
    assert len(examples) >= 30  # the guide's story, not an empty file
    story = Story()
    outage = outage_app.test_client()
    for request, expected in examples:
        directives = request.directives
        if "clock" in directives:
            clock.set(datetime.fromisoformat(directives["clock"].replace("Z", "+00:00")))
        target = outage if directives.get("database") == "unreachable" else client
        for _ in range(int(directives.get("repeat", 0))):
            send(target, request, story)
        compare(send(target, request, story), request, expected, story)


def test_the_guide_shows_an_example_of_each_error_an_app_must_handle() -> None:
    shown = {expected.status: expected for _, expected in guide_examples()}
    for status in (400, 401, 404, 409, 413, 422, 429, 503):
        assert status in shown, f"no example of a {status} ({HTTPStatus(status).phrase})"
        assert shown[status].headers.get("Content-Type") == "application/problem+json"
    assert "Retry-After" in shown[429].headers
    assert "Retry-After" in shown[503].headers


def test_example_directives_are_known() -> None:
    known = {"clock", "repeat", "body_bytes", "database"}
    for request, _ in guide_examples():
        assert set(request.directives) <= known, f"{GUIDE.name}:{request.line}"


# --- paths -------------------------------------------------------------------------------------

# Code the client guide quotes from the app (checked against the app's files below).
_QUOTE = re.compile(r"<!-- from: (\S+) -->\n```\w*\n(.*?)\n```", re.DOTALL)
_PATH = re.compile(r"(?:^|[\s`(\"'])(/[A-Za-z0-9_{}.\-/]*)")
_METHOD_AND_PATH = re.compile(rf"\b({'|'.join(_METHODS)}) (/[A-Za-z0-9_{{}}.\-/]*)")


def _paths_in(text: str) -> set[str]:
    found = {p.rstrip(".") for p in _PATH.findall(text)}
    return {p for p in found if re.match(r"/[a-z]", p)}


def _pattern(template: str, parameter: str) -> re.Pattern[str]:
    """A route template (`/v1/teens/<teen_id>` or `/v1/teens/{teen_id}`) as a regex."""
    parts = re.split(parameter, template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def _route(app: Flask, path: str, method: str = "GET") -> bool:
    """Whether the app serves a documented path (`{name}` stands for any segment)."""
    concrete = _PLACEHOLDER.sub("x", path)
    return any(
        _pattern(rule.rule, r"<[^>]+>").fullmatch(concrete) and method in (rule.methods or ())
        for rule in app.url_map.iter_rules()
    )


@pytest.mark.parametrize("doc", [*DOCS, CLIENT_GUIDE], ids=lambda p: p.name)
def test_every_path_the_docs_mention_exists(app: Flask, api: Api, doc: Path) -> None:
    text = _QUOTE.sub("", doc.read_text(encoding="utf-8"))
    paths = _paths_in(text)
    assert paths, f"{doc.name} mentions no paths?"
    described = [_pattern(p, r"\{[^}]+\}") for p in api.get("/v1/openapi.json").get_json()["paths"]]
    for path in sorted(paths):
        assert any(_route(app, path, m) for m in _METHODS), f"{doc.name}: {path} is not a route"
        if path.startswith("/v1/") and path != "/v1/openapi.json":
            concrete = _PLACEHOLDER.sub("x", path)
            assert any(p.fullmatch(concrete) for p in described), (
                f"{doc.name}: {path} is not in the OpenAPI document"
            )
    for method, path in _METHOD_AND_PATH.findall(text):
        assert _route(app, path, method), f"{doc.name}: {method} {path} is not a route"


# --- codes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_reason_code_is_documented_and_every_documented_code_exists(doc: Path) -> None:
    tables = codes_in_column(doc.read_text(encoding="utf-8"), "reason")
    assert tables, f"{doc.name} has no table of reason codes"
    codes = {r.value for r in Reason}
    for listed in tables:
        assert set(listed) <= codes, f"{doc.name}: unknown reason codes {set(listed) - codes}"
    assert set().union(*tables) == codes, f"{doc.name} leaves out {codes - set().union(*tables)}"


def test_decisions_lists_the_twelve_rules_in_the_order_they_are_tried() -> None:
    text = DECISIONS.read_text(encoding="utf-8")
    rules = [
        (int(row[0]), re.findall(r"`(\w+)`", row[headers.index("reason")]))
        for headers, rows in markdown_tables(text)
        if headers[:1] == ["#"]
        for row in rows
    ]
    assert rules == [(n, [r.value]) for n, r in enumerate(Reason, start=1)]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_day_reasons_are_documented(doc: Path) -> None:
    tables = codes_in_column(doc.read_text(encoding="utf-8"), "day reason")
    assert [set(t) for t in tables] == [{r.value for r in DayReason}]


def test_every_ack_action_is_documented() -> None:
    tables = codes_in_column(GUIDE.read_text(encoding="utf-8"), "action")
    assert [set(t) for t in tables] == [{a.value for a in AckAction}]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_policy_defaults_and_bounds_are_the_codes(doc: Path) -> None:
    documented = {}
    for headers, rows in markdown_tables(doc.read_text(encoding="utf-8")):
        if "default" in headers and "bounds" in headers:
            default, bounds = headers.index("default"), headers.index("bounds")
            for row in rows:
                documented[row[0].strip("`")] = (row[default], row[bounds])
    expected = {
        name: (str(getattr(Policy(), name)), f"{low}–{high}")
        for name, (low, high) in POLICY_BOUNDS.items()
    }
    assert documented == expected


@pytest.mark.parametrize(
    "phrase",
    [
        f"**{CODE_LENGTH} characters** from `{CODE_ALPHABET}`",
        f"**{CODE_TTL.seconds // 60} minutes**",
        f"**{REDELIVERY_PERIOD.seconds} s**",
        f"{RateLimits().failures_per_minute} a minute",
        f"{RateLimits().checks_per_minute} a minute",
        f"{JSON_BODY_LIMIT // 1024} KiB",
        f"{ICS_BODY_LIMIT // (1024 * 1024)} MiB",
        f"**{MIN_NEXT_CHECK.seconds} s**",
        f"**{MAX_NEXT_CHECK.seconds // 3600} hour**",
        f"within {LOOKAHEAD_DAYS} days",
        f"at most {MAX_PREVIEW_DAYS}",
        f"at most {MAX_WINDOWS_PER_DAY} a day",
        f"{API_TOKEN_TTL.days} days",
    ],
)
def test_the_guide_states_the_numbers_the_code_uses(phrase: str) -> None:
    text = " ".join(GUIDE.read_text(encoding="utf-8").split())
    assert phrase in text


# --- standing alone ----------------------------------------------------------------------------

_OUTSIDE = re.compile(r"SPEC\.md|\bSPEC\b|STYLE\.md", re.IGNORECASE)


@pytest.mark.parametrize("doc", [README, *DOCS, CLIENT_GUIDE], ids=lambda p: p.name)
def test_readme_and_docs_point_to_nothing_outside_the_repository(doc: Path) -> None:
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        assert not _OUTSIDE.search(line), f"{doc.name}:{number}: {line.strip()}"


def test_the_openapi_document_points_to_the_docs_in_the_repository(api: Api) -> None:
    document = api.get("/v1/openapi.json").get_data(as_text=True)
    # Schema descriptions come from docstrings in alertsvc/, whose "SPEC §N" citations are
    # being repointed to docs/ separately; no file outside the repository may be named.
    assert not re.search(r"SPEC\.md|STYLE\.md", document, re.IGNORECASE)
    description = api.get("/v1/openapi.json").get_json()["info"]["description"]
    assert not _OUTSIDE.search(description)
    linked = re.findall(r"docs/[\w.-]+\.md", description)
    assert sorted(linked) == ["docs/api-guide.md", "docs/client-guide.md", "docs/decisions.md"]
    assert all((ROOT / path).is_file() for path in linked)


_LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", [README, *DOCS, CLIENT_GUIDE], ids=lambda p: p.name)
def test_links_between_the_docs_resolve(doc: Path) -> None:
    for target in _LINK.findall(doc.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # an outside standard (an RFC), not a file of ours
        name, _, anchor = target.partition("#")
        path = (doc.parent / name).resolve() if name else doc
        assert path.is_file(), f"{doc.name}: {target} does not exist"
        if anchor:
            assert anchor in heading_anchors(path), f"{doc.name}: no heading #{anchor}"


# --- the client guide quotes the app ------------------------------------------------------------


def test_the_client_guide_quotes_the_apps_code_as_it_is() -> None:
    quotes = _QUOTE.findall(CLIENT_GUIDE.read_text(encoding="utf-8"))
    assert len(quotes) >= 10
    for path, code in quotes:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert code in source, f"client-guide.md quotes {path}, which no longer reads:\n{code}"
