"""Write-ahead ledger: rows name the process that made them (app_instances heartbeats), so rows
left in flight by a dead process become `interrupted`; stories and answers keep the model's own
time; regenerated answers are kept as versions of one reply.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_instances",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_instances")),
    )
    with op.batch_alter_table("llm_calls") as batch:
        batch.add_column(sa.Column("instance_id", sa.String(length=36), nullable=True))
        batch.create_index("ix_llm_calls_status", ["status"])
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("model_time_ms", sa.Float(), nullable=True))
    with op.batch_alter_table("chat_messages") as batch:
        batch.add_column(sa.Column("reply_to_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("model_time_ms", sa.Float(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_chat_messages_reply_to_id_chat_messages"),
            "chat_messages",
            ["reply_to_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_chat_messages_reply_to_id"), ["reply_to_id"])
    # Existing answers reply to the question just before them.
    op.execute(
        """
        UPDATE chat_messages SET reply_to_id = (
            SELECT MAX(q.id) FROM chat_messages AS q
            WHERE q.conversation_id = chat_messages.conversation_id
              AND q.id < chat_messages.id AND q.role = 'user'
        )
        WHERE role = 'assistant'
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("chat_messages") as batch:
        batch.drop_index(op.f("ix_chat_messages_reply_to_id"))
        batch.drop_constraint(
            op.f("fk_chat_messages_reply_to_id_chat_messages"), type_="foreignkey"
        )
        batch.drop_column("model_time_ms")
        batch.drop_column("reply_to_id")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("model_time_ms")
    with op.batch_alter_table("llm_calls") as batch:
        batch.drop_index("ix_llm_calls_status")
        batch.drop_column("instance_id")
    op.drop_table("app_instances")
