"""Search outbox in core: a task names the changed record (`record_id`), not an item.

The outbox moved from archive/ to core/search/, which knows no items. The column is only
renamed: queued tasks are kept and index document ids are unchanged, so no reindex is needed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 03:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index(op.f("ix_search_tasks_item_id"), table_name="search_tasks")
    with op.batch_alter_table("search_tasks") as batch_op:
        batch_op.alter_column("item_id", new_column_name="record_id", existing_type=sa.Integer(), existing_nullable=False)
    op.create_index(op.f("ix_search_tasks_record_id"), "search_tasks", ["record_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_search_tasks_record_id"), table_name="search_tasks")
    with op.batch_alter_table("search_tasks") as batch_op:
        batch_op.alter_column("record_id", new_column_name="item_id", existing_type=sa.Integer(), existing_nullable=False)
    op.create_index(op.f("ix_search_tasks_item_id"), "search_tasks", ["item_id"], unique=False)
