"""The OAI-PMH 2.0 repository at /oai: every published item as an `oai_dc` record, in sets by vocabulary, type,
contributing body and exhibition, with datestamps that move whenever what a record shows changes.

Modules: `identifiers` (the repository identifier, stored once; OAI identifiers), `datestamps`, `sets`,
`records` (an item read into its record; `oai_dc`), `tracking` (the outbox keeping datestamps true; rebuild),
`tokens` (resumption tokens), `protocol` (the six verbs and their errors), `repository` (its identity and the
staff warning), `views` (blueprints `oai` and `oai_admin`), `cli` (`flask oai …`), `models`.
"""

from core.db import db
from core.input_guard import answers_nul_itself
from interop.oai import repository, tracking
from interop.oai.cli import oai_cli
from interop.oai.records import manifest_url
from interop.oai.repository import current_identifier
from interop.oai.views import admin_bp, bp, endpoint

__all__ = ["admin_bp", "bp", "current_identifier", "init_app", "manifest_url", "oai_cli"]


def init_app(app) -> None:
    """Track record changes in every session, let harvesters POST without a form token, and warn admins in
    the staff pages while no repository identifier is set."""
    tracking.init_app(app)
    app.extensions["csrf"].exempt(endpoint)
    answers_nul_itself(app, "oai")  # a NUL is the protocol's badArgument, answered in its XML
    app.jinja_env.globals["repository_warning"] = _warning


def _warning():
    return repository.missing_identifier_warning(db.session)
