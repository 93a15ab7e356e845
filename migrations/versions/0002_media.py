"""Media: page count and text source of each file; fixity runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 06:23:40.358628

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fixity_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('altered', sa.Integer(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fixity_runs'))
    )
    with op.batch_alter_table('fixity_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fixity_runs_started_at'), ['started_at'], unique=False)

    with op.batch_alter_table('media_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pages', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('text_source', sa.String(length=16), nullable=True))



def downgrade():
    with op.batch_alter_table('media_files', schema=None) as batch_op:
        batch_op.drop_column('text_source')
        batch_op.drop_column('pages')

    with op.batch_alter_table('fixity_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fixity_runs_started_at'))

    op.drop_table('fixity_runs')
