"""Harvested items: created, updated and withdrawn from the records of a source repository, read-only otherwise.

interop.harvest reads a source's OAI-PMH answers and hands each record here as a `HarvestedRecord`: the
Dublin Core values as the source wrote them, its texts per language, and its display image already stored
and probed (archive.media.staged_uploads, as an upload). Here the values become an item: the type and the
date are read, subjects, places and bodies matched to the archive's own by any of their names (a subject
nothing matches is kept as a free tag), the reference code qualified by the source, the provenance kept.
People change none of it (archive.services.harvested_refusal): the source does, at the next harvest.
Services flush, never commit.
"""

import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from archive.dates import parse_date
from archive.models import (
    Body,
    Item,
    ItemProvenance,
    ItemStatus,
    ItemTag,
    ItemText,
    ItemType,
    MediaFile,
    MediaJob,
    Place,
    SourceRepository,
    Term,
    TextState,
)
from archive.rights import Reading, canonical, from_text
from archive.services import LIMITS, flush_checked, snapshot
from archive.source_images import SourceService
from archive.workflow import taken_down_here
from core.audit import record_event
from core.db import utcnow
from core.errors import ValidationError
from core.events import item_status_changed
from core.i18n import _
from core.languages import clean_tag
from core.search import fold

UNDETERMINED = "und"
CODE_LENGTH = 80  # Item.reference_code
MAX_TAGS = 30
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# dc:type values, folded (see _fold): the archive's own types and words archives use, then the DCMI types,
# which say less (a poster is an Image too) and count only when no other value names a type.
TYPE_WORDS = {
    ItemType.PHOTO: {"photo", "photograph", "photographs", "anh", "hinh anh", "anh tu lieu", "photographie"},
    ItemType.POSTER: {"poster", "posters", "tranh co dong", "affiche", "painting", "tranh"},
    ItemType.DOCUMENT: {"document", "documents", "manuscript", "letter", "tai lieu", "van ban", "van kien"},
    ItemType.PUBLICATION: {"publication", "book", "periodical", "journal", "an pham", "sach", "bao", "livre"},
}  # fmt: skip
DCMI_TYPES = {"image": ItemType.PHOTO, "stillimage": ItemType.PHOTO, "text": ItemType.DOCUMENT,
              "texte": ItemType.DOCUMENT}  # fmt: skip


class HarvestRefusal(ValidationError):
    """A record the archive will not store as it is; the harvest logs it and goes on with the next.

    `code` and `detail` are kept with the run, and said in the reader's language where it is shown."""

    def __init__(self, message: str, code: str, detail: str):
        super().__init__(message, field="record", code=code)
        self.detail = detail


@dataclass(frozen=True)
class HarvestedImage:
    """A source's display image, stored by SHA-256 and probed in the sandbox before any unit opened."""

    url: str
    name: str
    sha256: str
    size: int
    mime: str
    width: int | None
    height: int | None
    pages: int = 1


@dataclass
class HarvestedRecord:
    """One record of a source as it wrote it (Dublin Core), ready to become or change an item."""

    oai_identifier: str
    datestamp: str
    deleted: bool = False
    own_code: str | None = None  # an identifier of the record that is not a URL: its reference code there
    source_url: str | None = None  # the record's own page at the source
    manifest_url: str | None = None  # its IIIF manifest at the source
    texts: dict[str, dict] = field(default_factory=dict)  # language → {"title", "description"}
    types: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    creators: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)  # publishers and contributors: a contributing body?
    rights: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    coverage: list[str] = field(default_factory=list)  # a place?
    image: HarvestedImage | None = None
    # The image service its manifest names (interop.harvest.services); read only when its manifest was asked.
    image_service: SourceService | None = None
    manifest_read: bool = False


def _fold(text: str) -> str:
    """A name as matched: case, accents and spacing ignored (`Quyền  trẻ em` = `quyen tre em`)."""
    return " ".join(fold(text or "").split())


class Matcher:
    """The archive's terms, places and bodies by every name they go by, in any language, read once a batch."""

    def __init__(self, session):
        self.terms = self._by_name(session.execute(select(Term.id, Term.code, Term.labels).order_by(Term.id)))
        # Today's provinces before the units they replaced, which often bore the same name.
        places = select(Place.id, Place.code, Place.names).order_by(Place.valid_to.is_not(None), Place.id)
        self.places = self._by_name(session.execute(places))
        self.bodies = self._by_name(session.execute(select(Body.id, Body.code, Body.names).order_by(Body.id)))

    @staticmethod
    def _by_name(rows) -> dict[str, int]:
        found = {}
        for id_, code, names in rows:
            for name in (code, *(names or {}).values()):
                if name:
                    found.setdefault(_fold(name), id_)
        return found

    def first(self, table: dict, values: list[str]) -> int | None:
        """The id of the first value that names a record of `table`."""
        return next((table[key] for key in map(_fold, values) if key in table), None)


def qualified_code(repository: SourceRepository, record: HarvestedRecord) -> str:
    """The item's reference code: the source's repository identifier, then the record's own code, else the
    local part of its OAI identifier (`oai:hanoi.example.vn:item/12` → `hanoi.example.vn:item/12`)."""
    prefix = repository.repository_identifier or repository.name
    own = " ".join((record.own_code or "").split()) or _local_part(record.oai_identifier, prefix)
    code = f"{prefix}:{own}"
    if len(code) <= CODE_LENGTH:
        return code
    digest = hashlib.sha256(record.oai_identifier.encode()).hexdigest()[:10]
    return f"{code[: CODE_LENGTH - 11]}~{digest}"


def _local_part(identifier: str, prefix: str) -> str:
    for start in (f"oai:{prefix}:", "oai:"):
        if identifier.startswith(start):
            rest = identifier[len(start) :]
            return rest.split(":", 1)[1] if start == "oai:" and ":" in rest else rest
    return identifier


def held_records(session, identifiers: list[str]) -> dict[str, ItemProvenance]:
    """The provenance of the records among `identifiers` the archive already holds, by identifier."""
    if not identifiers:
        return {}
    query = select(ItemProvenance).where(ItemProvenance.oai_identifier.in_(identifiers))
    return {row.oai_identifier: row for row in session.scalars(query)}


def needs_storing(held: ItemProvenance | None, record: HarvestedRecord) -> bool:
    """Whether the record changes anything: new, changed at its source, deleted there, or back after deletion."""
    if held is None:
        return not record.deleted
    return record.deleted != held.deleted or (not record.deleted and record.datestamp != held.datestamp)


def store_record(session, repository: SourceRepository, record: HarvestedRecord, matcher: Matcher) -> str:
    """Create, update or withdraw the item of one harvested record; returns "added", "updated", "deleted" or
    "unchanged". HarvestRefusal when the record cannot be stored (the caller skips it)."""
    held = held_records(session, [record.oai_identifier]).get(record.oai_identifier)
    if held is not None and held.repository_id != repository.id:
        other = held.repository
        if not other.repository_identifier or other.repository_identifier != repository.repository_identifier:
            raise HarvestRefusal(_("The record %(identifier)s is already harvested from %(source)s.",
                                   identifier=record.oai_identifier, source=other.display_name),
                                 "held_elsewhere", other.display_name)  # fmt: skip
    if not needs_storing(held, record):
        if held is not None and record.image is not None and _attach_image(held.item, record.image):
            flush_checked(session)
        return "unchanged"
    if record.deleted:
        return _withdraw(session, held, record)
    if held is None:
        return _create(session, repository, record, matcher)
    return _update(session, held, record, matcher)


def _create(session, repository: SourceRepository, record: HarvestedRecord, matcher: Matcher) -> str:
    item = Item(status=ItemStatus.PUBLISHED, reference_code=_free_code(session, repository, record, None))
    item.provenance = ItemProvenance(repository=repository, oai_identifier=record.oai_identifier)
    with session.no_autoflush:
        _apply(session, item, record, matcher)
    session.add(item)
    flush_checked(session)
    record_event(session, None, "item", item.id, "harvest", None, snapshot(item), comment=_comment(item))
    item_status_changed.send(session, item_id=item.id, before=None, after=str(item.status))
    return "added"


def _update(session, held: ItemProvenance, record: HarvestedRecord, matcher: Matcher) -> str:
    item = held.item
    before, status = snapshot(item), item.status
    kept_down = taken_down_here(session, item)  # asked before the item changes: the question flushes
    with session.no_autoflush:
        _apply(session, item, record, matcher)
        # A person's takedown here outlasts the source's updates; only an admin's reinstate undoes it.
        item.status = ItemStatus.WITHDRAWN if kept_down else ItemStatus.PUBLISHED
        if item.reference_code not in _code_candidates(held.repository, record):  # its own code changed
            item.reference_code = _free_code(session, held.repository, record, item.id)
    item.updated_at = utcnow()  # texts or terms alone would leave the row, and its version, untouched
    flush_checked(session)
    record_event(session, None, "item", item.id, "harvest", before, snapshot(item), comment=_comment(item))
    if status != item.status:
        item_status_changed.send(session, item_id=item.id, before=str(status), after=str(item.status))
    return "updated"


def _withdraw(session, held: ItemProvenance, record: HarvestedRecord) -> str:
    item = held.item
    held.deleted, held.datestamp, held.harvested_at = True, record.datestamp, utcnow()
    before, status = snapshot(item), item.status
    item.status = ItemStatus.WITHDRAWN
    item.updated_at = utcnow()
    flush_checked(session)
    record_event(session, None, "item", item.id, "harvest_withdraw", before, snapshot(item), comment=_comment(item))
    if status != item.status:
        item_status_changed.send(session, item_id=item.id, before=str(status), after=str(item.status))
    return "deleted"


def _comment(item: Item) -> str:
    provenance = item.provenance
    return f"{provenance.repository.name} {provenance.oai_identifier} {provenance.datestamp}"


def _free_code(session, repository: SourceRepository, record: HarvestedRecord, item_id: int | None) -> str:
    """The qualified code, or, if another item holds it, one made unique by the record's OAI identifier."""
    candidates = _code_candidates(repository, record)
    for candidate in candidates:
        taken = session.scalar(select(Item.id).where(Item.reference_code == candidate, Item.id != item_id))
        if taken is None:
            return candidate
    raise HarvestRefusal(_("The reference code %(code)s is already used by another item.", code=candidates[0]),
                         "code_taken", candidates[0])  # fmt: skip


def _code_candidates(repository: SourceRepository, record: HarvestedRecord) -> list[str]:
    code = qualified_code(repository, record)
    digest = hashlib.sha256(record.oai_identifier.encode()).hexdigest()[:10]
    return [code, f"{code[: CODE_LENGTH - 11]}~{digest}"]


def _apply(session, item: Item, record: HarvestedRecord, matcher: Matcher) -> None:
    """Set the item's fields, texts, subjects and image from the record; the provenance follows it."""
    provenance = item.provenance
    provenance.datestamp, provenance.source_url = record.datestamp, _clip(record.source_url, 2000)
    if record.manifest_read or record.manifest_url != provenance.manifest_url:  # not asked: the service stays
        service = record.image_service if record.manifest_read else None
        provenance.image_service_url = service.url if service else None
        provenance.image_service_type = service.type if service else None
        provenance.image_service_profile = service.profile if service else None
    provenance.manifest_url = _clip(record.manifest_url, 2000)
    provenance.deleted, provenance.harvested_at = False, utcnow()
    item.type = item_type(record.types)
    _apply_date(item, record.dates)
    item.creator = _clip("; ".join(_clean(c) for c in record.creators), LIMITS["creator"])
    reading = rights_of(record.rights)
    item.rights, item.rights_note = reading.uri, _clip(reading.note, LIMITS["rights_note"])
    item.source_archive = _clip(_clean(record.sources[0]) if record.sources else None, LIMITS["source_archive"])
    place_id = matcher.first(matcher.places, record.coverage)
    item.place = session.get(Place, place_id) if place_id else None
    body_id = matcher.first(matcher.bodies, record.agents)
    item.body = session.get(Body, body_id) if body_id else None
    _apply_subjects(session, item, record.subjects, matcher)
    _apply_texts(item, record)
    if record.image is not None:
        _attach_image(item, record.image)


def rights_of(values: list[str]) -> Reading:
    """The statement a record's dc:rights name: the first a statement's URI or name (a Vitrine source gives the URI,
    then its names), else read from their text (archive.rights.from_text), kept as the note. Never flagged: the item
    is the source's, read-only here, so no archivist of ours could settle it."""
    texts = [text for text in (_clean(value) for value in values) if text]
    if uri := next((found for found in map(canonical, texts) if found), None):
        return Reading(uri, None, False)
    reading = from_text("\n".join(texts))
    return Reading(reading.uri, reading.note, False)


def item_type(values: list[str]) -> ItemType:
    """The archive's type for the source's dc:type values (a DCMI type URI counts by its last word)."""
    words = [_fold(re.split(r"[/#]", value.strip().rstrip("/"))[-1]) for value in values]
    for word in words:
        for kind, names in TYPE_WORDS.items():
            if word in names:
                return kind
    return next((DCMI_TYPES[word] for word in words if word in DCMI_TYPES), ItemType.OTHER)


def _apply_date(item: Item, values: list[str]) -> None:
    """The first dc:date the archive can read (a timestamp counts by its day); none if it reads none."""
    for value in values:
        text = value.strip()
        if re.match(r"^\d{4}-\d{2}-\d{2}T", text):
            text = text[:10]
        try:
            parsed = parse_date(text[:40])
        except ValidationError:
            continue
        item.date_text, item.date_start, item.date_end = parsed.text, parsed.start, parsed.end
        item.date_approximate = parsed.approximate
        return
    item.date_text, item.date_start, item.date_end, item.date_approximate = None, None, None, False


def _apply_subjects(session, item: Item, subjects: list[str], matcher: Matcher) -> None:
    term_ids, tags = [], []
    for subject in (_clean(s) for s in subjects):
        term_id = matcher.terms.get(_fold(subject))
        if term_id is not None:
            term_ids.append(term_id)
        elif subject and subject.casefold() not in {t.casefold() for t in tags} and len(tags) < MAX_TAGS:
            tags.append(_clip(subject, LIMITS["tag"]))
    wanted = list(dict.fromkeys(term_ids))
    item.terms = list(session.scalars(select(Term).where(Term.id.in_(wanted)))) if wanted else []
    existing = {tag.label: tag for tag in item.tags}
    item.tags = [existing.get(label) or ItemTag(label=label) for label in tags]


def _apply_texts(item: Item, record: HarvestedRecord) -> None:
    """The item's texts become the record's: one per language, those the source no longer has removed."""
    texts = {}
    for raw_lang, values in record.texts.items():
        lang = clean_tag(raw_lang) or UNDETERMINED
        title = _clip(_clean(values.get("title")), LIMITS["title"])
        description = _clip(_clean(values.get("description")), LIMITS["description"])
        if title or description:
            merged = texts.setdefault(lang, {"title": None, "description": None})
            merged["title"] = merged["title"] or title
            merged["description"] = merged["description"] or description
    if not texts:
        texts[UNDETERMINED] = {"title": None, "description": None}
    current = {text.lang: text for text in item.texts}
    rows = []
    for lang, values in texts.items():
        row = current.get(lang) or ItemText(lang=lang)
        # A language with a description and no title is titled by the reference code, which is in no language.
        row.title = values["title"] or item.reference_code
        row.description, row.state = values["description"], TextState.REVIEWED
        rows.append(row)
    item.texts = rows


def _attach_image(item: Item, image: HarvestedImage) -> bool:
    """Make the image the item's first file unless it is already; earlier images from the source go."""
    if any(media.sha256 == image.sha256 for media in item.media):
        return False
    kept = [media for media in item.media if media.source_url is None]
    media = MediaFile(sha256=image.sha256, size=image.size, mime_type=image.mime, original_name=image.name,
                      width=image.width, height=image.height, pages=image.pages, source_url=_clip(image.url, 2000),
                      created_at=utcnow())  # fmt: skip
    # Its previews are made after commit, as an upload's (archive.jobs); the text is the source's, not OCR's.
    media.jobs.append(MediaJob(read_text=False))
    item.media = [media, *kept]
    for position, each in enumerate(item.media):
        each.position = position
    return True


def _clean(value: str | None) -> str | None:
    text = _CONTROL.sub("", value or "").strip()
    return text or None


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None
