"""Alembic environment: runs inside the Flask app so it uses the app's engine."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# Every model module, so autogenerate sees the whole schema.
import archive.models  # noqa: F401
import core.accounts  # noqa: F401
import core.audit  # noqa: F401
import core.auth  # noqa: F401
import core.search  # noqa: F401
import core.sessions  # noqa: F401
import core.throttle  # noqa: F401
import exhibitions.models  # noqa: F401
import interop.exports.models  # noqa: F401
import interop.harvest.models  # noqa: F401
import interop.oai.models  # noqa: F401
from core.db import Base

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _engine():
    return current_app.extensions["migrate"].db.engine


def run_migrations_offline() -> None:
    url = _engine().url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copy, drop and rename. With foreign keys enforced, the drop would
            # delete or clear every row pointing at the table (0008 rebuilt `users`: API tokens went, and who
            # made each item and audit event). SQLite ignores this pragma inside a transaction, so it is set on
            # the driver's connection before one begins (Alembic's documented recipe), and checked after.
            _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                compare_type=True,
                # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
                render_as_batch=sqlite,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:10]}")
        finally:
            if sqlite:
                connection.commit()
                _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")


def _sqlite_pragma(connection, statement: str) -> None:
    # On the DB-API connection, outside SQLAlchemy's transaction (core.db leaves BEGIN to the caller).
    cursor = connection.connection.driver_connection.cursor()
    cursor.execute(statement)
    cursor.close()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
