"""What a record exposes: an item read into plain data (its sets and Dublin Core elements, one per language
with its `xml:lang`), the digest that tells when any of it changed, and its `oai_dc` XML.

The digest covers everything the record shows — texts, term and body names, rights, media, addresses, sets —
so its datestamp moves exactly when something a harvester would see moved (interop.oai.tracking).
"""

import hashlib
import json
import re
from dataclasses import dataclass

from flask import current_app
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive import rights
from archive.models import Item, ItemProvenance, ItemStatus, ItemType, Term
from interop.oai import sets
from interop.oai.datestamps import format_datestamp

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PROVENANCE = "http://www.openarchives.org/OAI/2.0/provenance"
PROVENANCE_SCHEMA = "http://www.openarchives.org/OAI/2.0/provenance.xsd"
# DCMI Type Vocabulary terms for the archive's types.
DCMI_TYPES = {ItemType.PHOTO: "StillImage", ItemType.POSTER: "StillImage", ItemType.DOCUMENT: "Text",
              ItemType.PUBLICATION: "Text"}  # fmt: skip
# Characters XML 1.0 cannot carry (texts are checked for control characters, harvested ones may not be).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
DISPLAY_IMAGE = "web"  # the 1,600 px derivative (archive.media.DERIVATIVE_SIDES)


@dataclass(frozen=True)
class Provenance:
    """Where a harvested record came from, for its `about` block (the OAI provenance schema)."""

    base_url: str
    identifier: str
    datestamp: str
    metadata_namespace: str
    harvest_date: str
    altered: bool = True


@dataclass(frozen=True)
class RecordData:
    """An exposed item as plain data: its leaf setSpecs, its Dublin Core elements as (element, value, language
    or None), and where it came from when it was harvested."""

    item_id: int
    sets: tuple[str, ...]
    elements: tuple[tuple[str, str, str | None], ...]
    provenance: Provenance | None = None

    def digest(self) -> str:
        """SHA-256 of everything the record exposes."""
        body = [self.sets, self.elements, self.provenance and list(vars(self.provenance).items())]
        return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()


# --- Addresses -----------------------------------------------------------------------------


def _path(endpoint: str, **values) -> str:
    # Built from the URL map, so it works without a request (the outbox is applied in a background thread).
    return current_app.url_map.bind("localhost").build(endpoint, values)


def item_page_url(item_id: int) -> str:
    """The item's public page."""
    return current_app.config["BASE_URL"] + _path("items.public_item", item_id=item_id)


def display_image_url(media_id: int) -> str:
    """The display image of a file's first page: the 1,600 px "web" derivative."""
    return current_app.config["BASE_URL"] + _path("archive.media_derivative", media_id=media_id,
                                                  kind=DISPLAY_IMAGE, page=1)  # fmt: skip


def manifest_url(item_id: int) -> str:
    """The item's IIIF Presentation manifest (interop.iiif serves it)."""
    return f"{current_app.config['BASE_URL']}/iiif/items/{item_id}/manifest.json"


def rights_values(item: Item) -> list[tuple[str, str | None]]:
    """The item's `dc:rights`: (value, language) pairs — the statement's canonical URI, then its name in each
    language the catalogs carry (archive.rights)."""
    if not item.rights:
        return []
    return [(item.rights, None), *((label, lang) for lang, label in sorted(rights.labels(item.rights).items()))]


# --- Reading -------------------------------------------------------------------------------


def load_items(session, item_ids) -> dict[int, Item]:
    """The items among `item_ids` with what their records show, in a few queries."""
    query = select(Item).where(Item.id.in_(list(item_ids))).options(
        selectinload(Item.texts), selectinload(Item.terms).selectinload(Term.scheme), selectinload(Item.tags),
        selectinload(Item.place), selectinload(Item.body), selectinload(Item.media),
        selectinload(Item.provenance).selectinload(ItemProvenance.repository),
    )  # fmt: skip
    return {item.id: item for item in session.scalars(query)}


def read_records(session, item_ids) -> dict[int, RecordData | None]:
    """item id → its record's data, or None where the item is not exposed (not published, or gone)."""
    ids = sorted(set(item_ids))
    items = load_items(session, ids)
    shown = sets.exhibitions_showing(session, [i for i, item in items.items() if item.status == ItemStatus.PUBLISHED])
    return {item_id: (record_of(items[item_id], shown.get(item_id, ()))
                      if item_id in items and items[item_id].status == ItemStatus.PUBLISHED else None)
            for item_id in ids}  # fmt: skip


def record_of(item: Item, exhibition_ids) -> RecordData:
    """A published item's record data."""
    out: list[tuple[str, str, str | None]] = []

    def add(element: str, value, lang: str | None = None) -> None:
        if value:
            out.append((element, _clean(str(value)), lang))

    for text in item.texts:
        add("title", text.title, text.lang)
    add("creator", item.creator)
    for term in item.terms:
        for lang, label in sorted(term.labels.items()):
            add("subject", label, lang)
    for tag in item.tags:
        add("subject", tag.label)
    for text in item.texts:
        add("description", text.description, text.lang)
        add("description", text.caption, text.lang)
    if item.body is not None:
        for lang, name in sorted(item.body.names.items()):
            add("contributor", name, lang)
    add("date", item.date_text)
    add("type", DCMI_TYPES.get(item.type))
    for mime in dict.fromkeys(media.mime_type for media in item.media):
        add("format", mime)
    add("identifier", item_page_url(item.id))
    if item.media:
        add("identifier", display_image_url(item.media[0].id))
    add("identifier", item.reference_code)
    add("source", item.source_archive)
    add("source", item.fonds)
    add("relation", manifest_url(item.id))
    if item.place is not None:
        for lang, name in sorted(item.place.names.items()):
            add("coverage", name, lang)
    for value, lang in rights_values(item):
        add("rights", value, lang)
    return RecordData(item.id, sets.item_specs(item, exhibition_ids), tuple(out), provenance_of(item))


def provenance_of(item: Item) -> Provenance | None:
    """Where a harvested item's record came from (archive.models.ItemProvenance); None for the archive's own."""
    origin = item.provenance
    if origin is None:
        return None
    # Altered: its identifiers, reference code and addresses are this repository's now.
    return Provenance(base_url=origin.repository.base_url, identifier=origin.oai_identifier,
                      datestamp=origin.datestamp, metadata_namespace=OAI_DC,
                      harvest_date=format_datestamp(origin.harvested_at))  # fmt: skip


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value)


# --- XML -----------------------------------------------------------------------------------


def oai_dc(record: RecordData) -> etree._Element:
    """The record's `oai_dc:dc` element."""
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {OAI_DC_SCHEMA}")
    for element, value, lang in record.elements:
        child = etree.SubElement(root, f"{{{DC}}}{element}")
        child.text = value
        if lang:
            child.set(XML_LANG, lang)
    return root


def provenance_block(origin: Provenance) -> etree._Element:
    """The `provenance` element of a harvested record's `about`: the repository, identifier and datestamp it
    was harvested from."""
    root = etree.Element(f"{{{PROVENANCE}}}provenance", nsmap={None: PROVENANCE, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{PROVENANCE} {PROVENANCE_SCHEMA}")
    altered = "true" if origin.altered else "false"
    description = etree.SubElement(root, f"{{{PROVENANCE}}}originDescription", harvestDate=origin.harvest_date,
                                   altered=altered)  # fmt: skip
    for name, value in (("baseURL", origin.base_url), ("identifier", origin.identifier),
                        ("datestamp", origin.datestamp), ("metadataNamespace", origin.metadata_namespace)):  # fmt: skip
        etree.SubElement(description, f"{{{PROVENANCE}}}{name}").text = value
    return root
