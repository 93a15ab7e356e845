"""The OAI-PMH repository: its settings (one row), each exposed record's datestamp, deleted flag, digest and
sets, and the outbox of items whose record may have changed.

No record is carried over: every published item is queued in the outbox, so the first apply (after the next
change, `flask --app app oai worker --once` or `oai rebuild`) makes its record, dated when it runs, which is
right for a repository no one has harvested yet.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    repository = op.create_table(
        "oai_repository",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=255), nullable=True),
        sa.Column("identifier_set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("identifier_set_by_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("admin_email", sa.String(length=254), nullable=True),
        sa.Column("applying_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["identifier_set_by_id"], ["users.id"],
                                name=op.f("fk_oai_repository_identifier_set_by_id_users"), ondelete="SET NULL"),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oai_repository")),
    )
    op.bulk_insert(repository, [{"id": 1}])
    op.create_table(
        "oai_records",
        sa.Column("item_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("datestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_oai_records")),
    )
    op.create_index(op.f("ix_oai_records_datestamp"), "oai_records", ["datestamp"], unique=False)
    op.create_table(
        "oai_record_sets",
        sa.Column("spec", sa.String(length=120), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("spec", "item_id", name=op.f("pk_oai_record_sets")),
    )
    op.create_index(op.f("ix_oai_record_sets_item_id"), "oai_record_sets", ["item_id"], unique=False)
    op.create_table(
        "oai_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oai_tasks")),
    )
    op.create_index(op.f("ix_oai_tasks_item_id"), "oai_tasks", ["item_id"], unique=False)
    op.execute("INSERT INTO oai_tasks (item_id, created_at) SELECT id, CURRENT_TIMESTAMP FROM items "
               "WHERE status = 'published'")  # fmt: skip


def downgrade():
    op.drop_index(op.f("ix_oai_tasks_item_id"), table_name="oai_tasks")
    op.drop_table("oai_tasks")
    op.drop_index(op.f("ix_oai_record_sets_item_id"), table_name="oai_record_sets")
    op.drop_table("oai_record_sets")
    op.drop_index(op.f("ix_oai_records_datestamp"), table_name="oai_records")
    op.drop_table("oai_records")
    op.drop_table("oai_repository")
