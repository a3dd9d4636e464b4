"""A judge's verdict on a comparison: scores with reasons per framework, the ranking, and the
labels the stories were shown under (or why judging failed).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "comparison_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comparison_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("judge_model", sa.String(length=200), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("ranking", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("estimated_cost_usd", sa.BigInteger(), nullable=False),
        sa.Column("judge_time_ms", sa.Float(), nullable=False),
        sa.Column("transaction_guid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_comparison_verdicts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparison_verdicts")),
        sa.UniqueConstraint("comparison_id", name=op.f("uq_comparison_verdicts_comparison_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_comparison_verdicts_user_id", "comparison_verdicts", ["user_id"], unique=False
    )
    op.create_index(
        "ix_comparison_verdicts_transaction_guid",
        "comparison_verdicts",
        ["transaction_guid"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("comparison_verdicts")
