"""Exhibitions can be taken down from public view, live or archived (issue 24, takedown): `withdrawn_at`.

Items need no column: their takedown is the review workflow's `withdrawn` status, its reason the audit event's.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-09 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    # Not in batch mode: a nullable column is added in place, and SQLite then rebuilds nothing (a rebuild of
    # `exhibitions` would cascade through its sections, entries and codes).
    op.add_column("exhibitions", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # SQLite (3.35 and later) drops a column in place too.
    op.drop_column("exhibitions", "withdrawn_at")
