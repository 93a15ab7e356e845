"""A harvested item's image service at its source, read from the record's IIIF manifest, for deep zoom.

Nothing to carry over: the next harvest that sees a record change reads its manifest.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-11 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("item_provenance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_service_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("image_service_type", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("image_service_profile", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("item_provenance", schema=None) as batch_op:
        batch_op.drop_column("image_service_profile")
        batch_op.drop_column("image_service_type")
        batch_op.drop_column("image_service_url")
