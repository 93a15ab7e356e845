"""A source's `oai_dc` record as the archive takes it (archive.harvested.HarvestedRecord): texts per language,
the identifiers sorted into the record's own code, its page at the source and its image candidates.

No special case for Vitrine: a province's instance and any other repository's plain `oai_dc` read alike.
"""

import re
from urllib.parse import urlsplit

from archive.harvested import HarvestedRecord
from core.languages import clean_tag
from interop.harvest.protocol import OaiRecord

OWN_CODE_LENGTH = 60
IMAGE_PATH = re.compile(r"\.(jpe?g|png|tiff?)$", re.IGNORECASE)
MANIFEST = re.compile(r"manifest(\.json)?$", re.IGNORECASE)  # a IIIF Presentation manifest, by its usual name


def values(record: OaiRecord, name: str) -> list[str]:
    """The values of one Dublin Core element, in the record's order."""
    return [value for value, _lang in record.fields.get(name, [])]


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://")) and bool(urlsplit(value).hostname)


def looks_like_image(url: str) -> bool:
    """Whether a URL's path ends like an image file: such identifiers are tried first for the image."""
    return bool(IMAGE_PATH.search(urlsplit(url).path))


def texts_by_language(record: OaiRecord, default_lang: str) -> dict[str, dict]:
    """Title and description per language: an element's xml:lang, else the source's default language."""
    texts: dict[str, dict] = {}
    for name in ("title", "description"):
        for value, lang in record.fields.get(name, []):
            tag = clean_tag(lang) or default_lang
            entry = texts.setdefault(tag, {"title": None, "description": None})
            if name == "title":
                entry["title"] = entry["title"] or value
            else:
                entry["description"] = "\n\n".join(v for v in (entry["description"], value) if v)
    return texts


def image_candidates(record: OaiRecord, limit: int) -> list[str]:
    """The dc:identifier URLs that may be the record's image, those ending like an image file first."""
    urls = list(dict.fromkeys(v for v in values(record, "identifier") if is_url(v)))
    return sorted(urls, key=lambda url: not looks_like_image(url))[:limit]


def harvested_record(record: OaiRecord, default_lang: str) -> HarvestedRecord:
    """The archive's view of one record (its image is fetched later, by interop.harvest.images)."""
    identifiers = values(record, "identifier")
    urls = [v for v in identifiers if is_url(v)]
    pages = [url for url in urls if not looks_like_image(url)]
    relations = [v for v in values(record, "relation") if is_url(v)]
    own = next((v for v in identifiers if not is_url(v) and v != record.identifier and "://" not in v
                and len(v) <= OWN_CODE_LENGTH), None)  # fmt: skip
    return HarvestedRecord(
        oai_identifier=record.identifier,
        datestamp=record.datestamp,
        deleted=record.deleted,
        own_code=own,
        source_url=pages[0] if pages else None,
        manifest_url=next((url for url in relations if MANIFEST.search(urlsplit(url).path)), None),
        texts=texts_by_language(record, default_lang),
        types=values(record, "type"),
        dates=values(record, "date"),
        creators=values(record, "creator"),
        agents=values(record, "publisher") + values(record, "contributor"),
        rights=values(record, "rights"),
        sources=values(record, "source"),
        subjects=values(record, "subject"),
        coverage=values(record, "coverage"),
    )
