"""Scans counted once per client, panel and day (qr_scan_visitors: a keyed hash and the day, rows of past
days deleted); fixity runs count stray files in the originals' folder.

Nothing to carry over: earlier scans stay counted as they were, earlier fixity runs found no stray file.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "qr_scan_visitors",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visitor", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", "visitor", name=op.f("pk_qr_scan_visitors")),
    )
    with op.batch_alter_table("fixity_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stray", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("fixity_runs", schema=None) as batch_op:
        batch_op.drop_column("stray")
    op.drop_table("qr_scan_visitors")
