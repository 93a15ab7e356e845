"""Structured rights: each item's rights become the URI of a RightsStatements.org statement or a Creative
Commons licence (archive.rights), read from the free text they were written in.

- `items.rights`: the text read by `archive.rights.from_text` — a statement's URI or name as such; a Creative
  Commons licence, public domain or a copyright notice (non-commercial or educational use permitted) named in
  a sentence; an empty one is Copyright Not Evaluated. What it cannot read becomes Copyright Not Evaluated.
- `items.rights_note` (new): the old text wherever it was more than a statement's name, so nothing is lost.
- `items.rights_flagged` (new): set where nothing could be read from the text, for an archivist's review.
- `items.updated_at` moves for the items whose rights changed, so harvesters see the new `dc:rights`.

The column keeps its type and stays nullable: changing either would have SQLite rebuild the items table,
whose DROP cascades into texts, media and entries. Downgrading writes the old text back where it was kept,
and NULL for the Copyright Not Evaluated this revision gave to items without rights.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:00:00

"""

import sqlalchemy as sa
from alembic import op

from archive.rights import NOT_EVALUATED, from_text

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 500
items = sa.table("items", sa.column("id", sa.Integer), sa.column("rights", sa.Text),
                 sa.column("rights_note", sa.Text), sa.column("rights_flagged", sa.Boolean),
                 sa.column("updated_at", sa.DateTime(timezone=True)))  # fmt: skip


def upgrade():
    op.add_column("items", sa.Column("rights_note", sa.Text(), nullable=True))
    op.add_column("items", sa.Column("rights_flagged", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(op.f("ix_items_rights_flagged"), "items", ["rights_flagged"], unique=False)
    connection = op.get_bind()
    rows = connection.execute(sa.select(items.c.id, items.c.rights).order_by(items.c.id)).all()
    changed = []
    for item_id, text in rows:
        reading = from_text(text)
        if reading.uri != text:
            changed.append({"item_id": item_id, "uri": reading.uri, "note": reading.note, "flagged": reading.flagged})
    update = (
        items.update()
        .where(items.c.id == sa.bindparam("item_id"))
        .values(rights=sa.bindparam("uri"), rights_note=sa.bindparam("note"), rights_flagged=sa.bindparam("flagged"),
                updated_at=sa.func.current_timestamp())
    )  # fmt: skip
    for start in range(0, len(changed), BATCH):
        connection.execute(update, changed[start : start + BATCH])


def downgrade():
    connection = op.get_bind()
    connection.execute(items.update().where(items.c.rights_note.is_not(None)).values(rights=items.c.rights_note))
    connection.execute(
        items.update()
        .where(items.c.rights == NOT_EVALUATED, items.c.rights_note.is_(None), items.c.rights_flagged.is_(False))
        .values(rights=None)
    )
    op.drop_index(op.f("ix_items_rights_flagged"), table_name="items")
    # Not in batch mode: SQLite (3.35 and later) drops a column in place, without rebuilding the table.
    op.drop_column("items", "rights_flagged")
    op.drop_column("items", "rights_note")
