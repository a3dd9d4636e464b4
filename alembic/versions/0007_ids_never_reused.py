"""Ids are never reused: on SQLite, tables whose rows users delete get AUTOINCREMENT, so a
link to a deleted story, conversation, message or document never opens a newer one.
(PostgreSQL sequences never reuse ids; nothing changes there.)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 15:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("stories", "conversations", "chat_messages", "documents")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
