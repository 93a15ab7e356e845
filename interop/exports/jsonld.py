"""schema.org JSON-LD of the public item and exhibition pages: what search engines and aggregators read.

Registered with core.structured_data when the app is built, so the portal's and the exhibitions' templates
write it without importing this package. Every text is given in each of its languages as a language-tagged
value; the licence is the rights statement's URI.
"""

import re

from archive.models import Item, ItemType
from core.db import db
from core.languages import REFERENCE_LANGUAGE
from core.structured_data import provide
from core.urls import public_url
from exhibitions.models import Exhibition, ExhibitionMode, ExhibitionStatus
from exhibitions.reading import ExhibitionView

CONTEXT = "https://schema.org"
# Exact dates as ISO 8601 writes them; an approximate date or a range becomes a temporal coverage.
_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
ITEM_TYPES = {ItemType.PHOTO: ["ArchiveComponent", "Photograph"],
              ItemType.POSTER: ["ArchiveComponent", "VisualArtwork"]}  # fmt: skip
ATTENDANCE = {ExhibitionMode.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
              ExhibitionMode.ONLINE: "https://schema.org/OnlineEventAttendanceMode",
              ExhibitionMode.BOTH: "https://schema.org/MixedEventAttendanceMode"}  # fmt: skip
MAX_WORKS = 200  # works an exhibition's data lists: enough for any set of panels, bounded all the same


def languages(pairs) -> list[dict]:
    """(language, text) pairs as JSON-LD language-tagged values, the Vietnamese reference first."""
    ordered = sorted(((lang, text) for lang, text in pairs if text), key=lambda p: (p[0] != REFERENCE_LANGUAGE, p[0]))
    return [{"@value": text, "@language": lang} for lang, text in ordered]


def _is_uri(value: str | None) -> bool:
    return bool(value) and value.startswith(("http://", "https://"))


def _dates(item: Item) -> dict:
    if not item.date_text:
        return {}
    if _ISO_DATE.match(item.date_text):
        return {"dateCreated": item.date_text}
    return {"temporalCoverage": f"{item.date_start.isoformat()}/{item.date_end.isoformat()}"}


def item_data(item: Item, image: str | None = None) -> dict:
    """The JSON-LD of an item's public page; `image` is the absolute URL of its display image, if any."""
    url = public_url("items.public_item", item_id=item.id)
    data = {
        "@context": CONTEXT, "@type": ITEM_TYPES.get(item.type, "ArchiveComponent"), "@id": url, "url": url,
        "identifier": item.reference_code, "name": languages((t.lang, t.title) for t in item.texts),
        "description": languages((t.lang, t.description or t.caption) for t in item.texts),
        "inLanguage": [t.lang for t in item.texts], **_dates(item),
    }  # fmt: skip
    if _is_uri(item.rights):
        data["license"] = item.rights
    if image:
        data["image"] = image
    if item.creator:
        data["creator"] = {"name": item.creator}
    if item.place:
        data["contentLocation"] = {"@type": "Place", "name": languages((item.place.names or {}).items())}
    if item.body:
        data["sourceOrganization"] = {"@type": "Organization", "name": languages((item.body.names or {}).items())}
    if item.source_archive:
        data["holdingArchive"] = {"@type": "ArchiveOrganization", "name": item.source_archive}
    if item.fonds:
        data["isPartOf"] = {"@type": "Collection", "name": item.fonds}
    if item.terms:
        data["about"] = [_term(term) for term in item.terms]
    if item.tags:
        data["keywords"] = [tag.label for tag in item.tags]
    return {key: value for key, value in data.items() if value not in ([], None, "")}


def _term(term) -> dict:
    scheme = term.scheme
    return {"@type": "DefinedTerm", "termCode": term.code, "name": languages((term.labels or {}).items()),
            "inDefinedTermSet": {"@type": "DefinedTermSet", "identifier": scheme.code,
                                 "name": languages((scheme.labels or {}).items())}}  # fmt: skip


def exhibition_data(view: ExhibitionView, image: str | None = None) -> dict | None:
    """The JSON-LD of an exhibition's landing page (an ExhibitionEvent); None for a draft a curator previews."""
    if view.status == ExhibitionStatus.DRAFT:
        return None
    exhibition = db.session.get(Exhibition, view.id)
    url = public_url("exhibitions.public_exhibition", exhibition_id=view.id)
    data = {
        "@context": CONTEXT, "@type": "ExhibitionEvent", "@id": url, "url": url, "identifier": view.code,
        "name": languages((t.lang, t.title) for t in exhibition.texts),
        "description": languages((t.lang, t.introduction) for t in exhibition.texts),
        "inLanguage": list(dict.fromkeys([view.primary_language, *view.languages])),
        "eventAttendanceMode": ATTENDANCE[ExhibitionMode(view.mode)],
        "location": _locations(exhibition, url),
        "workFeatured": [{"@id": public_url("items.public_item", item_id=entry.item_id), "name": entry.title.text}
                         for entry in list(view.entries)[:MAX_WORKS] if entry.item_published],  # fmt: skip
    }  # fmt: skip
    if view.opens_on:
        data["startDate"] = view.opens_on.isoformat()
    if view.closes_on:
        data["endDate"] = view.closes_on.isoformat()
    if image:
        data["image"] = image
    return {key: value for key, value in data.items() if value not in ([], None, "")}


def _locations(exhibition: Exhibition, url: str) -> list[dict]:
    """The venue (a place with its country) for an exhibition shown in person, this site for one shown online."""
    found = []
    if exhibition.mode != ExhibitionMode.ONLINE and exhibition.venue is not None:
        venue = exhibition.venue
        found.append({"@type": "Place", "name": languages((venue.names or {}).items()),
                      "address": {"@type": "PostalAddress", "addressCountry": venue.country}})  # fmt: skip
    if exhibition.mode != ExhibitionMode.IN_PERSON:
        found.append({"@type": "VirtualLocation", "url": url})
    return found


def init_app(app) -> None:
    """Describe the item and exhibition pages."""
    provide(app, "item", item_data)
    provide(app, "exhibition", exhibition_data)
