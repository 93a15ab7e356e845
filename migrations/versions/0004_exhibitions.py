"""Exhibitions: sets per venue with texts per language, sections, entries, QR links and daily scan counts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:39:03.581058

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exhibitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('mode', sa.Enum('in_person', 'online', 'both', name='exhibitionmode', native_enum=False, length=16), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=True),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.Column('primary_language', sa.String(length=35), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('fallback_chain', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'archived', name='exhibitionstatus', native_enum=False, length=16), nullable=False),
    sa.Column('is_framework', sa.Boolean(), nullable=False),
    sa.Column('derived_from_id', sa.Integer(), nullable=True),
    sa.Column('declined_sources', sa.JSON(), nullable=False),
    sa.Column('frozen', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_exhibitions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['derived_from_id'], ['exhibitions.id'], name=op.f('fk_exhibitions_derived_from_id_exhibitions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['venue_id'], ['places.id'], name=op.f('fk_exhibitions_venue_id_places'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exhibitions')),
    sa.UniqueConstraint('code', name=op.f('uq_exhibitions_code'))
    )
    with op.batch_alter_table('exhibitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exhibitions_derived_from_id'), ['derived_from_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exhibitions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_exhibitions_venue_id'), ['venue_id'], unique=False)

    op.create_table('exhibition_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exhibition_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('source_section_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['exhibition_id'], ['exhibitions.id'], name=op.f('fk_exhibition_sections_exhibition_id_exhibitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_section_id'], ['exhibition_sections.id'], name=op.f('fk_exhibition_sections_source_section_id_exhibition_sections'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exhibition_sections'))
    )
    with op.batch_alter_table('exhibition_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exhibition_sections_exhibition_id'), ['exhibition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exhibition_sections_source_section_id'), ['source_section_id'], unique=False)

    op.create_table('exhibition_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exhibition_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=35), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('introduction', sa.Text(), nullable=True),
    sa.Column('state', sa.Enum('machine', 'draft', 'reviewed', name='textstate', native_enum=False, length=16), nullable=False),
    sa.ForeignKeyConstraint(['exhibition_id'], ['exhibitions.id'], name=op.f('fk_exhibition_texts_exhibition_id_exhibitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exhibition_texts')),
    sa.UniqueConstraint('exhibition_id', 'lang', name=op.f('uq_exhibition_texts_exhibition_id_lang'))
    )
    with op.batch_alter_table('exhibition_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exhibition_texts_exhibition_id'), ['exhibition_id'], unique=False)

    op.create_table('qr_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('exhibition_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.Enum('exhibition', 'section', 'entry', 'ebook', name='qrtarget', native_enum=False, length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('lang', sa.String(length=35), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['exhibition_id'], ['exhibitions.id'], name=op.f('fk_qr_links_exhibition_id_exhibitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_links')),
    sa.UniqueConstraint('code', name=op.f('uq_qr_links_code'))
    )
    with op.batch_alter_table('qr_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qr_links_exhibition_id'), ['exhibition_id'], unique=False)

    op.create_table('exhibition_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('panel_number', sa.String(length=20), nullable=True),
    sa.Column('captions', sa.JSON(), nullable=False),
    sa.Column('source_entry_id', sa.Integer(), nullable=True),
    sa.Column('source_state', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_exhibition_entries_item_id_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['section_id'], ['exhibition_sections.id'], name=op.f('fk_exhibition_entries_section_id_exhibition_sections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_entry_id'], ['exhibition_entries.id'], name=op.f('fk_exhibition_entries_source_entry_id_exhibition_entries'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exhibition_entries'))
    )
    with op.batch_alter_table('exhibition_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exhibition_entries_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exhibition_entries_section_id'), ['section_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exhibition_entries_source_entry_id'), ['source_entry_id'], unique=False)

    op.create_table('qr_scan_days',
    sa.Column('qr_link_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['qr_link_id'], ['qr_links.id'], name=op.f('fk_qr_scan_days_qr_link_id_qr_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('qr_link_id', 'day', name=op.f('pk_qr_scan_days'))
    )


def downgrade():
    op.drop_table('qr_scan_days')
    with op.batch_alter_table('exhibition_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exhibition_entries_source_entry_id'))
        batch_op.drop_index(batch_op.f('ix_exhibition_entries_section_id'))
        batch_op.drop_index(batch_op.f('ix_exhibition_entries_item_id'))

    op.drop_table('exhibition_entries')
    with op.batch_alter_table('qr_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qr_links_exhibition_id'))

    op.drop_table('qr_links')
    with op.batch_alter_table('exhibition_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exhibition_texts_exhibition_id'))

    op.drop_table('exhibition_texts')
    with op.batch_alter_table('exhibition_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exhibition_sections_source_section_id'))
        batch_op.drop_index(batch_op.f('ix_exhibition_sections_exhibition_id'))

    op.drop_table('exhibition_sections')
    with op.batch_alter_table('exhibitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exhibitions_venue_id'))
        batch_op.drop_index(batch_op.f('ix_exhibitions_status'))
        batch_op.drop_index(batch_op.f('ix_exhibitions_derived_from_id'))

    op.drop_table('exhibitions')
