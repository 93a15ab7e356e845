"""Printed panel codes, and an entry's own title per language.

`printed_panel_codes` keeps every panel code once labels, a catalogue or a book carried it, or the
exhibition was frozen: such a code is never given to another entry and keeps leading to its entry after
a renumber. Nothing is known to have been printed before this revision, so the table starts empty;
archived exhibitions are frozen already and no change can reach their codes.

`exhibition_entries.titles` holds an entry's title overrides for its exhibition, shaped as its captions;
entries made before get none (`{}`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "printed_panel_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibition_id", sa.Integer(), nullable=False),
        sa.Column("panel_key", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("printed_in", sa.Enum("labels", "catalogue", "book", "offline", "archive", name="printedin",
                                        native_enum=False, length=16), nullable=False),  # fmt: skip
        sa.Column("printed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["exhibition_id"], ["exhibitions.id"],
                                name=op.f("fk_printed_panel_codes_exhibition_id_exhibitions"),
                                ondelete="CASCADE"),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_printed_panel_codes")),
        sa.UniqueConstraint("exhibition_id", "panel_key", name=op.f("uq_printed_panel_codes_exhibition_id_panel_key")),
    )
    with op.batch_alter_table("printed_panel_codes") as batch_op:
        batch_op.create_index(batch_op.f("ix_printed_panel_codes_exhibition_id"), ["exhibition_id"], unique=False)

    # Added empty, filled, then made required: no server default stays behind the model's.
    with op.batch_alter_table("exhibition_entries") as batch_op:
        batch_op.add_column(sa.Column("titles", sa.JSON(), nullable=True))
    op.execute("UPDATE exhibition_entries SET titles = '{}'")
    with op.batch_alter_table("exhibition_entries") as batch_op:
        batch_op.alter_column("titles", existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table("exhibition_entries") as batch_op:
        batch_op.drop_column("titles")
    with op.batch_alter_table("printed_panel_codes") as batch_op:
        batch_op.drop_index(batch_op.f("ix_printed_panel_codes_exhibition_id"))
    op.drop_table("printed_panel_codes")
