"""The application factory. No routes and no models here: each package brings its own."""

import copy
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from core import (
    api,
    auth,
    config,
    db,
    errors,
    i18n,
    input_guard,
    page_cache,
    permissions,
    protected_files,
    proxies,
    security_headers,
    sessions,
    static_files,
    storage,
    structured_data,
    uow,
    urls,
)

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

    # Before the security headers: its after_request hook keeps answers with every header the others set.
    page_cache.init_app(app)
    # First of the others, so that its after_request hook runs after theirs and sees every cookie they set.
    security_headers.init_app(app)
    proxies.init_app(app)
    protected_files.init_app(app)
    db.init_app(app)
    uow.init_app(app)
    migrate.init_app(app, db.db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    sessions.init_app(app)
    permissions.init_app(app)
    storage.init_app(app)
    static_files.init_app(app)
    errors.init_app(app)
    urls.init_app(app)
    structured_data.init_app(app)
    _init_domains(app)
    _register_blueprints(app)
    _register_api(app)
    _register_cli(app)
    page_cache.serve_from_cache(app)  # last: the other before-request hooks run first
    return app


def _init_domains(app: Flask) -> None:
    from archive import import_jobs, indexing, jobs
    from exhibitions import reactions
    from interop import exports, harvest, oai

    indexing.init_app(app)
    jobs.init_app(app)
    import_jobs.init_app(app)
    reactions.init_app(app)
    harvest.init_app(app)
    oai.init_app(app)
    exports.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from archive.reference_views import bp as reference_bp
    from archive.views import bp as archive_bp
    from core.admin_views import bp as user_admin_bp
    from core.auth_views import bp as auth_bp
    from core.health import bp as health_bp
    from exhibitions.web import register_blueprints as register_exhibitions
    from interop import init_app as init_interop
    from interop.harvest import bp as harvest_bp
    from interop.oai import admin_bp as oai_admin_bp
    from interop.oai import bp as oai_bp
    from portal.items import bp as items_bp
    from portal.views import bp as portal_bp
    from reports.views import bp as reports_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(user_admin_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(archive_bp)
    app.register_blueprint(reference_bp)
    app.register_blueprint(items_bp)
    register_exhibitions(app)
    init_interop(app)
    app.register_blueprint(reports_bp)
    app.register_blueprint(harvest_bp)
    app.register_blueprint(oai_bp)
    app.register_blueprint(oai_admin_bp)


def _register_api(app: Flask) -> None:
    from archive.api import init_api as init_archive_api
    from exhibitions.api import init_exhibitions_api
    from interop.exports import init_api as init_exports_api

    api.init_app(app)
    input_guard.init_app(app)  # after the API's bound on JSON bodies, which it reads
    init_archive_api(app)
    api.document_spec_route(app)
    init_exhibitions_api(app)
    init_exports_api(app)


def _register_cli(app: Flask) -> None:
    from archive.cli import (
        demo_cli,
        export_cli,
        fixity_cli,
        import_command,
        imports_cli,
        media_cli,
        previews_after_restore,
        refdata_cli,
        reindex_after_restore,
        search_cli,
    )
    from archive.fixity import original_sizes
    from core.backup import backup_command, register_file_references, register_restore_step, restore_command
    from core.housekeeping import register_task
    from core.users_cli import users_cli
    from exhibitions.composing import load_demo_exhibitions
    from exhibitions.qr import forget_past_scan_visitors
    from interop.exports import bag_cli
    from interop.harvest import harvest_cli
    from interop.oai import oai_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(refdata_cli)
    app.cli.add_command(demo_cli)
    app.extensions.setdefault("vitrine.demo_steps", []).append(load_demo_exhibitions)
    app.cli.add_command(search_cli)
    app.cli.add_command(media_cli)
    app.cli.add_command(fixity_cli)
    app.cli.add_command(import_command)
    app.cli.add_command(imports_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(harvest_cli)
    app.cli.add_command(oai_cli)
    app.cli.add_command(bag_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    # What core's backup cannot know: which files the archive's rows name, and what to remake after a restore.
    register_file_references(app, original_sizes)
    register_restore_step(app, reindex_after_restore)
    register_restore_step(app, previews_after_restore)
    register_task(app, forget_past_scan_visitors)
