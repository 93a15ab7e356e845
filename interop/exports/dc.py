"""Dublin Core (the 15 elements of DCMES) of an item, as XML and as JSON, one value per language.

Each text, term label, place and body name is its own element carrying its language (`xml:lang` in XML,
`lang` in JSON); a value without a language (a reference code, a date, a URL) carries none. The XML of one
item is an `oai_dc:dc` record, the container the OAI-PMH schema defines for unqualified Dublin Core
(http://www.openarchives.org/OAI/2.0/oai_dc.xsd); a page of search results is a `records` element holding one
per item. Callers pass only items the reader may see: the API gives the public published ones only.
"""

from dataclasses import dataclass
from xml.etree import ElementTree

from flask import current_app
from flask_babel import force_locale

from archive.forms import TYPE_LABELS
from archive.media import derivative_path
from archive.models import Item, ItemType
from core.languages import REFERENCE_LANGUAGE
from core.urls import public_url
from interop.exports.records import is_public, rights_labels

DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
ELEMENTS = ("title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
            "identifier", "source", "language", "relation", "coverage", "rights")  # fmt: skip
# The DCMI Type Vocabulary's word for each kind of item.
DCMI_TYPES = {ItemType.PHOTO: "StillImage", ItemType.DOCUMENT: "Text", ItemType.POSTER: "StillImage",
              ItemType.PUBLICATION: "Text", ItemType.OTHER: "PhysicalObject"}  # fmt: skip

ElementTree.register_namespace("dc", DC_NS)
ElementTree.register_namespace("oai_dc", OAI_DC_NS)
ElementTree.register_namespace("xsi", XSI_NS)


@dataclass(frozen=True)
class DcValue:
    """One Dublin Core element: its name, its value, and the value's language (None for a code, date or URL)."""

    element: str
    value: str
    lang: str | None = None


def dc_values(item: Item) -> list[DcValue]:
    """The item's Dublin Core, element by element in DCMES order, each language its own value."""
    values: list[DcValue] = []

    def add(element: str, value, lang: str | None = None) -> None:
        if value:
            values.append(DcValue(element, str(value), lang))

    texts = sorted(item.texts, key=lambda t: (t.lang != REFERENCE_LANGUAGE, t.lang))
    for text in texts:
        add("title", text.title, text.lang)
        add("description", text.description, text.lang)
        if text.caption and text.caption not in (text.title, text.description):
            add("description", text.caption, text.lang)
        add("language", text.lang)
    add("creator", item.creator)
    for term in item.terms:
        for lang, label in sorted((term.labels or {}).items()):
            add("subject", label, lang)
    for tag in item.tags:
        add("subject", tag.label)
    for lang, name in sorted((item.body.names or {}).items()) if item.body else ():
        add("contributor", name, lang)
    add("date", item.date_text)
    add("type", DCMI_TYPES[item.type])
    for lang in current_app.config["LANGUAGES"]:
        with force_locale(lang):
            add("type", str(TYPE_LABELS[item.type]), lang)
    for mime in dict.fromkeys(media.mime_type for media in item.media):
        add("format", mime)
    add("identifier", item.reference_code)
    for url in _public_links(item):
        add("identifier", url)
    source = ", ".join(part for part in (item.source_archive, item.fonds) if part)
    add("source", source, REFERENCE_LANGUAGE if source else None)  # written in Vietnamese, as the page shows them
    for lang, name in sorted((item.place.names or {}).items()) if item.place else ():
        add("coverage", name, lang)
    add("rights", item.rights)
    for lang, label in sorted(rights_labels(item.rights).items()):
        add("rights", label, lang)
    order = {name: index for index, name in enumerate(ELEMENTS)}
    return sorted(values, key=lambda value: order[value.element])


def _public_links(item: Item) -> list[str]:
    """The public page and the display image (1,600 px) of a published item; none for the others."""
    if not is_public(item):
        return []
    links = [public_url("items.public_item", item_id=item.id)]
    first = item.media[0] if item.media else None
    if first is not None and derivative_path(first.sha256, "web").is_file():
        links.append(public_url("archive.media_derivative", media_id=first.id, kind="web", page=1))
    return links


# --- JSON ----------------------------------------------------------------------------------


def dc_json(item: Item) -> dict:
    """The item's Dublin Core as JSON: each element a list of {value, lang}."""
    elements: dict[str, list] = {}
    for value in dc_values(item):
        elements.setdefault(value.element, []).append({"value": value.value, "lang": value.lang})
    return {"id": item.id, "reference_code": item.reference_code, "dc": elements}


def page_json(items: list[Item], total: int, page: int, per_page: int, pages: int) -> dict:
    """A page of search results as Dublin Core JSON records, with the paging."""
    return {"records": [dc_json(item) for item in items], "total": total, "page": page, "per_page": per_page,
            "pages": pages}  # fmt: skip


# --- XML -----------------------------------------------------------------------------------


def dc_element(item: Item) -> ElementTree.Element:
    """The item's `oai_dc:dc` element."""
    root = ElementTree.Element(f"{{{OAI_DC_NS}}}dc", {f"{{{XSI_NS}}}schemaLocation": OAI_DC_SCHEMA})
    for value in dc_values(item):
        element = ElementTree.SubElement(root, f"{{{DC_NS}}}{value.element}")
        element.text = value.value
        if value.lang:
            element.set(XML_LANG, value.lang)
    return root


def item_xml(item: Item) -> bytes:
    """One item's Dublin Core as an XML document (UTF-8)."""
    return _document(dc_element(item))


def page_xml(items: list[Item], total: int, page: int, per_page: int, pages: int) -> bytes:
    """A page of search results: a `records` element with the paging, holding each item's `oai_dc:dc`."""
    root = ElementTree.Element("records", {"total": str(total), "page": str(page), "per_page": str(per_page),
                                           "pages": str(pages)})  # fmt: skip
    for item in items:
        record = ElementTree.SubElement(root, "record", {"id": str(item.id), "reference_code": item.reference_code})
        record.append(dc_element(item))
    return _document(root)


def _document(root: ElementTree.Element) -> bytes:
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
