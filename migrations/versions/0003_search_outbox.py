"""Search outbox: one row per item change, applied to the full-text index after commit.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 06:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_tasks")),
    )
    op.create_index(op.f("ix_search_tasks_item_id"), "search_tasks", ["item_id"], unique=False)
    # Items that exist before the index does: queue them all so the first worker run
    # (or the app's first save) indexes them.
    op.execute("INSERT INTO search_tasks (item_id, created_at) SELECT id, CURRENT_TIMESTAMP FROM items")


def downgrade():
    op.drop_index(op.f("ix_search_tasks_item_id"), table_name="search_tasks")
    op.drop_table("search_tasks")
