"""Typed rows. No behaviour here: repositories translate rows to domain values.

Every table that holds data about a teen carries a `teen_id` column (directly, or through a
nudge for acks), so export and delete can walk the metadata and miss nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from alertsvc.db.base import Base, UTCDateTime


class Parent(Base):
    __tablename__ = "parents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The name the parent's teens see (`/v1/me`); unset, it is the email's part before `@`.
    display_name: Mapped[str | None] = mapped_column(String(60))
    # The pages' language the parent picked (BCP 47); unset, the browser's Accept-Language.
    language: Mapped[str | None] = mapped_column(String(35))


class ParentToken(Base):
    """Bearer tokens (kind `api`) and server-side page sessions (kind `session`).

    Only the SHA-256 of a token is stored.
    """

    __tablename__ = "parent_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent_id: Mapped[str] = mapped_column(ForeignKey("parents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Teen(Base):
    __tablename__ = "teens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    nickname: Mapped[str] = mapped_column(String(40))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    subdivision: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Guardianship(Base):
    __tablename__ = "guardianships"

    teen_id: Mapped[str] = mapped_column(
        ForeignKey("teens.id", ondelete="CASCADE"), primary_key=True
    )
    parent_id: Mapped[str] = mapped_column(
        ForeignKey("parents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScheduleRow(Base):
    __tablename__ = "schedules"

    teen_id: Mapped[str] = mapped_column(
        ForeignKey("teens.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer)
    # {"mon": [["08:15", "11:45"], ...], ...}: small, always read whole.
    weekly: Mapped[dict[str, Any]] = mapped_column(JSON)
    term_first_day: Mapped[date | None] = mapped_column(Date)
    term_last_day: Mapped[date | None] = mapped_column(Date)
    observe_public_holidays: Mapped[bool] = mapped_column(Boolean)
    grace_minutes: Mapped[int] = mapped_column(Integer)
    min_interval_minutes: Mapped[int] = mapped_column(Integer)
    max_per_day: Mapped[int] = mapped_column(Integer)
    snooze_minutes: Mapped[int] = mapped_column(Integer)
    away_threshold_minutes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExceptionRow(Base):
    __tablename__ = "exceptions"
    __table_args__ = (
        UniqueConstraint("teen_id", "source_uid", name="uq_exceptions_teen_uid"),
        CheckConstraint("first_day <= last_day", name="day_order"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    teen_id: Mapped[str] = mapped_column(ForeignKey("teens.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    windows: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(String(200))
    # iCalendar UID for imported events: a re-import updates the row instead of adding one.
    source_uid: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Creation order, so "most recently created wins" has no ties.
    seq: Mapped[int] = mapped_column(BigInteger)


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    teen_id: Mapped[str] = mapped_column(ForeignKey("teens.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    paired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The app's language (BCP 47), used by checks that carry no Accept-Language.
    locale: Mapped[str | None] = mapped_column(String(35))


class PairingCode(Base):
    __tablename__ = "pairing_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    teen_id: Mapped[str] = mapped_column(ForeignKey("teens.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TeenState(Base):
    """The small per-teen state the decision needs; `version` makes updates compare-and-set."""

    __tablename__ = "teen_states"

    teen_id: Mapped[str] = mapped_column(
        ForeignKey("teens.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Local date of the nudges counted in `day_marks`; one mark per nudge that day.
    day: Mapped[date | None] = mapped_column(Date)
    day_marks: Mapped[str] = mapped_column(String(64), default="")
    last_nudge_id: Mapped[str | None] = mapped_column(String(32))
    last_nudge_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_nudge_acked: Mapped[bool] = mapped_column(Boolean, default=False)


class Nudge(Base):
    __tablename__ = "nudges"
    __table_args__ = (Index("ix_nudges_teen_id_at", "teen_id", "at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    teen_id: Mapped[str] = mapped_column(ForeignKey("teens.id", ondelete="CASCADE"))
    device_id: Mapped[str | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    local_date: Mapped[date] = mapped_column(Date)
    day_index: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    explanation: Mapped[str] = mapped_column(Text)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(500))
    experiment_key: Mapped[str | None] = mapped_column(String(64), index=True)
    variant_key: Mapped[str | None] = mapped_column(String(64))
    schedule_version: Mapped[int] = mapped_column(Integer)


class Ack(Base):
    __tablename__ = "acks"
    __table_args__ = (UniqueConstraint("nudge_id", "action", name="uq_acks_nudge_action"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nudge_id: Mapped[str] = mapped_column(ForeignKey("nudges.id", ondelete="CASCADE"))
    teen_id: Mapped[str] = mapped_column(ForeignKey("teens.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    comment: Mapped[str | None] = mapped_column(String(500))
    # When a guardian first saw a `report_wrong` on the teen's activity page; until then the
    # parents' pages mark the report as new.
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Experiment(Base):
    __tablename__ = "experiments"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16))
    traffic_percent: Mapped[int] = mapped_column(Integer)
    # [{"key": ..., "weight": ..., "params": {...}}, ...]
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    targeting: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Every weight setting the experiment has had, oldest first: [{variant key: weight}, ...].
    # An exposure records the index of the one it was assigned under (`weights_version`).
    weight_history: Mapped[list[dict[str, float]]] = mapped_column(
        JSON, server_default=text("'[]'")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Exposure(Base):
    """First exposure of a teen to an experiment: the sticky assignment (one row, ever)."""

    __tablename__ = "exposures"

    experiment_key: Mapped[str] = mapped_column(
        ForeignKey("experiments.key", ondelete="CASCADE"), primary_key=True
    )
    teen_id: Mapped[str] = mapped_column(
        ForeignKey("teens.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    variant_key: Mapped[str] = mapped_column(String(64))
    exposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The experiment's weight setting in force when the teen was assigned (an index into
    # `Experiment.weight_history`), so the sample-ratio test compares with what was in force.
    weights_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class ExperimentRollup(Base):
    """Per-variant counters computed by the worker for the results page."""

    __tablename__ = "experiment_rollups"

    experiment_key: Mapped[str] = mapped_column(
        ForeignKey("experiments.key", ondelete="CASCADE"), primary_key=True
    )
    variant_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExperimentTally(Base):
    """Counts that retention removed: attributed nudges (`metric` "nudges") and their acks
    (`metric` the ack action) per variant, added in the purge's transaction, so an
    experiment's results never shrink when its nudges pass the retention period. No teen ids."""

    __tablename__ = "experiment_tallies"

    experiment_key: Mapped[str] = mapped_column(
        ForeignKey("experiments.key", ondelete="CASCADE"), primary_key=True
    )
    variant_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


class DefinitionVersion(Base):
    """A counter per kind of definition that every check reads in its own query (today only
    "experiments"), bumped in the transaction of each change: a process reloads its copy of
    the definitions exactly when the counter it reads has moved."""

    __tablename__ = "definition_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class ServiceFlag(Base):
    """Operator switches, such as the kill switch."""

    __tablename__ = "service_flags"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(254))


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class RateCounter(Base):
    """Fixed-window failure counters shared by every process (keys are hashed)."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class WorkerLease(Base):
    """SQLite's stand-in for PostgreSQL's advisory lock: one active worker at a time."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
