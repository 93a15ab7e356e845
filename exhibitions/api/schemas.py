"""Marshmallow schemas of the exhibitions in the JSON API v1, and the records they dump.

Input schemas check shapes and types; the services own the rules. Records are plain dicts
built from the models with the QR links read once per request: a schema cannot query, and
marshmallow 4 has no dump context to hand the links down to nested schemas.
"""

from marshmallow import Schema, fields, post_dump

from archive.models import ItemStatus, TextState
from archive.schemas import PlaceRefSchema
from core.pagination import MAX_PAGE, MAX_PER_PAGE
from core.schemas import CURSOR, CursorPagingSchema, OneOf, Range, UtcDateTime, enum_values
from core.urls import MAX_ID, public_url, qr_url
from exhibitions.models import Entry, Exhibition, ExhibitionMode, ExhibitionStatus, QrTarget, Section
from exhibitions.qr import panel_code
from exhibitions.reading import VISIBLE

TEXT_STATE = {"validate": OneOf(enum_values(TextState))}
BY_LANGUAGE = {"description": "Per BCP 47 language tag"}
OWN_TITLES = {"description": "Per BCP 47 language tag: the entry's title in this exhibition only, before the item's"}

# --- Out: settings, texts, sections, entries -------------------------------------------------


class QrRefSchema(Schema):
    code = fields.String()
    url = fields.String(metadata={"format": "uri", "description": "The absolute /q address the QR code holds"})


class ExhibitionRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()


class ExhibitionTextSchema(Schema):
    title = fields.String()
    introduction = fields.String(allow_none=True)
    state = fields.String(metadata={"enum": enum_values(TextState)})


class SectionTextSchema(Schema):
    title = fields.String(allow_none=True)
    body = fields.String(allow_none=True)
    state = fields.String(metadata={"enum": enum_values(TextState)})


class CaptionSchema(Schema):
    text = fields.String()
    state = fields.String(metadata={"enum": enum_values(TextState)})


class EntrySchema(Schema):
    """An item on a panel, with the curator's title and caption overrides per language."""

    id = fields.Integer()
    position = fields.Integer()
    item_id = fields.Integer()
    reference_code = fields.String()
    item_published = fields.Boolean(metadata={"description": "Unpublished items are left out for the public"})
    panel_number = fields.String(allow_none=True)
    panel_code = fields.String(allow_none=True, metadata={"description": "Typed beside the QR: CB25-017"})
    titles = fields.Dict(keys=fields.String(), values=fields.Nested(CaptionSchema), metadata=OWN_TITLES)
    captions = fields.Dict(keys=fields.String(), values=fields.Nested(CaptionSchema), metadata=BY_LANGUAGE)
    source_entry_id = fields.Integer(allow_none=True, metadata={"description": "The framework entry it copies"})
    qr = fields.Nested(QrRefSchema, allow_none=True)


class SectionSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    texts = fields.Dict(keys=fields.String(), values=fields.Nested(SectionTextSchema), metadata=BY_LANGUAGE)
    source_section_id = fields.Integer(allow_none=True, metadata={"description": "The framework section it copies"})
    qr = fields.Nested(QrRefSchema, allow_none=True)
    entries = fields.List(fields.Nested(EntrySchema))


class ExhibitionLinksSchema(Schema):
    self_url = fields.String(data_key="self", metadata={"format": "uri"})
    page = fields.String(metadata={"format": "uri", "description": "The public page (a preview for drafts)"})


class ExhibitionSummarySchema(Schema):
    """An exhibition's settings and texts, without its sections."""

    id = fields.Integer()
    code = fields.String(metadata={"description": "Prefix of the panel codes: CB25"})
    venue = fields.Nested(PlaceRefSchema, allow_none=True)
    mode = fields.String(metadata={"enum": enum_values(ExhibitionMode)})
    opens_on = fields.Date(allow_none=True)
    closes_on = fields.Date(allow_none=True)
    primary_language = fields.String()
    languages = fields.List(fields.String(), metadata={"description": "The other languages, in order"})
    fallback_chain = fields.List(fields.String(), metadata={"description": "Tried in order when a text is missing"})
    status = fields.String(metadata={"enum": enum_values(ExhibitionStatus)})
    is_framework = fields.Boolean()
    derived_from = fields.Nested(ExhibitionRefSchema, allow_none=True)
    frozen = fields.Boolean(metadata={"description": "Archived: what the public saw is kept as it was"})
    version = fields.Integer(metadata={"description": "Send it back with a change; a stale one is refused (409)"})
    texts = fields.Dict(keys=fields.String(), values=fields.Nested(ExhibitionTextSchema), metadata=BY_LANGUAGE)
    qr = fields.Nested(QrRefSchema, allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    published_at = UtcDateTime(allow_none=True)
    archived_at = UtcDateTime(allow_none=True)
    withdrawn_at = UtcDateTime(
        allow_none=True, metadata={"description": "When it was taken down from public view (staff only see it then)"}
    )
    links = fields.Nested(ExhibitionLinksSchema)


class ExhibitionSchema(ExhibitionSummarySchema):
    """An exhibition with its sections and entries in order."""

    sections = fields.List(fields.Nested(SectionSchema))


class ExhibitionPageSchema(CursorPagingSchema):
    exhibitions = fields.List(fields.Nested(ExhibitionSummarySchema))


class QrLinkSchema(Schema):
    code = fields.String()
    target = fields.String(metadata={"enum": enum_values(QrTarget)})
    target_id = fields.Integer(allow_none=True)
    lang = fields.String(allow_none=True, metadata={"description": "Printed language; null: the primary one"})
    url = fields.String(metadata={"format": "uri"})
    png_url = fields.String(metadata={"format": "uri"})
    svg_url = fields.String(metadata={"format": "uri"})
    scans = fields.Integer(metadata={"description": "Times the code was opened, all days together"})
    created_at = UtcDateTime()


class DifferenceSchema(Schema):
    kind = fields.String(metadata={"enum": ["framework_changed", "both_changed", "local_change", "added_in_framework",
                                            "removed_in_framework", "added_locally"]})  # fmt: skip
    fields_ = fields.List(fields.String(), data_key="fields",
                          metadata={"description": "item, titles.<lang>, captions.<lang>"})  # fmt: skip
    entry_id = fields.Integer(allow_none=True, metadata={"description": "This exhibition's entry"})
    source_entry_id = fields.Integer(allow_none=True, metadata={"description": "The framework's entry"})
    pullable = fields.Boolean()
    key = fields.String(metadata={"description": "Send it to /pull to take the framework's side"})


class DifferencesSchema(Schema):
    derived_from = fields.Nested(ExhibitionRefSchema, allow_none=True)
    differences = fields.List(fields.Nested(DifferenceSchema))


# --- Out: the reader's view ----------------------------------------------------------------


class ShownTextSchema(Schema):
    text = fields.String(allow_none=True)
    lang = fields.String(metadata={"description": "The language shown"})
    fallback = fields.Boolean(metadata={"description": "True when the text is not in the language asked for"})
    state = fields.String(allow_none=True, metadata={"enum": enum_values(TextState)})


class ViewImageSchema(Schema):
    media_id = fields.Integer()
    sha256 = fields.String()
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    thumb_url = fields.String(metadata={"format": "uri"})
    web_url = fields.String(metadata={"format": "uri"})


class ViewVenueSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()


class ViewRightsSchema(Schema):
    uri = fields.String(allow_none=True, metadata={"format": "uri", "description": "The canonical URI of a "
                        "RightsStatements.org statement or Creative Commons licence; null in an exhibition archived "
                        "before rights were statements, whose label is the free text shown then"})  # fmt: skip
    label = fields.String(metadata={"description": "Its name, in vi, en or fr (the first of the reader's chain)"})
    lang = fields.String()


class ViewEntrySchema(Schema):
    id = fields.Integer()
    item_id = fields.Integer(allow_none=True, metadata={"description": "null in the placeholder of a withdrawn item"})
    item_published = fields.Boolean()
    withdrawn = fields.Boolean(
        metadata={"description": "The placeholder of an item withdrawn from public view: nothing of the item is given"}
    )
    panel_number = fields.String(allow_none=True)
    panel_code = fields.String(allow_none=True)
    reference_code = fields.String()
    type = fields.String()
    date = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    credit = fields.String(allow_none=True)
    rights = fields.Nested(ViewRightsSchema, allow_none=True)
    title = fields.Nested(ShownTextSchema)
    caption = fields.Nested(ShownTextSchema)
    description = fields.Nested(ShownTextSchema)
    image = fields.Nested(ViewImageSchema, allow_none=True)
    qr_code = fields.String(allow_none=True)


class ViewSectionSchema(Schema):
    id = fields.Integer()
    title = fields.Nested(ShownTextSchema)
    body = fields.Nested(ShownTextSchema)
    qr_code = fields.String(allow_none=True)
    entries = fields.List(fields.Nested(ViewEntrySchema))


class ReaderViewSchema(Schema):
    """The exhibition as a reader sees it in one language, each text marked when it fell back."""

    id = fields.Integer()
    code = fields.String()
    lang = fields.String(metadata={"description": "The language read in"})
    chain = fields.List(fields.String(), metadata={"description": "The languages tried, in order"})
    status = fields.String(metadata={"enum": enum_values(ExhibitionStatus)})
    mode = fields.String(metadata={"enum": enum_values(ExhibitionMode)})
    is_framework = fields.Boolean()
    opens_on = fields.String(allow_none=True, metadata={"format": "date"})
    closes_on = fields.String(allow_none=True, metadata={"format": "date"})
    primary_language = fields.String()
    languages = fields.List(fields.String())
    venue = fields.Nested(ViewVenueSchema, allow_none=True)
    title = fields.Nested(ShownTextSchema)
    introduction = fields.Nested(ShownTextSchema)
    qr_code = fields.String(allow_none=True)
    sections = fields.List(fields.Nested(ViewSectionSchema))

    @post_dump(pass_original=True)
    def add_image_urls(self, data, view, **kwargs):
        """The image addresses, which need the exhibition's id from the top of the view (a reading.ExhibitionView)."""
        for section in data.get("sections", []):
            for entry in section.get("entries", []):
                if image := entry.get("image"):
                    for kind in ("thumb", "web"):
                        image[f"{kind}_url"] = public_url("exhibitions.image", exhibition_id=view.id,
                                                          sha256=image["sha256"], kind=kind)  # fmt: skip
        return data


# --- In ------------------------------------------------------------------------------------


class ExhibitionQuerySchema(Schema):
    page = fields.Integer(validate=Range(min=1, max=MAX_PAGE), metadata={"description": "Page number (1 if no cursor)"})
    cursor = fields.String(metadata=CURSOR)
    per_page = fields.Integer(validate=Range(min=1, max=MAX_PER_PAGE))
    status = fields.String(validate=OneOf(enum_values(ExhibitionStatus)))
    venue = fields.String(metadata={"description": "Venue code: vn-cao-bang, geneva"})
    framework = fields.Boolean(metadata={"description": "true: content frameworks only; false: venues' exhibitions"})


class ViewQuerySchema(Schema):
    # `lang` also chooses the language of the messages, as everywhere in the app.
    lang = fields.String(metadata={"description": "Language to read in (BCP 47); default: the interface's"})


class ExhibitionTextInputSchema(Schema):
    title = fields.String(allow_none=True)
    introduction = fields.String(allow_none=True)
    state = fields.String(**TEXT_STATE)


class ExhibitionSettingsSchema(Schema):
    """Settings and texts as the services take them; codes name the venue."""

    code = fields.String(allow_none=True, metadata={"description": "2–10 capitals or digits; made up when left out"})
    venue = fields.String(allow_none=True, metadata={"description": "Venue code"})
    mode = fields.String(validate=OneOf(enum_values(ExhibitionMode)))
    opens_on = fields.Date(allow_none=True)
    closes_on = fields.Date(allow_none=True)
    primary_language = fields.String()
    languages = fields.List(fields.String())
    fallback_chain = fields.List(fields.String())
    texts = fields.Dict(keys=fields.String(), values=fields.Nested(ExhibitionTextInputSchema), metadata=BY_LANGUAGE)


class ExhibitionInputSchema(ExhibitionSettingsSchema):
    is_framework = fields.Boolean(metadata={"description": "A national content framework venues derive from"})


class ExhibitionPatchSchema(ExhibitionInputSchema):
    version = fields.Integer(required=True, metadata={"description": "The version the change was made from"})


class DeriveInputSchema(ExhibitionSettingsSchema):
    """The venue's own settings; texts and languages left out are the framework's."""

    venue = fields.String(required=True, metadata={"description": "Venue code"})


class SectionTextInputSchema(Schema):
    title = fields.String(allow_none=True)
    body = fields.String(allow_none=True)
    state = fields.String(**TEXT_STATE)


class SectionInputSchema(Schema):
    texts = fields.Dict(keys=fields.String(), values=fields.Nested(SectionTextInputSchema), required=True,
                        metadata=BY_LANGUAGE)  # fmt: skip


class CaptionInputSchema(Schema):
    text = fields.String(allow_none=True)
    state = fields.String(**TEXT_STATE)


class EntryInputSchema(Schema):
    item_id = fields.Integer(required=True, validate=Range(min=1, max=MAX_ID))
    panel_number = fields.String(allow_none=True, metadata={"description": "The next free number when left out"})
    titles = fields.Dict(keys=fields.String(), values=fields.Nested(CaptionInputSchema), metadata=OWN_TITLES)
    captions = fields.Dict(keys=fields.String(), values=fields.Nested(CaptionInputSchema), metadata=BY_LANGUAGE)


class TakedownInputSchema(Schema):
    reason = fields.String(required=True, metadata={"description": "Why, kept in the exhibition's history"})


class PullInputSchema(Schema):
    key = fields.String(required=True, metadata={"description": "A difference's key: s<id> or e<id>"})


# --- Records -------------------------------------------------------------------------------


def qr_ref(links: dict, exhibition_id: int, target: QrTarget, target_id: int | None) -> dict | None:
    """The code and absolute URL of one target's primary-language link, if it has one."""
    link = links.get((exhibition_id, str(target), target_id))
    return {"code": link.code, "url": qr_url(link.code)} if link else None


def entry_record(entry: Entry, links: dict) -> dict:
    """An entry as EntrySchema dumps it."""
    exhibition = entry.section.exhibition
    return {
        "id": entry.id,
        "position": entry.position,
        "item_id": entry.item_id,
        "reference_code": entry.item.reference_code,
        "item_published": entry.item.status == ItemStatus.PUBLISHED,
        "panel_number": entry.panel_number,
        "panel_code": panel_code(exhibition.code, entry.panel_number),
        "titles": dict(entry.titles or {}),
        "captions": dict(entry.captions or {}),
        "source_entry_id": entry.source_entry_id,
        "qr": qr_ref(links, exhibition.id, QrTarget.ENTRY, entry.id),
    }


def section_record(section: Section, links: dict, public: bool = False) -> dict:
    """A section and its entries as SectionSchema dumps it; the public sees published items only."""
    entries = [entry_record(entry, links) for entry in section.entries]
    return {
        "id": section.id,
        "position": section.position,
        "texts": dict(section.texts or {}),
        "source_section_id": section.source_section_id,
        "qr": qr_ref(links, section.exhibition_id, QrTarget.SECTION, section.id),
        "entries": [e for e in entries if e["item_published"] or not public],
    }


def source_ref(source: Exhibition | None, public: bool) -> dict | None:
    """The framework an exhibition was derived from, as ExhibitionRefSchema dumps it; for the public only one it may
    read itself (a framework in preparation, or taken down, is not named: its id and code are the staff's)."""
    if source is None or (public and (source.status not in VISIBLE or source.taken_down)):
        return None
    return {"id": source.id, "code": source.code}


def exhibition_record(exhibition: Exhibition, links: dict, sections: bool = True, public: bool = False) -> dict:
    """An exhibition as ExhibitionSchema (or, without sections, ExhibitionSummarySchema) dumps it."""
    record = {
        name: getattr(exhibition, name)
        for name in ("id", "code", "venue", "mode", "opens_on", "closes_on", "primary_language", "languages",
                     "fallback_chain", "status", "is_framework", "version", "created_at", "updated_at",
                     "published_at", "archived_at", "withdrawn_at")
    }  # fmt: skip
    record |= {
        "derived_from": source_ref(exhibition.derived_from, public),
        "frozen": bool(exhibition.frozen),
        "texts": {t.lang: t for t in exhibition.texts},
        "qr": qr_ref(links, exhibition.id, QrTarget.EXHIBITION, None),
        "links": {
            "self_url": public_url("api_exhibitions.exhibition", exhibition_id=exhibition.id),
            "page": public_url("exhibitions.public_exhibition", exhibition_id=exhibition.id),
        },
    }
    if sections:
        record["sections"] = [section_record(s, links, public) for s in exhibition.sections]
    return record


def qr_link_record(link, scans: int) -> dict:
    """A QR link with its addresses and scan count, as QrLinkSchema dumps it."""
    return {
        "code": link.code,
        "target": link.target,
        "target_id": link.target_id,
        "lang": link.lang,
        "url": qr_url(link.code),
        "png_url": public_url("qr.image_png", code=link.code),
        "svg_url": public_url("qr.image_svg", code=link.code),
        "scans": scans,
        "created_at": link.created_at,
    }


def difference_record(difference) -> dict:
    """A frameworks.Difference as DifferenceSchema dumps it."""
    return {
        "kind": difference.kind,
        "fields_": list(difference.fields),
        "entry_id": difference.entry.id if difference.entry is not None else None,
        "source_entry_id": difference.source.id if difference.source is not None else None,
        "pullable": difference.pullable,
        "key": difference.key,
    }
