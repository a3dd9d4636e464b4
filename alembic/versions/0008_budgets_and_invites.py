"""Budgets and invites: a monthly budget per user, open spend reservations, single-use invite
codes, and an index for a user's spend over a period.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("monthly_budget_usd", sa.BigInteger(), nullable=True))
    op.create_table(
        "spend_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("transaction_guid", sa.String(length=36), nullable=False),
        sa.Column("framework", sa.String(length=32), nullable=False),
        sa.Column("amount_usd", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_spend_reservations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spend_reservations")),
    )
    op.create_index(
        op.f("ix_spend_reservations_user_id"), "spend_reservations", ["user_id"], unique=False
    )
    op.create_index(
        op.f("ix_spend_reservations_expires_at"), "spend_reservations", ["expires_at"], unique=False
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_invites_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["used_by"], ["users.id"], name=op.f("fk_invites_used_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invites_code_hash")),
    )
    op.create_index(
        "ix_llm_calls_user_id_created_at", "llm_calls", ["user_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_llm_calls_user_id_created_at", table_name="llm_calls")
    op.drop_table("invites")
    op.drop_index(op.f("ix_spend_reservations_expires_at"), table_name="spend_reservations")
    op.drop_index(op.f("ix_spend_reservations_user_id"), table_name="spend_reservations")
    op.drop_table("spend_reservations")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("monthly_budget_usd")
