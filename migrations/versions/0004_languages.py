"""languages: a parent's page language and a device's locale (SPEC §10)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 17:45:00.000000

- parents.language: the language the parent picked for the pages (a BCP 47 tag such as
  `de` or `pt-BR`); empty, the pages follow the browser's Accept-Language.
- devices.locale: the locale a teen's app stored (`POST /v1/devices`, `PATCH /v1/me`); its
  checks use it when they carry no Accept-Language.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("parents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=35), nullable=True))
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=35), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("locale")
    with op.batch_alter_table("parents", schema=None) as batch_op:
        batch_op.drop_column("language")
