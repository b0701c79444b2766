"""Bench databases: N teens with schedules and paired devices, seeded with Core bulk inserts
(executemany on SQLite, COPY on PostgreSQL). Device i's bearer token is `token(i)`."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import Engine, create_engine, func, insert, select, text

from alertsvc.db.base import Base
from alertsvc.db.models import Device, ScheduleRow, Teen
from alertsvc.services.ids import digest
from bench.common import out_dir

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CHUNK = 20_000
# Zones spread over the day: at any instant some teens are in school (nudges, caps,
# re-deliveries) and most are not (outside hours, weekends), as in a real fleet.
ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "Pacific/Honolulu", "Pacific/Auckland", "Australia/Sydney", "Asia/Tokyo",
    "Asia/Bangkok", "Asia/Kolkata", "Asia/Dubai", "Europe/Athens", "Europe/Berlin",
    "Europe/London", "America/Sao_Paulo", "Atlantic/Azores", "Asia/Shanghai",
    "America/Anchorage", "Pacific/Guam", "Asia/Karachi", "Africa/Nairobi", "Asia/Dhaka",
    "America/Halifax", "Pacific/Tongatapu",
)  # fmt: skip
STARTS = ("07:45", "08:00", "08:15", "08:30")


def token(i: int) -> str:
    return f"bench-device-token-{i:08d}"


def teen_id(i: int) -> str:
    return f"teen_b{i:08d}"


def url_for(db: str, teens: int) -> str:
    if db == "sqlite":
        return f"sqlite:///{out_dir() / f'bench-{teens}.db'}"
    if db == "postgres":
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/alertsvc_bench_{teens}"
    raise ValueError(f"unknown database {db!r}")


def _rows(n: int, school_zone: str, now: datetime) -> Iterator[tuple[dict[str, object], ...]]:
    for i in range(n):
        # Half the teens sit in a zone where school is in session when the bench runs.
        zone = school_zone if i % 2 == 0 else ZONES[i % len(ZONES)]
        start = STARTS[i % len(STARTS)]
        days = {d: [[start, "15:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
        days["sat"], days["sun"] = [], []
        yield (
            {"id": teen_id(i), "nickname": f"t{i}", "timezone": zone, "country": "US",
             "subdivision": None, "created_at": now},
            {"teen_id": teen_id(i), "version": 1, "weekly": days, "term_first_day": None,
             "term_last_day": None, "observe_public_holidays": i % 10 == 0, "grace_minutes": 10,
             "min_interval_minutes": 30, "max_per_day": 4, "snooze_minutes": 30,
             "away_threshold_minutes": 90, "updated_at": now},
            {"id": f"dev_b{i:08d}", "teen_id": teen_id(i), "token_hash": digest(token(i)),
             "platform": "ios", "paired_at": now, "last_seen_at": now},
        )  # fmt: skip


def _count(engine: Engine) -> int:
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(Device)) or 0)
    except Exception:
        return -1


def _create_pg_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _copy_pg(engine: Engine, tables: list[tuple[str, list[dict[str, object]]]]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for table, rows in tables:
            cols = list(rows[0])
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(
                        [json.dumps(v) if isinstance(v, dict) else v for v in row.values()]
                    )
        raw.commit()
    finally:
        raw.close()


def ensure_database(db: str, teens: int, school_zone: str) -> str:
    """A database with `teens` teens (reused when already seeded); returns its URL."""
    url = url_for(db, teens)
    engine = create_engine(url)
    if _count(engine) == teens:
        engine.dispose()
        return url
    engine.dispose()
    if db == "postgres":
        _create_pg_database(f"alertsvc_bench_{teens}")
    else:
        path = out_dir() / f"bench-{teens}.db"
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    started = time.perf_counter()
    now = datetime.now(UTC)
    batch: list[tuple[dict[str, object], ...]] = []
    for rows in _rows(teens, school_zone, now):
        batch.append(rows)
        if len(batch) >= CHUNK:
            _insert(engine, db, batch)
            batch = []
    if batch:
        _insert(engine, db, batch)
    if db == "postgres":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    engine.dispose()
    print(f"seeded {teens} teens into {db} in {time.perf_counter() - started:.1f}s")
    return url


def _insert(engine: Engine, db: str, batch: list[tuple[dict[str, object], ...]]) -> None:
    teens = [b[0] for b in batch]
    schedules = [b[1] for b in batch]
    devices = [b[2] for b in batch]
    if db == "postgres":
        _copy_pg(engine, [("teens", teens), ("schedules", schedules), ("devices", devices)])
        return
    with engine.begin() as conn:
        conn.execute(insert(Teen), teens)
        conn.execute(insert(ScheduleRow), schedules)
        conn.execute(insert(Device), devices)


def drop_postgres(teens: int) -> None:
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", f"alertsvc_bench_{teens}"],
        check=False,
    )
