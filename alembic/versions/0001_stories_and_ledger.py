"""Stories and the ledger (llm_calls): one row per provider call; money in nano-dollars.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 08:02:19.087019
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("primary_character", sa.String(length=100), nullable=False),
        sa.Column("secondary_character", sa.String(length=100), nullable=False),
        sa.Column("genre", sa.String(length=50), nullable=True),
        sa.Column("length", sa.String(length=20), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("framework", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("generation_time_ms", sa.Float(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cached_tokens", sa.Integer(), nullable=False),
        sa.Column("total_tokens", sa.Integer(), nullable=False),
        sa.Column("estimated_cost_usd", sa.BigInteger(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("transaction_guid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
    )
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.create_index("ix_stories_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_stories_framework_created_at", ["framework", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stories_transaction_guid"), ["transaction_guid"], unique=False
        )

    op.create_table(
        "llm_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_guid", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("framework", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cached_tokens", sa.Integer(), nullable=False),
        sa.Column("tokens_estimated", sa.Boolean(), nullable=False),
        sa.Column("cost_usd", sa.BigInteger(), nullable=False),
        sa.Column("price_source", sa.String(length=32), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("time_to_first_token_ms", sa.Float(), nullable=True),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_llm_calls_story_id_stories"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_calls")),
    )
    with op.batch_alter_table("llm_calls", schema=None) as batch_op:
        batch_op.create_index("ix_llm_calls_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_llm_calls_framework_created_at", ["framework", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_llm_calls_story_id"), ["story_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_llm_calls_transaction_guid"), ["transaction_guid"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("llm_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_llm_calls_transaction_guid"))
        batch_op.drop_index(batch_op.f("ix_llm_calls_story_id"))
        batch_op.drop_index("ix_llm_calls_framework_created_at")
        batch_op.drop_index("ix_llm_calls_created_at")

    op.drop_table("llm_calls")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stories_transaction_guid"))
        batch_op.drop_index("ix_stories_framework_created_at")
        batch_op.drop_index("ix_stories_created_at")

    op.drop_table("stories")
