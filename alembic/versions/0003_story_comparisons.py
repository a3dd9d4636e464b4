"""Stories remember the comparison (all three frameworks, one input) they were part of.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("comparison_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_stories_comparison_id"), ["comparison_id"])


def downgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stories_comparison_id"))
        batch_op.drop_column("comparison_id")
