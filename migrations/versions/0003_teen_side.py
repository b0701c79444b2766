"""the teen's side: parents' display names, and when a report was seen

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 14:00:00.000000

- parents.display_name: the name a parent's teens see in their app (`GET /v1/me`); empty,
  the app shows the part of the email before `@`.
- acks.seen_at: when a guardian first saw a `report_wrong` ack on the teen's activity page;
  the parents' pages mark reports without it as new. Existing acks stay unseen.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import alertsvc.db.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("parents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=60), nullable=True))
    with op.batch_alter_table("acks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("seen_at", alertsvc.db.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("acks", schema=None) as batch_op:
        batch_op.drop_column("seen_at")
    with op.batch_alter_table("parents", schema=None) as batch_op:
        batch_op.drop_column("display_name")
