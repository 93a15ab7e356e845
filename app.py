"""The application factory. No routes and no models here."""

import copy

from flask import Flask
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from core import auth, config, db, errors, i18n, storage

migrate = Migrate()
csrf = CSRFProtect()


def create_app(overrides: dict | None = None) -> Flask:
    """Build an app: defaults, then the environment, then `overrides` (tests pass these)."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(copy.deepcopy(config.DEFAULTS))
    app.config.update(config.from_env())
    if overrides:
        app.config.update(overrides)
    config.finalise(app.config)

    db.init_app(app)
    migrate.init_app(app, db.db, directory=_migrations_dir())
    csrf.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    storage.init_app(app)
    errors.init_app(app)
    _init_search(app)
    _init_media_jobs(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).parent / "migrations")


def _init_search(app: Flask) -> None:
    from archive import indexing

    indexing.init_app(app)


def _init_media_jobs(app: Flask) -> None:
    from archive import jobs

    jobs.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from archive.api import api_blueprint, init_api
    from archive.views import bp as archive_bp
    from core.auth_views import bp as auth_bp
    from core.pages import bp as pages_bp
    from exhibitions.api import api_blueprint as exhibitions_api_blueprint
    from exhibitions.api import init_exhibitions_api
    from exhibitions.curate_views import bp as curate_bp
    from exhibitions.qr_views import bp as qr_bp
    from exhibitions.views import bp as exhibitions_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(archive_bp)
    app.register_blueprint(exhibitions_bp)
    app.register_blueprint(curate_bp)
    app.register_blueprint(qr_bp)
    init_api(app)
    init_exhibitions_api(app)
    csrf.exempt(api_blueprint)
    csrf.exempt(exhibitions_api_blueprint)


def _register_cli(app: Flask) -> None:
    from archive.cli import demo_cli, export_cli, fixity_cli, import_command, media_cli, refdata_cli, search_cli
    from core.auth_views import users_cli
    from exhibitions.demo import load_demo_exhibitions

    app.cli.add_command(users_cli)
    app.cli.add_command(refdata_cli)
    app.cli.add_command(demo_cli)
    app.extensions.setdefault("vitrine.demo_steps", []).append(load_demo_exhibitions)
    app.cli.add_command(search_cli)
    app.cli.add_command(media_cli)
    app.cli.add_command(fixity_cli)
    app.cli.add_command(import_command)
    app.cli.add_command(export_cli)
