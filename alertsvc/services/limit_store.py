"""A `limits` storage in one SQLite file: counts shared by every process on a host.

`limits` keeps counts in process memory, or in Redis, Memcached or MongoDB; nothing in
between. This adapter gives `limits`'s fixed-window algorithm a store that every worker of
`alertsvc serve` (and every other process with the same instance folder) shares without a
server: a small SQLite file in WAL mode, one atomic UPSERT per hit.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from limits.errors import ConfigurationError
from limits.storage import Storage

URL_PREFIX = "sqlite:///"
# A write holds the lock for microseconds; one held longer than this means something is wrong,
# and the limiter fails open rather than keep a check waiting.
BUSY_TIMEOUT_SECONDS = 0.25
# Opening the file once per thread (WAL switch, schema) may meet every other process doing the
# same at start-up; that wait is paid once, so it may be long.
SETUP_TIMEOUT_SECONDS = 5.0
# Every this many hits a process deletes the windows that have ended, so the file holds about
# one row per device seen in the last minute.
PURGE_EVERY = 1000

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, count INTEGER NOT NULL,"
    " expires_at REAL NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS hits_by_expiry ON hits (expires_at)",
)
_SCHEMA_DONE = "SELECT 1 FROM sqlite_master WHERE name = 'hits_by_expiry'"
# The window starts at a key's first hit, as in `limits`'s memory and Redis storages. SET
# expressions all read the old row, so both see the same (possibly ended) window.
_INCR = """
INSERT INTO hits (key, count, expires_at) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN expires_at > :now THEN count + :amount ELSE :amount END,
  expires_at = CASE WHEN expires_at > :now THEN expires_at ELSE :now + :expiry END
RETURNING count
"""
_COUNT = "SELECT count FROM hits WHERE key = ? AND expires_at > ?"
_EXPIRY = "SELECT expires_at FROM hits WHERE key = ? AND expires_at > ?"
_PURGE = "DELETE FROM hits WHERE expires_at <= ?"


class SQLiteStorage(Storage):
    """Fixed-window counters in `sqlite:///<path>` (SQLAlchemy's spelling: four slashes for an
    absolute path). Times come from `clock` (seconds since the epoch), so a test can move them.
    """

    def __init__(
        self,
        uri: str,
        wrap_exceptions: bool = False,
        *,
        clock: Callable[[], float],
        purge_every: int = PURGE_EVERY,
    ) -> None:
        if not uri.startswith(URL_PREFIX) or uri == URL_PREFIX:
            raise ConfigurationError(f"expected sqlite:///<path to a file>, got {uri!r}")
        if sqlite3.sqlite_version_info < (3, 35):  # UPSERT ... RETURNING
            raise ConfigurationError(f"needs SQLite 3.35 or later, not {sqlite3.sqlite_version}")
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.path = Path(uri.removeprefix(URL_PREFIX))
        self._clock = clock
        self._purge_every = purge_every
        self._hits = itertools.count(1)
        # One connection per thread: sqlite3 connections are not shared between threads. They
        # open at a thread's first hit, i.e. while serving, so none exists before a fork.
        self._local = threading.local()

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return (sqlite3.Error, OSError)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self._clock()
        rows, _ = self._run(_INCR, {"key": key, "amount": amount, "now": now, "expiry": expiry})
        if next(self._hits) % self._purge_every == 0:
            self._run(_PURGE, (now,))
        count: int = rows[0][0]
        return count

    def get(self, key: str) -> int:
        rows, _ = self._run(_COUNT, (key, self._clock()))
        return int(rows[0][0]) if rows else 0

    def get_expiry(self, key: str) -> float:
        now = self._clock()
        rows, _ = self._run(_EXPIRY, (key, now))
        return float(rows[0][0]) if rows else now

    def check(self) -> bool:
        try:
            self._run("SELECT 1")
        except (sqlite3.Error, OSError):
            return False
        return True

    def reset(self) -> int | None:
        _, deleted = self._run("DELETE FROM hits")
        return deleted

    def clear(self, key: str) -> None:
        self._run("DELETE FROM hits WHERE key = ?", (key,))

    def _run(self, sql: str, parameters: Any = ()) -> tuple[list[Any], int]:
        """Execute one statement in its own transaction; on any error drop this thread's
        connection, so the next call starts afresh (after a lock timeout, or once a broken file
        was replaced)."""
        try:
            cursor = self._connection().execute(sql, parameters)
            return cursor.fetchall(), cursor.rowcount
        except (sqlite3.Error, OSError):
            self._forget_connection()
            raise

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
        return connection

    def _forget_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=SETUP_TIMEOUT_SECONDS, isolation_level=None)
        try:
            _set_up(connection)
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        except BaseException:
            connection.close()
            raise
        return connection


def _set_up(connection: sqlite3.Connection) -> None:
    """WAL and the schema, retried until SETUP_TIMEOUT_SECONDS: SQLite answers a journal-mode
    switch that meets another process's with "locked" at once, without its busy wait."""
    deadline = time.monotonic() + SETUP_TIMEOUT_SECONDS
    while True:
        try:
            # WAL: writers append, readers never block. synchronous=OFF: no fsync at all; a
            # crashed process loses nothing, and the counts are not worth a disk flush per
            # check (an OS crash may lose or damage the file: see README, "Rate limits").
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")
            # CREATE INDEX IF NOT EXISTS takes the write lock even when the index exists.
            if not connection.execute(_SCHEMA_DONE).fetchall():
                for statement in _SCHEMA:
                    connection.execute(statement)
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)
