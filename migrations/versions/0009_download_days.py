"""Download counts of the publications: one row per exhibition, language, kind and day.

Like qr_scan_days, a count and nothing about who downloaded. Nothing to carry over: downloads
were not counted before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "download_days",
        sa.Column("exhibition_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("kind", sa.Enum("epub", "catalogue", "offline", name="publicationkind", native_enum=False,
                                  length=16), nullable=False),  # fmt: skip
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["exhibition_id"], ["exhibitions.id"],
                                name=op.f("fk_download_days_exhibition_id_exhibitions"), ondelete="CASCADE"),  # fmt: skip
        sa.PrimaryKeyConstraint("exhibition_id", "lang", "kind", "day", name=op.f("pk_download_days")),
    )


def downgrade():
    op.drop_table("download_days")
