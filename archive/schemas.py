"""Marshmallow schemas of the JSON API v1: request bodies and queries in, records out.

Input schemas check shapes and types only; the services own the rules (tags, dates, codes,
versions, workflow) and say what is wrong in the reader's language.
"""

from flask import has_request_context
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, post_dump

from archive.jobs import job_message
from archive.models import ItemStatus, ItemType, JobState, PlaceKind, TextState
from archive.rights import STATEMENTS
from archive.workflow import TRANSITIONS
from core.api import api_user
from core.pagination import MAX_PAGE, MAX_PER_PAGE, MAX_SEARCH_PAGE
from core.schemas import CURSOR, CursorPagingSchema, OneOf, PagingSchema, Range, UtcDateTime, enum_values
from core.urls import public_url


class Parent(fields.Nested):
    """A nested object built from attributes of the record itself (date, links)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return obj


class ByLanguage(fields.Dict):
    """A list of per-language rows, shown as an object keyed by language tag."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize({row.lang: row for row in value or []}, attr, obj, **kwargs)


# --- Vocabulary --------------------------------------------------------------------------

LABELS = {"metadata": {"description": "Label per BCP 47 language tag"}}


class SchemeSchema(Schema):
    code = fields.String()
    labels = fields.Dict(keys=fields.String(), values=fields.String(), **LABELS)


class TermRefSchema(Schema):
    code = fields.String()
    labels = fields.Dict(keys=fields.String(), values=fields.String(), **LABELS)


class TermSchema(TermRefSchema):
    scheme = fields.Pluck(SchemeSchema, "code")


class PlaceRefSchema(Schema):
    code = fields.String()
    names = fields.Dict(keys=fields.String(), values=fields.String(), **LABELS)


class PlaceSchema(PlaceRefSchema):
    kind = fields.String(metadata={"enum": enum_values(PlaceKind)})
    country = fields.String(metadata={"description": "ISO 3166-1 alpha-2"})
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    successor = fields.Pluck(PlaceRefSchema, "code", allow_none=True)


class BodyRefSchema(Schema):
    code = fields.String()
    names = fields.Dict(keys=fields.String(), values=fields.String(), **LABELS)


class BodySchema(BodyRefSchema):
    kind = fields.String()


class PlaceQuerySchema(Schema):
    kind = fields.String(validate=OneOf(enum_values(PlaceKind)))
    valid_on = fields.Date(metadata={"description": "Only places that existed under their name that day"})


# --- Items out ---------------------------------------------------------------------------


class ItemDateSchema(Schema):
    text = fields.String(attribute="date_text", allow_none=True, metadata={"description": "As written: c. 1954"})
    start = fields.Date(attribute="date_start", allow_none=True)
    end = fields.Date(attribute="date_end", allow_none=True)
    approximate = fields.Boolean(attribute="date_approximate")


class ItemTextSchema(Schema):
    title = fields.String()
    description = fields.String(allow_none=True)
    caption = fields.String(allow_none=True)
    transcription = fields.String(allow_none=True)
    state = fields.String(metadata={"enum": enum_values(TextState)})


class TagSchema(Schema):
    label = fields.String()


class MediaJobSchema(Schema):
    """The making of a file's previews and text, after its upload."""

    state = fields.String(metadata={"enum": enum_values(JobState)})
    attempts = fields.Integer()
    error = fields.Method(
        "dump_error",
        allow_none=True,
        metadata={"type": "string", "description": "Why it failed, in the reader's language"},
    )
    queued_at = UtcDateTime(attribute="created_at")
    started_at = UtcDateTime(allow_none=True)
    finished_at = UtcDateTime(allow_none=True)

    def dump_error(self, job) -> str | None:
        return job_message(job)


class MediaSchema(Schema):
    id = fields.Integer()
    sha256 = fields.String()
    mime_type = fields.String()
    size = fields.Integer()
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    pages = fields.Integer()
    original_name = fields.String(allow_none=True)
    url = fields.Method("dump_url", metadata={"type": "string", "format": "uri"})
    job = fields.Nested(
        MediaJobSchema, attribute="latest_job", allow_none=True, metadata={"description": "Its latest processing job"}
    )

    def dump_url(self, media) -> str:
        return public_url("archive.media_file", media_id=media.id)


class MediaUploadSchema(Schema):
    files = fields.List(Upload(), required=True, metadata={"description": "One or more JPEG, PNG, TIFF or PDF files"})


class MediaUploadResultSchema(Schema):
    media = fields.List(fields.Nested(MediaSchema))
    message = fields.String(metadata={"description": "The files were accepted; whether previews are still queued"})
    notices = fields.List(fields.String(), metadata={"description": "E.g. which items already held a file"})


class ImportErrorSchema(Schema):
    code = fields.String(metadata={"description": "refused, missing, internal, abandoned"})
    message = fields.String(allow_none=True)


class ImportSearchSchema(Schema):
    indexed = fields.Integer(metadata={"description": "Imported items search finds so far"})
    total = fields.Integer()


class ImportJobSchema(Schema):
    """A CSV import queued from the page or the API: its state, progress and, once done, its report."""

    id = fields.Integer()
    status = fields.String(metadata={"enum": ["queued", "running", "done", "failed"]})
    dry_run = fields.Boolean()
    csv = fields.String(metadata={"description": "The uploaded CSV's file name"})
    zip = fields.String(allow_none=True)
    rows_total = fields.Integer(allow_none=True)
    rows_done = fields.Integer()
    errors_so_far = fields.Integer()
    attempts = fields.Integer()
    created_at = fields.String(metadata={"format": "date-time"})
    finished_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    dead_letter = fields.Boolean(metadata={"description": "Given up after every attempt"})
    error = fields.Nested(ImportErrorSchema, allow_none=True)
    report = fields.Dict(allow_none=True, metadata={"description": "imported, skipped, files, problems by line"})
    search = fields.Nested(
        ImportSearchSchema,
        allow_none=True,
        metadata={"description": "Once a real import is done: how much of it search finds"},
    )
    url = fields.String(metadata={"description": "The job's address (in the answer to its creation)"})


class ItemLinksSchema(Schema):
    self_url = fields.Method("dump_self", data_key="self", metadata={"type": "string", "format": "uri"})

    def dump_self(self, item) -> str:
        return public_url("api_items.item", item_id=item.id)


RIGHTS_NOTE = {"description": "For archivists (left out for the public): the rights' holder, an agreement, the rights "
               "as written before they were a statement"}  # fmt: skip
RIGHTS_FLAGGED = {"description": "The rights need an archivist's review, no statement having been read from the note "
                  "(left out for the public)"}  # fmt: skip
STAFF_ONLY = ("rights_note", "rights_flagged")
RIGHTS_IN = {
    "description": "A RightsStatements.org statement or a Creative Commons 4.0 licence, CC0 1.0 or the Public Domain "
    "Mark 1.0: its URI (http or https, with or without the trailing slash, /legalcode or /rdf) or its short name "
    "(InC, InC-NC, CNE, CC BY 4.0, CC-BY-NC-SA-4.0, CC0); stored as the canonical http:// URI. Another value is "
    "refused (422). Empty or left out on a new item: Copyright Not Evaluated. Changing it clears rights_flagged "
    "unless that is given too. Statements: " + ", ".join(s.code for s in STATEMENTS),
}


class ItemSchema(Schema):
    """An item with its texts in every language."""

    id = fields.Integer()
    reference_code = fields.String()
    type = fields.String(metadata={"enum": enum_values(ItemType)})
    date = Parent(ItemDateSchema)
    place = fields.Nested(PlaceRefSchema, allow_none=True)
    body = fields.Nested(BodyRefSchema, allow_none=True)
    creator = fields.String(allow_none=True)
    rights = fields.String(metadata={"format": "uri", "enum": [s.uri for s in STATEMENTS],
                                     "description": "The canonical URI of a RightsStatements.org statement or a "
                                                    "Creative Commons licence or tool"})  # fmt: skip
    rights_note = fields.String(allow_none=True, metadata=RIGHTS_NOTE)
    rights_flagged = fields.Boolean(metadata=RIGHTS_FLAGGED)
    source_archive = fields.String(allow_none=True)
    fonds = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": enum_values(ItemStatus)})
    version = fields.Integer(metadata={"description": "Send it back with a change; a stale one is refused (409)"})
    terms = fields.List(fields.Nested(TermRefSchema))
    tags = fields.Pluck(TagSchema, "label", many=True)
    texts = ByLanguage(keys=fields.String(), values=fields.Nested(ItemTextSchema))
    media = fields.List(fields.Nested(MediaSchema))
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    links = Parent(ItemLinksSchema)

    @post_dump
    def _leave_out_staff_fields(self, data: dict, **kwargs) -> dict:
        # A request without a token is the public's; a dump outside a request (an export) keeps everything.
        if has_request_context() and api_user() is None:
            for name in STAFF_ONLY:
                data.pop(name, None)
        return data


class ItemPageSchema(CursorPagingSchema):
    items = fields.List(fields.Nested(ItemSchema))


class UserRefSchema(Schema):
    email = fields.String()


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = UtcDateTime()
    user = fields.Pluck(UserRefSchema, "email", allow_none=True)
    action = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    comment = fields.String(allow_none=True)


# --- Items in ----------------------------------------------------------------------------


class ItemQuerySchema(Schema):
    # Bounded so that the SQL OFFSET stays a 64-bit integer.
    page = fields.Integer(validate=Range(min=1, max=MAX_PAGE), metadata={"description": "Page number (1 if no cursor)"})
    cursor = fields.String(metadata=CURSOR)
    per_page = fields.Integer(validate=Range(min=1, max=MAX_PER_PAGE))
    status = fields.String(validate=OneOf(enum_values(ItemStatus)))
    type = fields.String(validate=OneOf(enum_values(ItemType)))
    place = fields.String(metadata={"description": "Place code"})
    term = fields.String(metadata={"description": "Term code"})
    # Not `lang`: that one chooses the language of the messages, as everywhere in the app.
    has_lang = fields.String(metadata={"description": "Items with texts in this language (BCP 47 tag)"})
    rights = fields.String(metadata={"description": "Items under this rights statement (its URI or short name)"})
    rights_flagged = fields.Boolean(metadata={"description": "Only the items whose rights need review"})
    q = fields.String(metadata={"description": "Words in the reference code, titles, descriptions or tags"})


class TextInputSchema(Schema):
    title = fields.String(required=True)
    description = fields.String(allow_none=True)
    caption = fields.String(allow_none=True)
    transcription = fields.String(allow_none=True)
    state = fields.String(validate=OneOf(enum_values(TextState)))


class ItemInputSchema(Schema):
    """A new item, as create_item takes it; codes name the place, body and terms."""

    reference_code = fields.String(required=True)
    type = fields.String(required=True, validate=OneOf(enum_values(ItemType)))
    date = fields.String(allow_none=True, metadata={"description": "1945, 1945-09, 1945-09-02, c. 1954, 1986/1990"})
    place = fields.String(allow_none=True, metadata={"description": "Place code"})
    body = fields.String(allow_none=True, metadata={"description": "Contributing body code"})
    creator = fields.String(allow_none=True)
    rights = fields.String(allow_none=True, metadata=RIGHTS_IN)
    rights_note = fields.String(allow_none=True, metadata=RIGHTS_NOTE)
    rights_flagged = fields.Boolean(metadata=RIGHTS_FLAGGED)
    source_archive = fields.String(allow_none=True)
    fonds = fields.String(allow_none=True)
    terms = fields.List(fields.String(), metadata={"description": "Term codes"})
    tags = fields.List(fields.String())
    texts = fields.Dict(keys=fields.String(), values=fields.Nested(TextInputSchema),
                        metadata={"description": "Texts per BCP 47 language tag"})  # fmt: skip


class ItemPatchSchema(ItemInputSchema):
    """The fields to change, and the version they were read at."""

    reference_code = fields.String()
    type = fields.String(validate=OneOf(enum_values(ItemType)))
    replace_texts = fields.Boolean(metadata={"description": "Remove the languages not given in texts"})
    version = fields.Integer(required=True)


class VersionSchema(Schema):
    version = fields.Integer(metadata={"description": "The version the change was made from"})


class TextPutSchema(TextInputSchema):
    version = fields.Integer(
        metadata={
            "description": "The version the change was made from: here or in the query (required; 428 without it)"
        }
    )


class TermsPutSchema(Schema):
    terms = fields.List(fields.String(), required=True, metadata={"description": "Term codes, replacing the old"})
    version = fields.Integer()


class TransitionSchema(Schema):
    action = fields.String(required=True, validate=OneOf(list(TRANSITIONS)))
    comment = fields.String(allow_none=True, metadata={"description": "Required to send back, withdraw or reinstate"})
    version = fields.Integer()


class SearchQuerySchema(Schema):
    q = fields.String(load_default="", metadata={"description": 'Words, "phrases", prefix*, -excluded; marks optional'})
    # i18n note: `lang` also chooses the language of the messages, as everywhere in the app.
    lang = fields.String(metadata={"description": "Language of titles and snippets (BCP 47 tag)"})
    page = fields.Integer(load_default=1, validate=Range(min=1, max=MAX_SEARCH_PAGE))
    per_page = fields.Integer(validate=Range(min=1, max=MAX_PER_PAGE))
    order = fields.String(load_default="relevance", validate=OneOf(["relevance", "date", "date_asc"]))
    type = fields.List(fields.String(), metadata={"description": "Item type; repeat to require several facets"})
    decade = fields.List(fields.String(), metadata={"description": "First year of a decade, e.g. 1940"})
    place = fields.List(fields.String(), metadata={"description": "Place code"})
    term = fields.List(fields.String(), metadata={"description": "Term code (convention, theme, content line)"})
    has_lang = fields.List(fields.String(), metadata={"description": "Items with texts in this language"})
    body = fields.List(fields.String(), metadata={"description": "Contributing body code"})
    status = fields.List(fields.String(validate=OneOf(enum_values(ItemStatus))), metadata={"description": "Staff only"})


class SearchHitSchema(Schema):
    id = fields.Integer()
    reference_code = fields.String()
    title = fields.String()
    title_lang = fields.String(metadata={"description": "Language of the title; Vietnamese when it fell back"})
    fallback = fields.Boolean()
    type = fields.String(metadata={"enum": enum_values(ItemType)})
    date = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": enum_values(ItemStatus)})
    highlight = fields.String(allow_none=True, metadata={"description": "HTML snippet, matches in <mark>"})
    url = fields.String(metadata={"format": "uri"})


class FacetValueSchema(Schema):
    value = fields.String()
    label = fields.String()
    count = fields.Integer()
    selected = fields.Boolean()


class SearchPageSchema(PagingSchema):
    hits = fields.List(fields.Nested(SearchHitSchema))
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FacetValueSchema)))
    notice = fields.String(allow_none=True)
