"""Documents (extracted text and metadata) and prompt runs over them; ledger rows point at runs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:15:01.785956
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "context_executions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("file_ids", sa.String(length=500), nullable=False),
        sa.Column("framework", sa.String(length=32), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=False),
        sa.Column("user_prompt", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("strategy", sa.String(length=16), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("estimated_cost_usd", sa.BigInteger(), nullable=False),
        sa.Column("file_processing_time_ms", sa.Float(), nullable=False),
        sa.Column("llm_execution_time_ms", sa.Float(), nullable=False),
        sa.Column("total_execution_time_ms", sa.Float(), nullable=False),
        sa.Column("transaction_guid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_context_executions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_context_executions")),
    )
    with op.batch_alter_table("context_executions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_context_executions_user_id_created_at", ["user_id", "created_at"], unique=False
        )

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_type", sa.String(length=8), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("characters", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("processing_time_ms", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_documents_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("public_id", name=op.f("uq_documents_public_id")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_documents_user_id_created_at", ["user_id", "created_at"], unique=False
        )

    with op.batch_alter_table("llm_calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("context_execution_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_llm_calls_context_execution_id"), ["context_execution_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_llm_calls_context_execution_id_context_executions"),
            "context_executions",
            ["context_execution_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("llm_calls", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_llm_calls_context_execution_id_context_executions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_llm_calls_context_execution_id"))
        batch_op.drop_column("context_execution_id")

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_user_id_created_at")

    op.drop_table("documents")
    with op.batch_alter_table("context_executions", schema=None) as batch_op:
        batch_op.drop_index("ix_context_executions_user_id_created_at")

    op.drop_table("context_executions")
