"""Items imported from a bag keep their identity: the source repository and their id there.

Nothing to carry over: no item was imported from a bag before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "imported_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("source_repository", sa.String(length=255), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("bag", sa.String(length=255), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_imported_items_item_id_items"),
                                ondelete="CASCADE"),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_items")),
        sa.UniqueConstraint("item_id", name=op.f("uq_imported_items_item_id")),
        sa.UniqueConstraint("source_repository", "source_id", name=op.f("uq_imported_items_source_repository_source_id")),
    )


def downgrade():
    op.drop_table("imported_items")
