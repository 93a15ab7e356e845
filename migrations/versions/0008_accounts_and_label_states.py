"""Staff administration: server-side sessions, password links, last sign-in; translation states of labels.

- `user_sessions`: one row per sign-in (remember-me included), found by its token's SHA-256;
  Flask-Login's cookies now hold that token, not the user id, so everyone signed in before this
  revision signs in again once.
- `account_links`: invitation and password-reset links, by their token's SHA-256.
- `users.password_hash` may be empty: an invited account has no password until its owner sets
  one; `users.last_login_at` is new.
- `translation_states` on schemes, terms, places and bodies: a state per label's language. Empty
  for every existing row: its labels count as shipped, as `refdata load` gave them.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-26 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

LABELLED = ("schemes", "terms", "places", "bodies")


def upgrade():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Enum("logout", "password", "disabled", "revoked", "replaced", name="sessionend",
                                        native_enum=False, length=16), nullable=True),  # fmt: skip
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"),
                                ondelete="CASCADE"),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"], unique=False)
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Enum("invite", "reset", name="linkpurpose", native_enum=False, length=16),
                  nullable=False),  # fmt: skip
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_account_links_created_by_id_users"),
                                ondelete="SET NULL"),  # fmt: skip
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_account_links_user_id_users"),
                                ondelete="CASCADE"),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_links_token_hash")),
    )
    op.create_index(op.f("ix_account_links_user_id"), "account_links", ["user_id"], unique=False)
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("password_hash", existing_type=sa.String(length=255), nullable=True)
        batch_op.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
    for table in LABELLED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("translation_states", sa.JSON(), server_default="{}", nullable=False))


def downgrade():
    for table in LABELLED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("translation_states")
    # An invited account that never set a password gets a hash no password matches.
    op.execute("UPDATE users SET password_hash = '!' WHERE password_hash IS NULL")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.alter_column("password_hash", existing_type=sa.String(length=255), nullable=False)
    op.drop_index(op.f("ix_account_links_user_id"), table_name="account_links")
    op.drop_table("account_links")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
