"""The real `alertsvc` command in a subprocess: every failure is one line on stderr naming
the cause and the fix, with the documented exit code; create-admin never changes an account
silently; the demo family is kept; serve says where it listens, and what the server answers
before the app is problem+json."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from alertsvc.cli import ExitCode
from alertsvc.config import Settings
from alertsvc.db.session import make_engine, make_session_factory
from alertsvc.services import accounts, pairing
from alertsvc.services.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests import procs

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "a long admin password"
BACKENDS = ["sqlite", "postgres"] if procs.POSTGRES_URL else ["sqlite"]


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str
    seconds: float

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def cli_env(database_url: str, instance: Path, **changes: str | None) -> dict[str, str]:
    """The test service environment with its own instance folder; None removes a variable."""
    env = procs.service_env(database_url, ALERTSVC_INSTANCE_PATH=str(instance))
    env["ALERTSVC_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def alertsvc(*args: str, env: dict[str, str], cwd: Path | None = None) -> Ran:
    started = time.monotonic()
    done = subprocess.run(
        [procs.ALERTSVC, *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Ran(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def assert_one_line_failure(ran: Ran, code: ExitCode, *phrases: str) -> None:
    assert ran.code == code, ran
    assert len(ran.err_lines) == 1, ran.err
    line = ran.err_lines[0]
    assert line.startswith("alertsvc: "), line
    for phrase in phrases:
        assert phrase in line, (phrase, line)
    assert "Traceback" not in ran.out + ran.err


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file made once; each test copies it."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    ran = alertsvc("db", "upgrade", env=cli_env(f"sqlite:///{path}", folder / "instance"))
    assert ran.code == ExitCode.OK, ran
    return path


@pytest.fixture(params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite: Path
) -> Iterator[str]:
    """A migrated database: a copy of the SQLite template, or a fresh PostgreSQL one."""
    if request.param == "sqlite":
        shutil.copy(migrated_sqlite, tmp_path / "alertsvc.db")
        yield f"sqlite:///{tmp_path / 'alertsvc.db'}"
        return
    with procs.fresh_database("cli") as url:
        yield url


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


@contextlib.contextmanager
def session_on(database_url: str) -> Iterator[Session]:
    """A session on the database the command wrote, to check what it stored."""
    engine = make_engine(Settings(database_url=database_url, secret_key="k", environment="test"))
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


# --- one line, the cause and the fix, the documented exit code ---------------------------

_FAILURES = {
    # name: (arguments, environment changes, exit code, phrases the line must carry)
    "a malformed database URL": (
        ["db", "upgrade"],
        {"ALERTSVC_DATABASE_URL": "not a url"},
        ExitCode.USAGE,
        ["ALERTSVC_DATABASE_URL is not a database URL", "sqlite:///", "postgresql://"],
    ),
    "an unsupported database, its password unsaid": (
        ["serve"],
        {"ALERTSVC_DATABASE_URL": "mysql://root:hunter2@db/alerts"},
        ExitCode.USAGE,
        ["'mysql'", "does not support", "postgresql://"],
    ),
    "an in-memory SQLite database": (
        ["worker"],
        {"ALERTSVC_DATABASE_URL": "sqlite://"},
        ExitCode.USAGE,
        ["in-memory", "name a file"],
    ),
    "an unreachable PostgreSQL": (
        ["db", "upgrade"],
        {"ALERTSVC_DATABASE_URL": "postgres://ann:hunter2@127.0.0.1:{free_port}/alerts"},
        ExitCode.FAILED,
        ["cannot use the database", "ann:***@127.0.0.1", "refused", "ALERTSVC_DATABASE_URL"],
    ),
    "a missing folder for a configured SQLite file": (
        ["db", "upgrade"],
        {"ALERTSVC_DATABASE_URL": "sqlite:///{tmp}/missing/alertsvc.db"},
        ExitCode.USAGE,
        ["{tmp}/missing/alertsvc.db does not exist", "mkdir -p {tmp}/missing"],
    ),
    "a database without tables": (
        ["demo"],
        {"ALERTSVC_DATABASE_URL": "sqlite:///{tmp}/empty.db"},
        ExitCode.FAILED,
        ["has no tables yet", "alertsvc db upgrade"],
    ),
    "a short secret key outside development": (
        ["serve"],
        {"ALERTSVC_ENV": "production", "ALERTSVC_SECRET_KEY": "too-short-0123456789"},
        ExitCode.USAGE,
        ["ALERTSVC_SECRET_KEY has 20 characters", "32", "secrets.token_urlsafe"],
    ),
    "no secret key outside development": (
        ["worker"],
        {"ALERTSVC_ENV": "production", "ALERTSVC_SECRET_KEY": None},
        ExitCode.USAGE,
        ["ALERTSVC_SECRET_KEY is required", "ALERTSVC_ENV=development"],
    ),
    "a bad option": (
        ["serve", "--workers", "0"],
        {},
        ExitCode.USAGE,
        ["--workers", "`alertsvc serve --help`"],
    ),
    "a bad option from the environment": (
        ["serve"],
        {"ALERTSVC_WORKERS": "many"},
        ExitCode.USAGE,
        ["ALERTSVC_WORKERS", "'many'", "`alertsvc serve --help`"],
    ),
    "a malformed bind address": (
        ["serve", "--bind", "8000"],
        {},
        ExitCode.USAGE,
        ["is not HOST:PORT", "127.0.0.1:8000"],
    ),
    "an unknown command": (
        ["frobnicate"],
        {},
        ExitCode.USAGE,
        ["frobnicate", "`alertsvc --help`"],
    ),
    "not an email": (
        ["create-admin", "not-an-email"],
        {},
        ExitCode.USAGE,
        ["'not-an-email' is not an email address", "alertsvc create-admin ann@example.com"],
    ),
    "no terminal and no admin password": (
        ["create-admin", "ann@example.com"],
        {"ALERTSVC_ADMIN_PASSWORD": None},
        ExitCode.USAGE,
        ["no terminal", "ALERTSVC_ADMIN_PASSWORD"],
    ),
    "a short admin password": (
        ["create-admin", "ann@example.com"],
        {"ALERTSVC_ADMIN_PASSWORD": "short"},
        ExitCode.USAGE,
        ["ALERTSVC_ADMIN_PASSWORD", "at least 10 characters"],
    ),
}


@pytest.mark.parametrize("case", list(_FAILURES))
def test_every_failure_is_one_line_naming_cause_and_fix_with_its_exit_code(
    case: str, tmp_path: Path, migrated_sqlite: Path, instance: Path
) -> None:
    args, changes, code, phrases = _FAILURES[case]
    shutil.copy(migrated_sqlite, tmp_path / "alertsvc.db")
    fill = {"tmp": str(tmp_path), "free_port": str(procs.free_port())}
    env = cli_env(
        f"sqlite:///{tmp_path / 'alertsvc.db'}",
        instance,
        **{name: value.format(**fill) if value else None for name, value in changes.items()},
    )

    ran = alertsvc(*args, env=env)

    assert_one_line_failure(ran, code, *(phrase.format(**fill) for phrase in phrases))
    assert "hunter2" not in ran.out + ran.err
    assert not (tmp_path / "missing").exists()


def test_a_heroku_style_postgres_url_is_accepted(tmp_path: Path) -> None:
    if procs.POSTGRES_URL is None:
        pytest.skip("needs ALERTSVC_TEST_POSTGRES_URL (a PostgreSQL server to create databases on)")
    with procs.fresh_database("cliurl", migrate=False) as url:
        heroku = "postgres://" + url.split("://", 1)[1]
        ran = alertsvc("db", "upgrade", env=cli_env(heroku, tmp_path / "instance"))
        assert ran.code == ExitCode.OK, ran
        assert "postgresql+psycopg://" in ran.out
        assert "is at the latest schema" in ran.out


def test_the_default_instance_folder_is_created_and_printed_wherever_the_command_runs(
    tmp_path: Path,
) -> None:
    instance = tmp_path / "data" / "instance"
    env = cli_env("unused", instance, ALERTSVC_DATABASE_URL=None)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    first = alertsvc("db", "upgrade", env=env, cwd=tmp_path)
    second = alertsvc("db", "upgrade", env=env, cwd=elsewhere)

    assert first.code == second.code == ExitCode.OK, (first, second)
    assert f"SQLite file {instance / 'alertsvc.db'} is at the latest schema" in first.out
    assert first.out == second.out
    assert sorted(p.name for p in instance.iterdir()) == ["alertsvc.db"]
    assert not (elsewhere / "instance").exists()


# --- help ----------------------------------------------------------------------------------

_DATABASE_ENV = ["ALERTSVC_DATABASE_URL", "ALERTSVC_INSTANCE_PATH", "ALERTSVC_SECRET_KEY"]
_HELP = {
    "serve": [
        "--bind HOST:PORT",
        "[env var: ALERTSVC_BIND; default: 127.0.0.1:8000]",
        "[env var: ALERTSVC_WORKERS; default: 2;",
        "[env var: ALERTSVC_THREADS; default: 4;",
        "--demo",
        "ALERTSVC_RATE_LIMIT_STORAGE_URL",
        *_DATABASE_ENV,
    ],
    "worker": ["ALERTSVC_RETENTION_DAYS", *_DATABASE_ENV],
    "db upgrade": _DATABASE_ENV,
    "create-admin": ["EMAIL", "--reset-password", "ALERTSVC_ADMIN_PASSWORD", *_DATABASE_ENV],
    "demo": ["[env var: ALERTSVC_BIND; default: 127.0.0.1:8000]", *_DATABASE_ENV],
}


@pytest.mark.parametrize("command", list(_HELP))
def test_help_of_every_command_lists_options_defaults_environment_and_exit_codes(
    command: str, tmp_path: Path
) -> None:
    ran = alertsvc(*command.split(), "--help", env=cli_env("unused", tmp_path))
    assert ran.code == ExitCode.OK, ran
    text = " ".join(ran.out.split())  # help wraps lines at the terminal's width
    for expected in _HELP[command]:
        assert expected in text, expected
    assert f"ALERTSVC_INSTANCE_PATH {REPO / 'instance'}" in text
    assert re.search(r"Exit codes: 0 done 1 could not do it: .* 2 wrong .* 130 interrupted", text)


def test_every_environment_variable_is_in_some_help_and_in_the_readme(tmp_path: Path) -> None:
    names = set()
    modules = [REPO / "alertsvc" / "config.py", *(REPO / "alertsvc" / "cli").glob("*.py")]
    for module in modules:
        names |= set(re.findall(r'"(ALERTSVC_[A-Z_]+)"', module.read_text()))
    helps = " ".join(
        alertsvc(*command.split(), "--help", env=cli_env("unused", tmp_path)).out
        for command in _HELP
    )
    readme = (REPO / "README.md").read_text()
    assert len(names) > 15
    for name in names:
        assert name in helps, name
        assert f"`{name}`" in readme, name


def test_the_readme_documents_every_exit_code() -> None:
    readme = (REPO / "README.md").read_text()
    for code in ExitCode:
        assert re.search(rf"^\| `{code.value}` \|", readme, re.MULTILINE), code


def test_python_dash_m_runs_the_same_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "alertsvc.cli", "db", "--help"],
        env=cli_env("unused", tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done
    assert "Usage: alertsvc db" in done.stdout


# --- create-admin --------------------------------------------------------------------------


def test_create_admin_refuses_an_existing_account_and_its_password_still_works(
    database: str, instance: Path
) -> None:
    env = cli_env(database, instance)
    assert alertsvc("demo", env=env).code == ExitCode.OK

    ran = alertsvc("create-admin", DEMO_EMAIL.upper(), env=env)

    assert_one_line_failure(
        ran, ExitCode.FAILED, f"{DEMO_EMAIL} already has an account", "--reset-password"
    )
    with session_on(database) as session:
        identity = accounts.authenticate(session, DEMO_EMAIL, DEMO_PASSWORD)
        assert identity is not None
        assert identity.is_admin is False
        assert accounts.authenticate(session, DEMO_EMAIL, ADMIN_PASSWORD) is None


def test_create_admin_with_reset_password_sets_the_password_and_the_admin_role(
    database: str, instance: Path
) -> None:
    env = cli_env(database, instance)
    assert alertsvc("demo", env=env).code == ExitCode.OK

    ran = alertsvc("create-admin", DEMO_EMAIL, "--reset-password", env=env)

    assert ran.code == ExitCode.OK, ran
    assert ran.err == ""
    assert f"admin {DEMO_EMAIL}: its password was reset and it is an admin" in ran.out
    with session_on(database) as session:
        assert accounts.authenticate(session, DEMO_EMAIL, DEMO_PASSWORD) is None
        identity = accounts.authenticate(session, DEMO_EMAIL, ADMIN_PASSWORD)
        assert identity is not None
        assert identity.is_admin is True


def test_create_admin_creates_a_new_admin_once(database: str, instance: Path) -> None:
    env = cli_env(database, instance)

    created = alertsvc("create-admin", "Ann@Example.com", env=env)
    again = alertsvc("create-admin", "ann@example.com", env=env)

    assert created.code == ExitCode.OK, created
    assert "admin ann@example.com: it is ready" in created.out
    assert_one_line_failure(again, ExitCode.FAILED, "already has an account (an admin)")
    with session_on(database) as session:
        identity = accounts.authenticate(session, "ann@example.com", ADMIN_PASSWORD)
        assert identity is not None
        assert identity.is_admin is True


class Terminal:
    """`alertsvc` on a pseudo-terminal, read with deadlines."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child becomes alertsvc
            os.execve(procs.ALERTSVC, [procs.ALERTSVC, *args], env)  # noqa: S606
        self.screen = b""
        self.seen = 0

    def expect(self, text: str, timeout: float = 30) -> None:
        """Wait for `text` after what earlier expectations matched."""
        wanted = text.encode()
        deadline = time.monotonic() + timeout
        while wanted not in self.screen[self.seen :]:
            remaining = deadline - time.monotonic()
            assert remaining > 0, (text, self.screen)
            if select.select([self.fd], [], [], remaining)[0]:
                try:
                    self.screen += os.read(self.fd, 4096)
                except OSError:  # the child closed the terminal
                    assert wanted in self.screen[self.seen :], (text, self.screen)
        self.seen = self.screen.index(wanted, self.seen) + len(wanted)

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def exit_code(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            if select.select([self.fd], [], [], 0.1)[0]:
                with contextlib.suppress(OSError):  # the child closed the terminal
                    self.screen += os.read(self.fd, 4096)
        os.kill(self.pid, signal.SIGKILL)
        raise AssertionError(f"alertsvc did not exit: {self.screen!r}")


def test_the_password_prompt_is_hidden_confirmed_and_asks_again_for_a_short_one(
    database: str, instance: Path
) -> None:
    env = cli_env(database, instance, ALERTSVC_ADMIN_PASSWORD=None)
    terminal = Terminal(["create-admin", "bea@example.com"], env)
    terminal.expect("Password for bea@example.com: ")
    terminal.type("short\n")
    terminal.expect("the password needs at least 10 characters")
    terminal.expect("Password for bea@example.com: ")
    terminal.type("typed at the prompt\n")
    terminal.expect("Repeat for confirmation: ")
    terminal.type("typed at the prompt\n")

    assert terminal.exit_code() == ExitCode.OK, terminal.screen
    assert b"admin bea@example.com: it is ready" in terminal.screen
    assert b"typed at the prompt" not in terminal.screen  # never echoed
    with session_on(database) as session:
        assert accounts.authenticate(session, "bea@example.com", "typed at the prompt")


def test_ctrl_c_at_the_prompt_is_one_line_and_exit_code_130(
    tmp_path: Path, migrated_sqlite: Path, instance: Path
) -> None:
    shutil.copy(migrated_sqlite, tmp_path / "alertsvc.db")
    env = cli_env(f"sqlite:///{tmp_path / 'alertsvc.db'}", instance, ALERTSVC_ADMIN_PASSWORD=None)
    terminal = Terminal(["create-admin", "bea@example.com"], env)
    terminal.expect("Password for bea@example.com: ")
    terminal.type("\x03")

    assert terminal.exit_code() == ExitCode.INTERRUPTED
    assert b"alertsvc: interrupted" in terminal.screen
    assert b"Traceback" not in terminal.screen


# --- demo ----------------------------------------------------------------------------------


def _tokens(output: str) -> tuple[str, str]:
    parent = re.search(r"parent token:\s+(\S+)", output)
    device = re.search(r"device token:\s+(\S+)", output)
    assert parent is not None
    assert device is not None
    return parent.group(1), device.group(1)


def _working(database: str, parent_token: str, device_token: str) -> bool:
    from alertsvc.clock import utc_now

    with session_on(database) as session:
        parent = accounts.identity_for_token(session, parent_token, "api", utc_now())
        device = pairing.device_for_token(session, device_token)
        return parent is not None and parent.email == DEMO_EMAIL and device is not None


def test_demo_twice_keeps_the_family_and_prints_the_same_working_tokens(
    database: str, instance: Path
) -> None:
    env = cli_env(database, instance, ALERTSVC_BIND="127.0.0.1:8765")

    first = alertsvc("demo", env=env)
    second = alertsvc("demo", env=env)

    assert first.code == second.code == ExitCode.OK, (first, second)
    assert "Demo family ready" in first.out
    assert "Demo family kept from an earlier run" in second.out
    assert _tokens(second.out) == _tokens(first.out)
    assert _working(database, *_tokens(first.out))
    assert f"http://127.0.0.1:8765/login  as {DEMO_EMAIL} / {DEMO_PASSWORD}" in second.out
    assert re.search(r"`ALERTSVC_ENV=test \S*alertsvc --help` lists what it does", second.out)
    with session_on(database) as session:
        parent = accounts.account_for_email(session, DEMO_EMAIL)
        assert parent is not None
        from alertsvc.services import teens

        (teen,) = teens.teens_of_parent(session, parent.parent_id)
        assert len(pairing.list_devices(session, teen.id)) == 1


def test_demo_without_remembered_tokens_issues_new_ones_and_revokes_nothing(
    database: str, instance: Path
) -> None:
    env = cli_env(database, instance)
    first = alertsvc("demo", env=env)
    (instance / "demo-tokens.json").unlink()

    second = alertsvc("demo", env=env)

    assert second.code == ExitCode.OK, second
    assert _tokens(second.out) != _tokens(first.out)
    assert _working(database, *_tokens(first.out))
    assert _working(database, *_tokens(second.out))


# --- serve ---------------------------------------------------------------------------------


def test_serve_on_a_taken_port_fails_at_once_with_one_line(database: str, instance: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        ran = alertsvc("serve", "--bind", f"127.0.0.1:{port}", env=cli_env(database, instance))

    assert_one_line_failure(
        ran, ExitCode.FAILED, f"127.0.0.1:{port} is already in use", "--bind", "ALERTSVC_BIND"
    )
    assert ran.out == ""  # nothing was started or changed
    # gunicorn alone retried five times a second apart; the check answers before it starts.
    assert ran.seconds < 4, ran.seconds


def test_serve_prints_its_database_and_urls_and_stops_on_ctrl_c(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    shutil.copy(migrated_sqlite, tmp_path / "served.db")
    server = procs.start_server(f"sqlite:///{tmp_path / 'served.db'}", tmp_path, workers=1)
    try:
        lines = server.log().splitlines()
        base = server.base_url
        assert lines[0] == f"alertsvc: database: SQLite file {tmp_path / 'served.db'}"
        assert f"alertsvc: listening on {base} (pages: {base}/login); stop it with Ctrl-C" in lines
        server.signal(signal.SIGINT)
        assert server.popen.wait(30) == 0
        assert "Traceback" not in server.log()
    finally:
        server.stop()


def test_serve_names_a_postgresql_database_without_its_password(tmp_path: Path) -> None:
    if procs.POSTGRES_URL is None:
        pytest.skip("needs ALERTSVC_TEST_POSTGRES_URL (a PostgreSQL server to create databases on)")
    with procs.fresh_database("cliserve") as url:
        server = procs.start_server(url, tmp_path, workers=1)
        try:
            first = server.log().splitlines()[0]
            shown = "postgresql+psycopg://" + url.split("://", 1)[1]
            assert first == f"alertsvc: database: PostgreSQL {shown}"
        finally:
            server.stop()


def test_the_database_label_hides_a_password() -> None:
    from alertsvc.cli import database_label

    settings = Settings(
        database_url="postgresql://ann:hunter2@db.example.com:5432/alerts",
        secret_key="k",
    )
    label = database_label(settings)
    assert label == "PostgreSQL postgresql+psycopg://ann:***@db.example.com:5432/alerts"


# --- answers before the app: problem+json from a real server, over raw sockets --------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[procs.Proc]:
    folder = tmp_path_factory.mktemp("served")
    shutil.copy(migrated_sqlite, folder / "served.db")
    server = procs.start_server(f"sqlite:///{folder / 'served.db'}", folder, workers=1)
    yield server
    server.stop()


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def _read_answer(sock: socket.socket) -> RawAnswer:
    """One HTTP/1.1 answer with a Content-Length, read off the socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, body
        body += chunk
    return RawAnswer(int(status_line.split()[1]), headers, body[:length])


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def _raw(server: procs.Proc, request: bytes) -> tuple[RawAnswer, bool]:
    port = int(server.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = _read_answer(sock)
        return answer, _closed_by_server(sock)


_PRE_APP = {
    "a request line over 4 KB": (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    "a header over 8 KB": (b"GET /healthz HTTP/1.1\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
    "more than 100 headers": (
        b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n",
        431,
    ),
    "a malformed request line": (b"GARBAGE\r\n\r\n", 400),
    "an unknown HTTP version": (b"GET /healthz HTTP/7.0\r\nHost: x\r\n\r\n", 400),
    "a header without a colon": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nOops\r\n\r\n", 400),
}


@pytest.mark.parametrize("case", list(_PRE_APP))
def test_what_the_server_refuses_before_the_app_is_answered_as_a_problem(
    case: str, served: procs.Proc
) -> None:
    request, status = _PRE_APP[case]

    answer, closed = _raw(served, request)

    assert answer.status == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["connection"] == "close"
    problem = json.loads(answer.body)
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    assert problem["type"].startswith("https://")
    assert closed


def _post(path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def test_a_body_refused_unread_is_answered_with_connection_close(served: procs.Proc) -> None:
    answer, closed = _raw(served, _post("/v1/parents", b"x" * (100 * 1024)))

    assert answer.status == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["connection"] == "close"
    assert closed


def test_a_small_request_keeps_the_connection_for_the_next_one(served: procs.Proc) -> None:
    port = int(served.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(_post("/v1/parents", b"{}"))
        first = _read_answer(sock)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        second = _read_answer(sock)

    assert first.status == 422
    assert first.headers["connection"] == "keep-alive"
    assert second.status == 200
