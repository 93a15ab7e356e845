"""JSON API v1 for items and vocabulary: the endpoints of the archive in the API of core.api.

Views are thin: parse (schemas), call one service, serialize; the request's unit of work
commits (core.uow).
"""

from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from archive.import_jobs import get_job, job_data, queue_import
from archive.jobs import upload_message, upload_problems
from archive.media import Upload, detach_media, files_by_id, upload_files
from archive.models import Body, Place, PlaceKind, Scheme, Term
from archive.queries import get_item, get_public_item, list_items
from archive.schemas import (
    AuditEventSchema,
    BodySchema,
    ImportJobSchema,
    ItemInputSchema,
    ItemPageSchema,
    ItemPatchSchema,
    ItemQuerySchema,
    ItemSchema,
    MediaUploadResultSchema,
    MediaUploadSchema,
    PlaceQuerySchema,
    PlaceSchema,
    SchemeSchema,
    SearchPageSchema,
    SearchQuerySchema,
    TermRefSchema,
    TermSchema,
    TermsPutSchema,
    TextPutSchema,
    TransitionSchema,
    VersionSchema,
)
from archive.searching import search_items, search_page_data
from archive.services import check_can_edit, create_item, remove_text, set_text, update_item
from archive.vocabulary import valid_on
from archive.workflow import apply_transition
from core.api import fails_with, register, token_optional, token_required
from core.audit import history
from core.auth import User
from core.db import db
from core.errors import NotFound, ValidationError
from core.i18n import _, current_language
from core.page_cache import public_page
from core.pagination import one_way, page_fields
from core.storage import get_storage
from core.uow import read_afresh, reads_first
from core.urls import public_url

# Item ids are 32-bit integers in PostgreSQL: the converter makes a larger id a 404.
ITEM = "/items/<id:item_id>"

api_blueprint = Blueprint("api_items", __name__, url_prefix="/api/v1", description="Items and vocabulary")
blp = api_blueprint
TAGS = [
    {"name": "items", "description": "Archival items, their texts per language, terms and review"},
    {"name": "vocabulary", "description": "Vocabularies, places and contributing bodies"},
]


def init_api(app) -> None:
    """Add the item and vocabulary endpoints to the API (core.api.init_app ran before)."""
    register(app, api_blueprint, TAGS)


def _item_for(user: User | None, item_id: int):
    # Staff see every item; for the public anything unpublished does not exist.
    return get_item(db.session, item_id) if user else get_public_item(db.session, item_id)


# --- Items -------------------------------------------------------------------------------


@blp.route("/items", tags=["items"])
@public_page
class Items(MethodView):
    @token_optional
    @blp.arguments(ItemQuerySchema, location="query")
    @blp.response(200, ItemPageSchema)
    @fails_with(400)
    def get(self, query, user):
        """Items matching the filters, newest change first; the public sees published ones only.

        Follow `links.next` (a cursor) to walk them all: each page costs what the first does, and items added
        meanwhile never shift one into the next page twice. `page` numbers still work, slower the deeper.
        """
        page, cursor = query.pop("page", None), query.pop("cursor", None)
        one_way(page, cursor)
        per_page = query.pop("per_page", None) or current_app.config["ITEMS_PER_PAGE"]
        found = list_items(db.session, query, page or 1, per_page, public=user is None, cursor=cursor)
        return {"items": found.items, **page_fields(found)}

    @token_required
    @blp.arguments(ItemInputSchema)
    @blp.response(201, ItemSchema, headers={"Location": {"description": "URL of the new item",
                                                         "schema": {"type": "string"}}})  # fmt: skip
    def post(self, data, user):
        """Create a draft item."""
        item = create_item(db.session, user, data)
        return item, 201, {"Location": public_url("api_items.item", item_id=item.id)}


@blp.route(ITEM, tags=["items"], endpoint="item")
@public_page
class ItemView(MethodView):
    @token_optional
    @blp.response(200, ItemSchema)
    @fails_with(404, 410)
    def get(self, item_id, user):
        """One item; for the public, a withdrawn item is 410 (taken down), any other unpublished one 404."""
        return _item_for(user, item_id)

    @token_required
    @blp.arguments(ItemPatchSchema)
    @blp.response(200, ItemSchema)
    @fails_with(403, 404, 409)
    def patch(self, data, item_id, user):
        """Change the fields given; `version` is the version the change was made from."""
        item = get_item(db.session, item_id)
        version = data.pop("version")
        return update_item(db.session, user, item, data, expected_version=version)


@blp.route(ITEM + "/texts/<lang>", tags=["items"], endpoint="item_text")
class ItemTextView(MethodView):
    @token_required
    @blp.arguments(VersionSchema, location="query")
    @blp.arguments(TextPutSchema)
    @blp.response(200, ItemSchema)
    @fails_with(403, 404, 409, 428)
    def put(self, query, data, item_id, lang, user):
        """Create or replace the texts of one language (BCP 47 tag); without `version` (body or query), 428."""
        item = get_item(db.session, item_id)
        version = data.pop("version", query.get("version"))
        set_text(db.session, user, item, lang, data, expected_version=version)
        return item

    @token_required
    @blp.arguments(VersionSchema, location="query")
    @blp.arguments(VersionSchema, required=False)
    @blp.response(200, ItemSchema)
    @fails_with(403, 404, 409, 428)
    def delete(self, query, data, item_id, lang, user):
        """Remove the texts of one language; the item is returned with its new version. Without `version`, 428."""
        item = get_item(db.session, item_id)
        version = data.get("version", query.get("version"))
        remove_text(db.session, user, item, lang, expected_version=version)
        return item


@blp.route(ITEM + "/terms", tags=["items"], endpoint="item_terms")
class ItemTermsView(MethodView):
    @token_required
    @blp.arguments(TermsPutSchema)
    @blp.response(200, ItemSchema)
    @fails_with(403, 404, 409)
    def put(self, data, item_id, user):
        """Replace the item's vocabulary terms."""
        item = get_item(db.session, item_id)
        changes = {"terms": data["terms"]}
        return update_item(db.session, user, item, changes, expected_version=data.get("version"))


@blp.route(ITEM + "/transitions", tags=["items"], endpoint="item_transitions")
class ItemTransitionsView(MethodView):
    @token_required
    @blp.arguments(TransitionSchema)
    @blp.response(200, ItemSchema)
    @fails_with(403, 404, 409)
    def post(self, data, item_id, user):
        """Move the item in the review workflow: submit, publish, send_back, withdraw (the takedown, with a reason),
        reinstate (an admin's undoing of it), restore (back to draft)."""
        item = get_item(db.session, item_id)
        apply_transition(db.session, user, item, data["action"], data.get("comment"), data.get("version"))
        return item


@blp.route(ITEM + "/media", tags=["items"], endpoint="item_media")
class ItemMediaView(MethodView):
    @reads_first  # staging and probing the files must not hold the write lock
    @token_required
    @blp.arguments(MediaUploadSchema, location="files")
    @blp.response(201, MediaUploadResultSchema)
    @fails_with(403, 404, 413, 422, 507)
    def post(self, data, item_id, user):
        """Attach files (multipart field `files`, repeatable); the type is read from the bytes; 507 when the
        server's disk is full (nothing of the upload is kept).

        The files are stored when this answers; their previews and text are made after, by a
        job whose state each file's `job` shows.
        """
        check_can_edit(user, get_item(db.session, item_id))
        uploads = [Upload(f.filename, f.stream) for f in data["files"]]
        outcome = upload_files(get_storage(), user.id, item_id, uploads)
        read_afresh()  # the upload's own unit committed the files and their jobs
        media_files = files_by_id(db.session, outcome.media_ids)
        notices = outcome.notices + upload_problems(media_files)
        return {"media": media_files, "message": upload_message(media_files), "notices": notices}, 201


@blp.route(ITEM + "/media/<id:media_id>", tags=["items"], endpoint="item_media_file")
class ItemMediaFileView(MethodView):
    @token_required
    @blp.response(204)
    @fails_with(403, 404, 409, 422)
    def delete(self, item_id, media_id, user):
        """Take a file off the item; the original stays in storage and the history names its SHA-256."""
        detach_media(db.session, user, get_item(db.session, item_id), media_id)


@blp.route(ITEM + "/history", tags=["items"], endpoint="item_history")
class ItemHistoryView(MethodView):
    @token_required
    @blp.response(200, AuditEventSchema(many=True))
    @fails_with(404)
    def get(self, item_id, user):
        """Every change to the item, newest first (staff only)."""
        return history(db.session, "item", get_item(db.session, item_id).id)


# --- Imports -----------------------------------------------------------------------------


@blp.route("/imports", tags=["items"], endpoint="imports")
class ImportsView(MethodView):
    @reads_first  # the upload is copied before the one insert that queues the job
    @token_required
    @blp.response(202, ImportJobSchema, headers={"Location": {"description": "URL of the job",
                                                              "schema": {"type": "string"}}})  # fmt: skip
    @fails_with(403, 413, 422, 507)
    def post(self, user):
        """Queue an import (multipart: `csv`, optional `files` ZIP, optional `dry_run`); 202 with the job's URL."""
        csv_file, zip_file = request.files.get("csv"), request.files.get("files")
        if not (csv_file and csv_file.filename):
            raise ValidationError(_("Send the CSV file in the field csv."), field="csv")
        zip_upload = (zip_file.filename, zip_file.stream) if zip_file and zip_file.filename else None
        dry_run = request.form.get("dry_run", "").lower() in ("1", "true", "yes", "on")
        job_id = queue_import(user.id, (csv_file.filename, csv_file.stream), zip_upload, dry_run)
        read_afresh()  # the job's own unit committed it
        location = url_for("api_items.import_job", job_id=job_id)
        return job_data(get_job(db.session, job_id, user)) | {"url": location}, 202, {"Location": location}


@blp.route("/imports/<id:job_id>", tags=["items"], endpoint="import_job")
class ImportJobView(MethodView):
    @token_required
    @blp.response(200, ImportJobSchema)
    @fails_with(404)
    def get(self, job_id, user):
        """An import's status (queued, running, done, failed), rows done of total, errors so far, and its report."""
        return job_data(get_job(db.session, job_id, user))


# --- Vocabulary --------------------------------------------------------------------------


@blp.route("/schemes", tags=["vocabulary"])
@public_page
class Schemes(MethodView):
    @token_optional
    @blp.response(200, SchemeSchema(many=True))
    def get(self, user):
        """The vocabularies: UN conventions, themes, content lines."""
        return db.session.scalars(select(Scheme).order_by(Scheme.position, Scheme.code)).all()


@blp.route("/schemes/<code>/terms", tags=["vocabulary"], endpoint="scheme_terms")
@public_page
class SchemeTerms(MethodView):
    @token_optional
    @blp.response(200, TermRefSchema(many=True))
    @fails_with(404)
    def get(self, code, user):
        """The terms of one vocabulary, in their set order."""
        scheme = db.session.scalar(select(Scheme).where(Scheme.code == code))
        if scheme is None:
            raise NotFound(_("There is no vocabulary %(code)s.", code=code), field="code")
        return scheme.terms


@blp.route("/terms/<code>", tags=["vocabulary"], endpoint="term")
@public_page
class TermView(MethodView):
    @token_optional
    @blp.response(200, TermSchema)
    @fails_with(404)
    def get(self, code, user):
        """One term with its labels and vocabulary."""
        term = db.session.scalar(select(Term).where(Term.code == code))
        if term is None:
            raise NotFound(_("There is no term %(code)s.", code=code), field="code")
        return term


@blp.route("/places", tags=["vocabulary"])
@public_page
class Places(MethodView):
    @token_optional
    @blp.arguments(PlaceQuerySchema, location="query")
    @blp.response(200, PlaceSchema(many=True))
    def get(self, query, user):
        """Provinces, cities and venues abroad; `valid_on` keeps the names valid that day."""
        statement = select(Place).order_by(Place.kind, Place.code)
        if kind := query.get("kind"):
            statement = statement.where(Place.kind == PlaceKind(kind))
        if day := query.get("valid_on"):
            statement = statement.where(valid_on(day))
        return db.session.scalars(statement).all()


@blp.route("/bodies", tags=["vocabulary"])
@public_page
class Bodies(MethodView):
    @token_optional
    @blp.response(200, BodySchema(many=True))
    def get(self, user):
        """The contributing bodies: ministries, provinces, press agencies."""
        return db.session.scalars(select(Body).order_by(Body.code)).all()


# --- Search ------------------------------------------------------------------------------


@blp.route("/search", tags=["items"])
@public_page
class Search(MethodView):
    @token_optional
    @blp.arguments(SearchQuerySchema, location="query")
    @blp.response(200, SearchPageSchema)
    def get(self, query, user):
        """Full-text search with facets and highlights; the public sees published items only."""
        lang = query.pop("lang", None) or current_language()
        per_page = query.pop("per_page", None) or current_app.config["ITEMS_PER_PAGE"]
        page = search_items(db.session, query, lang, public=user is None, page=query.pop("page"), per_page=per_page)
        return search_page_data(page, lang)
