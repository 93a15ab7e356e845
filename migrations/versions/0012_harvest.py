"""Harvesting other repositories: the sources, the provenance of harvested items, harvest runs, and the
address a harvested image was fetched from.

Nothing to carry over: no item was harvested before. Items without provenance stay the archive's own.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "source_repositories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("base_url", sa.String(length=2000), nullable=False),
        sa.Column("set_spec", sa.String(length=200), nullable=True),
        sa.Column("repository_identifier", sa.String(length=255), nullable=True),
        sa.Column("repository_name", sa.String(length=255), nullable=True),
        sa.Column("granularity", sa.String(length=32), nullable=True),
        sa.Column("default_lang", sa.String(length=35), nullable=False),
        sa.Column("image_hosts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_repositories")),
        sa.UniqueConstraint("name", name=op.f("uq_source_repositories_name")),
    )
    with op.batch_alter_table("source_repositories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_repositories_repository_identifier"), ["repository_identifier"],
                              unique=False)  # fmt: skip
    op.create_table(
        "item_provenance",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("oai_identifier", sa.String(length=255), nullable=False),
        sa.Column("datestamp", sa.String(length=32), nullable=False),
        sa.Column("source_url", sa.String(length=2000), nullable=True),
        sa.Column("manifest_url", sa.String(length=2000), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("harvested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_item_provenance_item_id_items"),
                                ondelete="CASCADE"),  # fmt: skip
        sa.ForeignKeyConstraint(["repository_id"], ["source_repositories.id"],
                                name=op.f("fk_item_provenance_repository_id_source_repositories"),
                                ondelete="RESTRICT"),  # fmt: skip
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_provenance")),
        sa.UniqueConstraint("oai_identifier", name=op.f("uq_item_provenance_oai_identifier")),
    )
    with op.batch_alter_table("item_provenance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_provenance_repository_id"), ["repository_id"], unique=False)
    op.create_table(
        "harvest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Enum("queued", "running", "interrupted", "complete", "failed", name="runstate",
                                   native_enum=False, length=16), nullable=False),  # fmt: skip
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("from_date", sa.String(length=32), nullable=True),
        sa.Column("response_date", sa.String(length=32), nullable=True),
        sa.Column("resumption_token", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("complete_list_size", sa.Integer(), nullable=True),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("images", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("error_detail", sa.String(length=1000), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["repository_id"], ["source_repositories.id"],
                                name=op.f("fk_harvest_runs_repository_id_source_repositories"),
                                ondelete="CASCADE"),  # fmt: skip
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_harvest_runs_requested_by_id_users"),
                                ondelete="SET NULL"),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_runs")),
    )
    with op.batch_alter_table("harvest_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_runs_repository_id"), ["repository_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_harvest_runs_state"), ["state"], unique=False)
    with op.batch_alter_table("media_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_url", sa.String(length=2000), nullable=True))


def downgrade():
    with op.batch_alter_table("media_files", schema=None) as batch_op:
        batch_op.drop_column("source_url")
    op.drop_table("harvest_runs")
    op.drop_table("item_provenance")
    op.drop_table("source_repositories")
