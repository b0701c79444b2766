"""Everything the README names exists: each path answers (not 404) on an app with the demo
family, each `make` target and `alertsvc` command (with its options) is there, and each file,
folder or module it points to is in the repository.

How paths are read: a backticked token starting with `/` (`/home`, `/teens/<id>/schedule`),
`METHOD /path` in backticks, and the URLs of the curl lines in code blocks. `<id>` and `$TEEN`
stand for the demo teen, `nud_…` for a reminder the demo device just got. A page is asked for
as the demo parent with a session cookie (`/admin` as an admin); an API path with the demo
parent's token, or the device's for the device's routes; a curl line with its method and JSON
body.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from flask import Flask
from flask.testing import FlaskClient

from alertsvc.cli import cli
from alertsvc.services import accounts
from alertsvc.services.demo import DEMO_EMAIL, DEMO_PASSWORD, Demo, ensure_demo
from tests.support import FakeClock

ROOT = Path(__file__).resolve().parent.parent
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "an admin passphrase"
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_TICKED = re.compile(r"`([^`\n]+)`")
_CURL_URL = re.compile(r"(?:https?://)?(?:127\.0\.0\.1|localhost):8000(/[^\s\"']*)")
_PREFIXES = {"/v1"}  # "the JSON API under /v1": not a page, and not /teens for /teens/new
_DEVICE_ROUTES = ("/v1/check", "/v1/me", "/v1/nudges/")
# Paths made when the service runs, never kept in the repository.
_MADE_AT_RUN_TIME = {
    "instance/",
    "instance/rate-limits.sqlite3",
    "demo-tokens.json",
    "test-artifacts/screenshots/",
    ".venv",
}
_MEDIA_TYPE = re.compile(r"(?:application|text|image)/[\w.+-]+")
_FILE_SUFFIXES = (".py", ".md", ".toml", ".sh", ".png", ".js", ".css", ".html", ".ini", ".json")


def _ticked() -> list[str]:
    return [token.strip() for token in _TICKED.findall(TEXT)]


def _code_blocks() -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", TEXT, re.S)


# --- paths ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: str | None = None


def _shell_commands(block: str) -> Iterator[str]:
    """A code block's commands: continued lines joined, quotes that span lines kept whole,
    comment lines dropped."""
    pending = ""
    for line in block.replace("\\\n", " ").splitlines():
        if not pending and line.lstrip().startswith("#"):
            continue
        pending += line + "\n"
        try:
            shlex.split(pending)
        except ValueError:  # a quote still open: the command goes on
            continue
        yield pending
        pending = ""


def _curl_calls() -> list[Call]:
    calls = []
    for block in _code_blocks():
        for command in _shell_commands(block):
            if "curl " not in command:
                continue
            words = shlex.split(command.split("curl ", 1)[1].split(" | ", 1)[0].rstrip(")\n"))
            method = words[words.index("-X") + 1] if "-X" in words else "GET"
            body = words[words.index("-d") + 1] if "-d" in words else None
            url = next(w for w in words if _CURL_URL.fullmatch(w))
            match = _CURL_URL.fullmatch(url)
            assert match
            calls.append(Call(method, match.group(1), body))
    return calls


def readme_calls() -> list[Call]:
    """Every path the README names, with the method it names (GET when none)."""
    calls: list[Call] = []
    for token in _ticked():
        method, _, rest = token.partition(" ")
        if method in _METHODS and rest.startswith("/"):
            calls.append(Call(method, rest))
        elif token.startswith("/") and " " not in token and "//" not in token:
            calls.append(Call("GET", token))
    calls.extend(_curl_calls())
    return list(dict.fromkeys(calls))


@dataclass
class DemoSite:
    app: Flask
    client: FlaskClient  # logged in as the demo parent
    admin: FlaskClient  # logged in as an admin, for /admin (a 404 for anyone else)
    demo: Demo
    nudge_id: str


@pytest.fixture
def demo_site(app: Flask, clock: FakeClock) -> DemoSite:
    with app.app_context(), app.extensions["alertsvc"].sessions() as db:
        demo = ensure_demo(db, clock())
        accounts.make_admin(db, ADMIN_EMAIL, ADMIN_PASSWORD, clock())
        db.commit()
    client, admin = app.test_client(), app.test_client()
    logged_in = client.post("/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert logged_in.status_code == 302
    logged_in = admin.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert logged_in.status_code == 302
    check = client.post(
        "/v1/check", json={}, headers={"Authorization": f"Bearer {demo.device_token}"}
    ).get_json()
    assert check["nudge"] is not None, check  # the demo's school is in session now
    return DemoSite(app, client, admin, demo, check["nudge"]["id"])


def _concrete(path: str, site: DemoSite) -> str:
    path = path.replace("<id>", site.demo.teen_id).replace("$TEEN", site.demo.teen_id)
    return path.replace("nud_…", site.nudge_id)


def _is_prefix(app: Flask, path: str) -> bool:
    return any(rule.rule.startswith(path.rstrip("/") + "/") for rule in app.url_map.iter_rules())


def test_the_readme_names_the_parents_pages_and_no_wrong_one() -> None:
    paths = {call.path for call in readme_calls()}
    assert {"/signup", "/login", "/home", "/teens/new", "/teens/<id>/schedule"} <= paths
    assert "/teens" not in paths  # the teens list is /home


@pytest.mark.parametrize("call", readme_calls(), ids=lambda c: f"{c.method} {c.path}")
def test_every_path_in_the_readme_answers(demo_site: DemoSite, call: Call) -> None:
    path = _concrete(call.path, demo_site)
    if path in _PREFIXES:  # where routes start; they are checked where the README names them
        assert _is_prefix(demo_site.app, path)
        return
    device = path.startswith(_DEVICE_ROUTES)
    token = demo_site.demo.device_token if device else demo_site.demo.parent_token
    headers = {"Authorization": f"Bearer {token}"} if path.startswith("/v1/") else {}
    if call.body is not None:
        headers["Content-Type"] = "application/json"
    client = demo_site.admin if path.startswith("/admin") else demo_site.client
    # Buffered: a file answer (/app/) is read and closed here, not left open for the GC.
    response = client.open(path, method=call.method, data=call.body, headers=headers, buffered=True)
    assert response.status_code != 404, f"{call.method} {path}: {response.get_data(as_text=True)}"
    # 503 is an answer (/readyz: this test database is not migrated by Alembic); 500 a bug.
    assert response.status_code != 500, f"{call.method} {path}: {response.get_data(as_text=True)}"


# --- commands ------------------------------------------------------------------------------


def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*):", makefile, re.M))


def _mentions(pattern: str) -> Iterator[str]:
    for text in [*_ticked(), *_code_blocks()]:
        for line in text.splitlines():
            yield from re.findall(pattern, line)


def test_every_make_target_the_readme_names_exists() -> None:
    named = set(_mentions(r"\bmake ([a-z][\w-]*)"))
    assert named, "the README names no make target?"
    assert named <= _make_targets(), f"not in the Makefile: {named - _make_targets()}"


def _alertsvc_commands() -> list[str]:
    found = []
    for text in _ticked():
        match = re.search(r"(?:^|[\s/])alertsvc (\S.*)", text)
        if match:
            found.append(match.group(1))
    return sorted(set(found))


@pytest.mark.parametrize("command", _alertsvc_commands())
def test_every_alertsvc_command_and_option_in_the_readme_exists(command: str) -> None:
    current: click.Command = cli
    for word in re.sub(r"[\[\]]", " ", command).split():
        if word.startswith("-"):
            options = {opt for param in current.params for opt in getattr(param, "opts", [])}
            options.update(current.get_help_option_names(click.Context(current)))
            assert word in options, f"alertsvc {command}: no option {word}"
        elif isinstance(current, click.Group) and word.islower():
            found = current.get_command(click.Context(current), word)
            assert found is not None, f"alertsvc {command}: no command {word}"
            current = found
        # else: an argument or a placeholder (EMAIL, HOST:PORT, N, COMMAND)


def test_the_python_m_commands_exist() -> None:
    for module in _mentions(r"python -m ([\w.]+)"):
        assert importlib.util.find_spec(module) is not None, module
    bench = importlib.import_module("bench.__main__")
    for command in _mentions(r"python -m bench ([a-z]+)"):
        assert command in bench.COMMANDS, command


# --- files and modules ---------------------------------------------------------------------


def _repository_paths() -> set[str]:
    found = set()
    for token in _ticked():
        if token.startswith(("/", "-", "$")) or " " in token or ":" in token:
            continue
        if _MEDIA_TYPE.fullmatch(token):
            continue
        if "/" in token or token.endswith(_FILE_SUFFIXES):
            found.add(token)
    return found - _MADE_AT_RUN_TIME


def test_every_file_and_folder_the_readme_names_is_in_the_repository() -> None:
    paths = _repository_paths()
    assert "static/parent.js" in paths
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, f"the README names files that are not there: {missing}"


def test_every_module_the_readme_names_can_be_imported() -> None:
    names = {t for t in _ticked() if re.fullmatch(r"alertsvc(\.\w+)+", t)}
    assert "alertsvc.db" in names
    for name in names:
        module, _, attribute = name.rpartition(".")
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # `module` is a module, not a package: `name` is in it
            found = False
        if not found:
            assert hasattr(importlib.import_module(module), attribute), name
