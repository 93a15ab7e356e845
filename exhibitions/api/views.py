"""JSON API v1 for exhibitions: read a framework or an exhibition, compose, derive, publish.

The endpoints join the API of core.api (same error bodies and bearer tokens), so one OpenAPI
document at /api/v1/openapi.json describes every domain. Views are thin: parse, call one
service, serialize; the request's unit of work commits (core.uow).
"""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from core.api import fails_with, register, token_optional, token_required
from core.db import db
from core.i18n import current_language
from core.page_cache import public_page
from core.pagination import one_way, page_fields
from core.urls import public_url
from exhibitions import qr, takedown
from exhibitions.api.schemas import (
    DeriveInputSchema,
    DifferencesSchema,
    EntryInputSchema,
    EntrySchema,
    ExhibitionInputSchema,
    ExhibitionPageSchema,
    ExhibitionPatchSchema,
    ExhibitionQuerySchema,
    ExhibitionSchema,
    PullInputSchema,
    QrLinkSchema,
    ReaderViewSchema,
    SectionInputSchema,
    SectionSchema,
    TakedownInputSchema,
    ViewQuerySchema,
    difference_record,
    entry_record,
    exhibition_record,
    qr_link_record,
    section_record,
)
from exhibitions.composing import (
    add_entry,
    add_section,
    archive,
    create_exhibition,
    derive_exhibition,
    differences,
    get_exhibition,
    get_section,
    publish,
    pull,
    unpublish,
    update_exhibition,
)
from exhibitions.models import Exhibition
from exhibitions.qr import primary_links
from exhibitions.reading import get_visible, list_exhibitions, reader_language, view_for

EXHIBITION = "/exhibitions/<id:exhibition_id>"
SECTION = EXHIBITION + "/sections/<id:section_id>"
TAG = ["exhibitions"]
LOCATION = {"Location": {"description": "URL of the new record", "schema": {"type": "string"}}}

api_blueprint = Blueprint(
    "api_exhibitions", __name__, url_prefix="/api/v1", description="Exhibitions, content frameworks and QR links"
)
blp = api_blueprint


def init_exhibitions_api(app) -> None:
    """Add the exhibition endpoints to the API (core.api.init_app ran before)."""
    register(app, api_blueprint, [{"name": "exhibitions",
                                   "description": "Exhibitions and content frameworks, their QR links"}])  # fmt: skip


# --- Reading -------------------------------------------------------------------------------


def _detail(exhibition: Exhibition, public: bool = False) -> dict:
    return exhibition_record(exhibition, primary_links(db.session, [exhibition]), public=public)


def _visible(exhibition_id: int, user) -> Exhibition:
    # Staff see every exhibition; for the public a draft does not exist.
    return get_visible(db.session, exhibition_id, staff=user is not None)


def _differences(exhibition: Exhibition) -> dict:
    source = exhibition.derived_from
    return {
        "derived_from": {"id": source.id, "code": source.code} if source else None,
        "differences": [difference_record(d) for d in differences(db.session, exhibition)],
    }


def _created(exhibition: Exhibition):
    location = public_url("api_exhibitions.exhibition", exhibition_id=exhibition.id)
    return _detail(exhibition), 201, {"Location": location}


@blp.route("/exhibitions", tags=TAG)
@public_page
class Exhibitions(MethodView):
    @token_optional
    @blp.arguments(ExhibitionQuerySchema, location="query")
    @blp.response(200, ExhibitionPageSchema)
    @fails_with(400)
    def get(self, query, user):
        """Exhibitions and frameworks, latest opening first; the public sees published and archived ones.
        Follow `links.next` (a cursor) to walk them all; `page` numbers still work."""
        page_number, cursor = query.pop("page", None), query.pop("cursor", None)
        one_way(page_number, cursor)
        per_page = query.pop("per_page", None) or current_app.config["ITEMS_PER_PAGE"]
        page = list_exhibitions(db.session, query, page_number or 1, per_page, public=user is None, cursor=cursor)
        links = primary_links(db.session, page.items)
        records = [exhibition_record(e, links, sections=False, public=user is None) for e in page.items]
        return {"exhibitions": records, **page_fields(page)}

    @token_required
    @blp.arguments(ExhibitionInputSchema)
    @blp.response(201, ExhibitionSchema, headers=LOCATION)
    @fails_with(403, 409)
    def post(self, data, user):
        """Create a draft exhibition (or framework) with its QR code; curators and admins only."""
        exhibition = create_exhibition(db.session, user, data)
        return _created(exhibition)


@blp.route(EXHIBITION, tags=TAG, endpoint="exhibition")
@public_page
class ExhibitionView(MethodView):
    @token_optional
    @blp.response(200, ExhibitionSchema)
    @fails_with(404, 410)
    def get(self, exhibition_id, user):
        """Settings, texts per language, sections and entries in order, QR codes; for the public, drafts are 404 and
        an exhibition taken down 410."""
        return _detail(_visible(exhibition_id, user), public=user is None)

    @token_required
    @blp.arguments(ExhibitionPatchSchema)
    @blp.response(200, ExhibitionSchema)
    @fails_with(403, 404, 409)
    def patch(self, data, exhibition_id, user):
        """Change the settings and texts given; `version` is the version the change was made from."""
        exhibition = get_exhibition(db.session, exhibition_id)
        version = data.pop("version")
        update_exhibition(db.session, user, exhibition, data, expected_version=version)
        return _detail(exhibition)


@blp.route(EXHIBITION + "/view", tags=TAG, endpoint="exhibition_view")
@public_page
class ReaderView(MethodView):
    @token_optional
    @blp.arguments(ViewQuerySchema, location="query")
    @blp.response(200, ReaderViewSchema)
    @fails_with(404, 410)
    def get(self, query, exhibition_id, user):
        """What a reader sees in one language; texts that fell back along the chain say so, and a withdrawn item's
        entry is a placeholder (`withdrawn`) with nothing of the item."""
        exhibition = _visible(exhibition_id, user)
        lang = reader_language(exhibition, query.get("lang") or current_language())
        return view_for(exhibition, lang, public=user is None)


@blp.route(EXHIBITION + "/qr-links", tags=TAG, endpoint="exhibition_qr_links")
class QrLinks(MethodView):
    @token_optional
    @blp.response(200, QrLinkSchema(many=True))
    @fails_with(404, 410)
    def get(self, exhibition_id, user):
        """Every short link of the exhibition with its QR images and scan count (for the public, those that
        lead somewhere public: a panel of an item withdrawn since is the staff's to see)."""
        exhibition = _visible(exhibition_id, user)
        counts = qr.scan_counts(db.session, exhibition)
        links = qr.links_of(db.session, exhibition)
        if user is None:
            links = [link for link in links if qr.leads_to_public(db.session, link)]
        return [qr_link_record(link, counts.get(link.id, 0)) for link in links]


@blp.route(EXHIBITION + "/differences", tags=TAG, endpoint="exhibition_differences")
class Differences(MethodView):
    @token_required
    @blp.response(200, DifferencesSchema)
    @fails_with(404)
    def get(self, exhibition_id, user):
        """How a derived exhibition differs from its framework, and the key to pull each change (staff only)."""
        return _differences(get_exhibition(db.session, exhibition_id))


# --- Composing -----------------------------------------------------------------------------


@blp.route(EXHIBITION + "/derive", tags=TAG, endpoint="exhibition_derive")
class Derive(MethodView):
    @token_required
    @blp.arguments(DeriveInputSchema)
    @blp.response(201, ExhibitionSchema, headers=LOCATION)
    @fails_with(403, 404, 409)
    def post(self, data, exhibition_id, user):
        """A new draft exhibition for a venue, copying this framework's sections and entries."""
        framework = get_exhibition(db.session, exhibition_id)
        exhibition = derive_exhibition(db.session, user, framework, data)
        return _created(exhibition)


@blp.route(EXHIBITION + "/sections", tags=TAG, endpoint="exhibition_sections")
class Sections(MethodView):
    @token_required
    @blp.arguments(SectionInputSchema)
    @blp.response(201, SectionSchema)
    @fails_with(403, 404)
    def post(self, data, exhibition_id, user):
        """Add a section at the end, with its title and text per language."""
        exhibition = get_exhibition(db.session, exhibition_id)
        section = add_section(db.session, user, exhibition, data["texts"])
        return section_record(section, primary_links(db.session, [exhibition])), 201


@blp.route(SECTION + "/entries", tags=TAG, endpoint="section_entries")
class Entries(MethodView):
    @token_required
    @blp.arguments(EntryInputSchema)
    @blp.response(201, EntrySchema)
    @fails_with(403, 404)
    def post(self, data, exhibition_id, section_id, user):
        """Put an item at the end of a section, with the next free panel number unless one is given."""
        exhibition = get_exhibition(db.session, exhibition_id)
        section = get_section(db.session, exhibition, section_id)
        entry = add_entry(db.session, user, section, data["item_id"], data.get("panel_number"), data.get("captions"),
                          data.get("titles"))  # fmt: skip
        return entry_record(entry, primary_links(db.session, [exhibition])), 201


@blp.route(EXHIBITION + "/publish", tags=TAG, endpoint="exhibition_publish")
class Publish(MethodView):
    @token_required
    @blp.response(200, ExhibitionSchema)
    @fails_with(403, 404, 422)
    def post(self, exhibition_id, user):
        """Make the exhibition public; 422 lists every blocking problem in `details`."""
        exhibition = publish(db.session, user, get_exhibition(db.session, exhibition_id))
        return _detail(exhibition)


@blp.route(EXHIBITION + "/unpublish", tags=TAG, endpoint="exhibition_unpublish")
class Unpublish(MethodView):
    @token_required
    @blp.response(200, ExhibitionSchema)
    @fails_with(403, 404, 422)
    def post(self, exhibition_id, user):
        """Take a published exhibition back to draft (422 if it is not published); its codes say it is not public."""
        exhibition = unpublish(db.session, user, get_exhibition(db.session, exhibition_id))
        return _detail(exhibition)


@blp.route(EXHIBITION + "/archive", tags=TAG, endpoint="exhibition_archive")
class Archive(MethodView):
    @token_required
    @blp.response(200, ExhibitionSchema)
    @fails_with(403, 404, 422)
    def post(self, exhibition_id, user):
        """Close a published exhibition for good, freezing what the public saw."""
        exhibition = archive(db.session, user, get_exhibition(db.session, exhibition_id))
        return _detail(exhibition)


@blp.route(EXHIBITION + "/pull", tags=TAG, endpoint="exhibition_pull")
class Pull(MethodView):
    @token_required
    @blp.arguments(PullInputSchema)
    @blp.response(200, DifferencesSchema)
    @fails_with(403, 404)
    def post(self, data, exhibition_id, user):
        """Take one framework change (a difference's key) into the exhibition; answers the differences left."""
        exhibition = get_exhibition(db.session, exhibition_id)
        pull(db.session, user, exhibition, data["key"])
        return _differences(exhibition)


@blp.route(EXHIBITION + "/<any(takedown, undo_takedown):action>", tags=TAG, endpoint="exhibition_takedown")
class Takedown(MethodView):
    @token_required
    @blp.arguments(TakedownInputSchema)
    @blp.response(200, ExhibitionSchema)
    @fails_with(403, 404, 422)
    def post(self, data, exhibition_id, action, user):
        """Take the exhibition (published or archived) down from public view, or undo it; admins only, with a
        reason, kept in its history. Its pages, books and codes answer 410 while it is down."""
        exhibition = get_exhibition(db.session, exhibition_id)
        change = takedown.take_down if action == "takedown" else takedown.undo_takedown
        change(db.session, user, exhibition, data["reason"])
        return _detail(exhibition)
