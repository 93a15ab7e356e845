"""Indexes for lists of items newest change first, read by keyset (core.pagination): a page after a cursor
starts from its row instead of reading and skipping every row before it.

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-09 10:00:00

"""

from alembic import op

revision = "0022"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX: no batch mode, which could make SQLite copy the items table.
    op.create_index("ix_items_updated_at_id", "items", ["updated_at", "id"], unique=False)
    op.create_index("ix_items_status_updated_at_id", "items", ["status", "updated_at", "id"], unique=False)


def downgrade():
    op.drop_index("ix_items_status_updated_at_id", table_name="items")
    op.drop_index("ix_items_updated_at_id", table_name="items")
