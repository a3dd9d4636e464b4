"""The structured log for the administrators' log viewer (bounded: the newest rows are kept).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("level_number", sa.Integer(), nullable=False),
        sa.Column("logger", sa.String(length=120), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("transaction_guid", sa.String(length=36), nullable=True),
        sa.Column("instance_id", sa.String(length=36), nullable=True),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_entries")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_log_entries_request_id", "log_entries", ["request_id"])
    op.create_index("ix_log_entries_transaction_guid", "log_entries", ["transaction_guid"])
    op.create_index("ix_log_entries_created_at", "log_entries", ["created_at"])


def downgrade() -> None:
    op.drop_table("log_entries")
