"""Engine and session factory. The edge (a request or a job) owns each transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import Pool

from alertsvc.config import Settings, normalize_database_url


def make_engine(settings: Settings) -> Engine:
    url = normalize_database_url(settings.database_url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": settings.db_timeout_seconds * 5},
            pool_pre_ping=False,
            hide_parameters=True,  # no statement's values in an error message (logs.py)
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    timeout_ms = settings.db_timeout_seconds * 1000
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_timeout_seconds,
        # No ping per checkout (it cost a round trip on every request): a connection found
        # dead when used invalidates the whole pool, that request answers 503 + Retry-After
        # (the check retries its read once instead, see edge.read), the next ones reconnect.
        pool_pre_ping=False,
        hide_parameters=True,  # no statement's values in an error message (logs.py)
        connect_args={
            "connect_timeout": settings.db_timeout_seconds,
            # A silently dead network path must not hold a connection (or the worker's
            # leader lock) open for the kernel's default of hours.
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
            "options": f"-c statement_timeout={timeout_ms * 3} -c lock_timeout={timeout_ms}",
        },
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


# What reads and single-statement writes run on: the ORM session of a request or job, or the
# check's autocommit connection (edge.reader) where a read costs no BEGIN/COMMIT round trips.
Executor = Session | Connection


def _bind(executor: Executor) -> Engine | Connection:
    return executor if isinstance(executor, Connection) else executor.get_bind()


def pool_of(executor: Executor) -> Pool:
    """The executor's connection pool: one per database, shared by the engine's variants with
    execution options (the reader's among them)."""
    return _bind(executor).engine.pool


def dialect_name(executor: Executor) -> str:
    return _bind(executor).dialect.name


def upsert(executor: Executor, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` in the executor's dialect, which has ON CONFLICT clauses."""
    if dialect_name(executor) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


@contextmanager
def orm(executor: Executor) -> Iterator[Session]:
    """An ORM session on the executor: itself, or a short-lived one on the connection."""
    if isinstance(executor, Session):
        yield executor
        return
    with Session(bind=executor) as session:
        yield session


def read_engine(engine: Engine) -> Engine:
    """The same engine and pool, for read-mostly paths: a read runs outside any transaction
    (no BEGIN/COMMIT round trips); a write on it is committed at once by `commit_now`.

    PostgreSQL: connections checked out in autocommit. SQLite: the engine itself, as pysqlite
    already runs a SELECT outside any transaction (it opens one only before a write); asking
    SQLAlchemy for AUTOCOMMIT there would cost a PRAGMA per checkin, which also throws away
    SQLite's prepared statements (measured: +100 us per check)."""
    if engine.dialect.name == "sqlite":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def commit_now(executor: Executor) -> None:
    """After a single-statement write: on an autocommit reader, make it durable now (a no-op on
    PostgreSQL, the end of pysqlite's implicit transaction on SQLite); in a session, nothing,
    as the session's owner commits."""
    if isinstance(executor, Connection):
        executor.commit()
