"""The app the benchmarks run against: a fresh SQLite database, migrated, with reference data."""

from contextlib import contextmanager


@contextmanager
def migrated_app(data_dir, **config):
    """Yield (app, admin user) inside an app context; the engine is disposed on the way out."""
    from flask_migrate import upgrade

    from app import create_app
    from archive.reference import load_reference_data
    from core.auth import create_user
    from core.db import db

    app = create_app({"DATA_DIR": str(data_dir), "SECRET_KEY": "bench", "SEARCH_APPLY": "worker", **config})
    with app.app_context():
        upgrade()
        load_reference_data(db.session)
        user = create_user(db.session, "bench@vitrine.test", "correct horse battery", "admin")
        db.session.commit()
        try:
            yield app, user
        finally:
            db.session.remove()
            db.engine.dispose()
