"""Dublin Core in the JSON API v1: one item, or a page of search results, as JSON or as XML.

`/api/v1/items/<id>/dc` and `/api/v1/search/dc` answer JSON; the same paths ending in `.xml` answer XML.
The search takes the query parameters of `/api/v1/search` (a page holds at most 100 records). Without a
token the public sees published items only, as everywhere in the API; a staff token sees every item.
"""

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from archive.queries import get_item, get_public_item
from archive.schemas import SearchQuerySchema
from archive.searching import search_items
from core.api import fails_with, register, token_optional
from core.db import db
from core.i18n import current_language
from core.schemas import PagingSchema
from interop.exports import dc
from interop.exports.records import load_items

ITEM_DC = "/items/<id:item_id>/dc"
XML = "application/xml"
XML_BODY = {"type": "string", "description": "A UTF-8 XML document"}

blp = Blueprint("api_exports", __name__, url_prefix="/api/v1", description="Exports")
TAGS = [{"name": "exports", "description": "Dublin Core of items and of search results, in JSON and XML"}]


def init_api(app) -> None:
    """Add the export endpoints to the API (core.api.init_app ran before)."""
    register(app, blp, TAGS)


class DcValueSchema(Schema):
    value = fields.String()
    lang = fields.String(allow_none=True, metadata={"description": "BCP 47 tag of the value; null for codes, "
                                                                   "dates and URLs"})  # fmt: skip


class DcRecordSchema(Schema):
    id = fields.Integer()
    reference_code = fields.String()
    dc = fields.Dict(keys=fields.String(metadata={"enum": list(dc.ELEMENTS)}),
                     values=fields.List(fields.Nested(DcValueSchema)),
                     metadata={"description": "Each Dublin Core element present, one value per language"})  # fmt: skip


class DcPageSchema(PagingSchema):
    records = fields.List(fields.Nested(DcRecordSchema))


def _visible_item(item_id: int, user):
    item = get_item(db.session, item_id) if user else get_public_item(db.session, item_id)
    return load_items(db.session, [item.id])[0]


def _search_page(query: dict, user):
    query.pop("lang", None)  # Dublin Core carries every language
    per_page = query.pop("per_page", None) or current_app.config["ITEMS_PER_PAGE"]
    page = search_items(db.session, query, current_language(), public=user is None, page=query.pop("page"),
                        per_page=per_page)  # fmt: skip
    items = load_items(db.session, [item.id for item in page.items])
    return items, {"total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages}


def _xml(body: bytes) -> Response:
    return Response(body, mimetype=XML)


@blp.route(ITEM_DC, tags=["exports"], endpoint="item_dc")
class ItemDc(MethodView):
    @token_optional
    @blp.response(200, DcRecordSchema)
    @fails_with(404, 410)
    def get(self, item_id, user):
        """One item's Dublin Core as JSON; for the public, withdrawn items are 410, other unpublished ones 404."""
        return dc.dc_json(_visible_item(item_id, user))


@blp.route(ITEM_DC + ".xml", tags=["exports"], endpoint="item_dc_xml")
class ItemDcXml(MethodView):
    @token_optional
    @blp.response(200, XML_BODY, content_type=XML, description="An oai_dc:dc record; each text element with xml:lang")
    @fails_with(404, 410)
    def get(self, item_id, user):
        """One item's Dublin Core as XML (oai_dc); for the public, withdrawn items are 410, other unpublished ones
        404."""
        return _xml(dc.item_xml(_visible_item(item_id, user)))


@blp.route("/search/dc", tags=["exports"], endpoint="search_dc")
class SearchDc(MethodView):
    @token_optional
    @blp.arguments(SearchQuerySchema, location="query")
    @blp.response(200, DcPageSchema)
    def get(self, query, user):
        """A page of search results (the parameters of /search) as Dublin Core JSON records."""
        items, paging = _search_page(query, user)
        return dc.page_json(items, **paging)


@blp.route("/search/dc.xml", tags=["exports"], endpoint="search_dc_xml")
class SearchDcXml(MethodView):
    @token_optional
    @blp.arguments(SearchQuerySchema, location="query")
    @blp.response(200, XML_BODY, content_type=XML, description="A records element with the paging, one oai_dc:dc each")
    def get(self, query, user):
        """A page of search results (the parameters of /search) as Dublin Core XML."""
        items, paging = _search_page(query, user)
        return _xml(dc.page_xml(items, **paging))
