"""Everything stored about a teen, found by walking the table metadata.

Any table with a `teen_id` column holds data about a teen, so a table added later is
exported and deleted without anyone remembering to list it here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import FromClause, Table, delete, select
from sqlalchemy.orm import Session

from alertsvc.db.base import Base
from alertsvc.db.models import Teen

# Secrets are stored only as digests; even those stay out of an export.
SECRET_COLUMNS = frozenset({"token_hash", "code_hash"})


def teen_tables() -> list[Table]:
    """Every table holding data about a teen, children before parents."""
    return [t for t in reversed(Base.metadata.sorted_tables) if "teen_id" in t.c]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(
    session: Session, table: FromClause, column_name: str, teen_id: str
) -> list[dict[str, Any]]:
    columns = [c for c in table.c if c.name not in SECRET_COLUMNS]
    rows = session.execute(select(*columns).where(table.c[column_name] == teen_id))
    return [{str(k): _plain(v) for k, v in row._asdict().items()} for row in rows]


def export_teen(session: Session, teen_id: str) -> dict[str, Any]:
    """Every row about the teen, by table name (the teen's own row under "teen")."""
    data: dict[str, Any] = {"teen": _rows(session, Teen.__table__, "id", teen_id)}
    for table in sorted(teen_tables(), key=lambda t: t.name):
        data[str(table.name)] = _rows(session, table, "teen_id", teen_id)
    return data


def delete_teen(session: Session, teen_id: str) -> None:
    """Delete every row about the teen, children first (no reliance on FK cascades)."""
    for table in teen_tables():
        session.execute(delete(table).where(table.c.teen_id == teen_id))
    session.execute(delete(Teen).where(Teen.id == teen_id))
