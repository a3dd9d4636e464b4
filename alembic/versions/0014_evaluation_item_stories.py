"""Evaluation items found by their story: History tells an evaluation's stories apart from the
ones a user asked for, and deleting stories (which clears the items' `story_id`) does not scan
every item.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_evaluation_items_story_id", "evaluation_items", ["story_id"])


def downgrade() -> None:
    op.drop_index("ix_evaluation_items_story_id", table_name="evaluation_items")
