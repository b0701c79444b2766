"""experiment definitions version, weight history and retention tallies

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 10:00:00.000000

- definition_versions: the counter every check reads in its own query, bumped by every
  experiment change, so running experiments are reloaded exactly when they changed.
- experiments.weight_history and exposures.weights_version: the weights in force when each
  teen was exposed, for the sample-ratio test. Existing experiments start their history
  with their current weights, and existing exposures point at it (version 0).
- experiment_tallies: per-variant counts of nudges and acks that retention removed.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "definition_versions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_definition_versions")),
    )
    op.create_table(
        "experiment_tallies",
        sa.Column("experiment_key", sa.String(length=64), nullable=False),
        sa.Column("variant_key", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_key"],
            ["experiments.key"],
            name=op.f("fk_experiment_tallies_experiment_key_experiments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "experiment_key", "variant_key", "metric", name=op.f("pk_experiment_tallies")
        ),
    )
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("weight_history", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
    with op.batch_alter_table("exposures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("weights_version", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )

    connection = op.get_bind()
    experiments = sa.table(
        "experiments",
        sa.column("key", sa.String()),
        sa.column("variants", sa.JSON()),
        sa.column("weight_history", sa.JSON()),
    )
    for key, variants in connection.execute(sa.select(experiments.c.key, experiments.c.variants)):
        if isinstance(variants, str):
            variants = json.loads(variants)
        weights = {variant["key"]: float(variant["weight"]) for variant in variants}
        connection.execute(
            experiments.update().where(experiments.c.key == key).values(weight_history=[weights])
        )


def downgrade() -> None:
    with op.batch_alter_table("exposures", schema=None) as batch_op:
        batch_op.drop_column("weights_version")
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.drop_column("weight_history")
    op.drop_table("experiment_tallies")
    op.drop_table("definition_versions")
