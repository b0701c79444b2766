"""Export everything stored about a teen (every table with a `teen_id` column); deleting it
all is `teens.delete_teen`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from alertsvc.db.repositories import privacy as privacy_rows


def export_teen(session: Session, teen_id: str) -> dict[str, Any]:
    """Every row about the teen, by table name, without the digests of secrets."""
    return privacy_rows.export_teen(session, teen_id)
