"""The content generation: one row counting the transactions that changed public content, which every web
process's cache of public pages (core.page_cache) reads to know its answers are still current.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-10 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "content_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade():
    op.drop_table("content_generation")
