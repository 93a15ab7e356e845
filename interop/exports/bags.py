"""BagIt bags of a selection of items (RFC 8493, made with the Library of Congress's `bagit`): what one archive
hands another.

A bag's payload (`data/`) holds `vitrine-bag.json` (the format and the list of items), per item
`items/<id>/item.json` (the whole record: interop.exports.records) and `items/<id>/dc.xml` (its Dublin Core),
and each original once under `files/<sha256>.<ext>`. The manifests and tag manifests are SHA-256 and SHA-512;
bag-info.txt names the source organisation (the repository identifier) and the bag. A bag is written as a
folder, or as a ZIP holding that one folder (RFC 8493 §4.2).

Exporting reads every record in one unit that only reads (a consistent picture), then copies the originals
with no unit open, checking each against its SHA-256. It runs from the command line (`flask bag export`):
a bag of originals may be gigabytes, so no web request builds one.
"""

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

import bagit
from sqlalchemy import select

from archive.models import Item, ItemStatus, MediaFile
from archive.searching import search_items
from core.errors import NotFound, ValidationError
from core.i18n import _
from core.languages import REFERENCE_LANGUAGE
from core.pagination import MAX_PER_PAGE
from core.storage import CHUNK, Storage
from core.uow import unit
from core.urls import MAX_ID, public_url
from exhibitions.models import Entry, Exhibition, Section
from interop.exports import dc
from interop.exports.records import file_name, is_public, item_record, load_items
from interop.exports.source import identities, require_repository_id

BAG_FORMAT = "vitrine-bag/1"
INDEX = "vitrine-bag.json"
CHECKSUMS = ["sha256", "sha512"]
BAGIT_VERSION = "1.0"
MAX_ITEMS = 50_000  # items in one bag: beyond, export in several
BATCH = 500  # items read per unit, ids per IN list


class Progress:
    """What long work tells as it goes: a phase begins (with its number of steps, if known), a step ends.

    The command line draws bars; tests and other callers pass nothing and hear nothing.
    """

    def phase(self, label: str, total: int | None = None) -> None:
        """A phase of the work begins."""

    def step(self) -> None:
        """One step of the current phase is done."""


@dataclass
class Selection:
    """The items a bag will hold, in order, and those of the selection left out because they are not published."""

    item_ids: list[int]
    left_out: list[str] = field(default_factory=list)


@dataclass
class ExportReport:
    """What a bag holds."""

    path: Path
    name: str
    items: int
    files: int
    bytes: int


def select_items(session, ids=None, query: str | None = None, exhibition: int | None = None,
                 include_unpublished: bool = False) -> Selection:  # fmt: skip
    """The items named by ids, by a search query (the parameters of /items, `q=…&term=…`, or plain words)
    or by an exhibition's entries; published ones only unless `include_unpublished`."""
    given = [value for value in (ids, query, exhibition) if value not in (None, "", [])]
    if len(given) != 1:
        raise ValidationError(_("Choose the items one way: by ids, by a search query or by an exhibition."),
                              field="selection")  # fmt: skip
    if ids:
        chosen = _by_ids(session, ids)
    elif query:
        chosen = _by_query(session, query, include_unpublished)
    else:
        chosen = _by_exhibition(session, exhibition)
    chosen = list(dict.fromkeys(chosen))
    if len(chosen) > MAX_ITEMS:
        raise ValidationError(_("A bag holds at most %(max)s items; this selection has %(count)s.",
                                max=MAX_ITEMS, count=len(chosen)), field="selection")  # fmt: skip
    if not chosen:
        raise ValidationError(_("The selection holds no item."), field="selection")
    if include_unpublished:
        return Selection(chosen)
    query = select(Item.id, Item.reference_code).where(Item.status != ItemStatus.PUBLISHED)
    unpublished = {i: code for batch in chunks(chosen) for i, code in session.execute(query.where(Item.id.in_(batch)))}
    kept = [item_id for item_id in chosen if item_id not in unpublished]
    if not kept:
        raise ValidationError(_("No item of the selection is published."), field="selection")
    return Selection(kept, sorted(unpublished.values()))


def _by_ids(session, ids) -> list[int]:
    wanted = []
    for raw in ids:
        text = str(raw).strip()
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
            raise ValidationError(_("%(value)s is not an item id.", value=text[:20]), field="ids")
        wanted.append(int(text))
    found = {i for batch in chunks(wanted) for i in session.scalars(select(Item.id).where(Item.id.in_(batch)))}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise NotFound(_("There is no item %(id)s.", id=", ".join(missing[:20])), field="ids")
    return wanted


def _by_query(session, query: str, include_unpublished: bool) -> list[int]:
    args = {key: values for key, values in parse_qs(query, keep_blank_values=False).items()} if "=" in query else {}
    args = {key: values[0] if key in ("q", "order") else values for key, values in args.items()} or {"q": query}
    ids, page = [], 1
    while True:
        found = search_items(session, args, REFERENCE_LANGUAGE, public=not include_unpublished, page=page,
                             per_page=MAX_PER_PAGE)  # fmt: skip
        ids += [item.id for item in found.items]
        if page >= found.pages or len(ids) > MAX_ITEMS:
            return ids
        page += 1


def _by_exhibition(session, exhibition_id: int) -> list[int]:
    if session.get(Exhibition, exhibition_id) is None:
        raise NotFound(_("There is no exhibition %(id)s.", id=exhibition_id), field="exhibition")
    query = (
        select(Entry.item_id)
        .join(Section, Entry.section_id == Section.id)
        .where(Section.exhibition_id == exhibition_id)
        .order_by(Section.position, Entry.position, Entry.id)
    )
    return list(session.scalars(query))


# --- Writing a bag -------------------------------------------------------------------------


def chunks(ids: list[int], size: int = BATCH) -> list[list[int]]:
    """Ids in slices: an IN list stays within SQLite's bound parameters, a unit within reason."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]


class _Payload:
    """The payload folder being written: originals copied once each (with their SHA-512), then the records."""

    def __init__(self, storage: Storage, folder: Path, repository: str):
        self.storage, self.folder, self.repository = storage, folder, repository
        self.sha512: dict[str, str] = {}
        self.paths: list[str] = []

    def copy(self, sha256: str, place: str) -> None:
        """Copy one original into the payload, checking its SHA-256 as it goes; keep its SHA-512."""
        if sha256 in self.sha512:
            return
        target = self.folder / place
        target.parent.mkdir(parents=True, exist_ok=True)
        digests = hashlib.sha256(), hashlib.sha512()
        try:
            with self.storage.open(sha256) as source, open(target, "wb") as out:
                while chunk := source.read(CHUNK):
                    for digest in digests:
                        digest.update(chunk)
                    out.write(chunk)
        except FileNotFoundError:
            raise ValidationError(_("The original %(sha)s is missing from storage: run `flask fixity check`.",
                                    sha=sha256), field="files") from None  # fmt: skip
        if digests[0].hexdigest() != sha256:
            raise ValidationError(_("The original %(sha)s in storage no longer matches its checksum: run "
                                    "`flask fixity check`.", sha=sha256), field="files")  # fmt: skip
        self.sha512[sha256] = digests[1].hexdigest()

    def write_items(self, items: list[Item], identity: dict) -> None:
        """Each item's record (its originals copied if they were not) and Dublin Core."""
        for item in items:
            for media in item.media:  # attached since the originals were listed: copied now
                self.copy(media.sha256, file_name(media))
            url = public_url("items.public_item", item_id=item.id) if is_public(item) else None
            record = item_record(item, identity[item.id], self.sha512, url)
            folder = self.folder / "items" / str(item.id)
            folder.mkdir(parents=True)
            (folder / "item.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
            (folder / "dc.xml").write_bytes(dc.item_xml(item))
            self.paths.append(f"items/{item.id}/item.json")

    def write_index(self) -> None:
        index = {"format": BAG_FORMAT, "repository": self.repository,
                 "exported_at": datetime.now(UTC).isoformat(timespec="seconds"), "items": self.paths}  # fmt: skip
        (self.folder / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")


def export_bag(storage: Storage, item_ids: list[int], target: str | Path,
               progress: Progress | None = None) -> ExportReport:  # fmt: skip
    """Write a bag of these items to `target`: a folder (new or empty) or, for a name ending in .zip, a ZIP.

    The originals are listed in a unit that only reads and copied with none open; the records are then read
    and written a batch at a time, each batch in a unit that only reads.
    """
    progress = progress or Progress()
    target = Path(target)
    zipped = target.suffix.lower() == ".zip"
    if target.exists() and not (target.is_dir() and not zipped and not any(target.iterdir())):
        raise ValidationError(_("%(path)s exists already: name a new folder or ZIP file.", path=str(target)),
                              field="target")  # fmt: skip
    repository = require_repository_id()
    with unit("bag originals", write=False) as session:
        originals = _originals(session, item_ids)
    name = target.stem if zipped else target.name
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".bag-", dir=target.parent))
    try:
        payload = _Payload(storage, work / name, repository)
        payload.folder.mkdir()
        progress.phase(_("copying originals"), len(originals))
        for sha256, place in originals.items():
            payload.copy(sha256, place)
            progress.step()
        progress.phase(_("writing items"), len(item_ids))
        for batch in chunks(item_ids):
            with unit("bag records", write=False) as session:
                items = load_items(session, batch)
                payload.write_items(items, identities(session, [item.id for item in items], repository))
            for _item in items:
                progress.step()
        payload.write_index()
        total = sum(p.stat().st_size for p in payload.folder.rglob("*") if p.is_file())
        progress.phase(_("writing checksums"))
        _make_bag(payload.folder, _bag_info(repository, len(payload.paths), name, total))
        if zipped:
            _zip(payload.folder, target)
        else:
            if target.exists():
                target.rmdir()
            os.replace(payload.folder, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ExportReport(target, name, len(payload.paths), len(payload.sha512), total)


def _originals(session, item_ids: list[int]) -> dict[str, str]:
    """Every original of these items: its SHA-256 and its place in the payload."""
    found = {}
    for batch in chunks(item_ids):
        for media in session.scalars(select(MediaFile).where(MediaFile.item_id.in_(batch)).order_by(MediaFile.id)):
            found.setdefault(media.sha256, file_name(media))
    return found


def _bag_info(repository: str, count: int, name: str, total: int) -> dict:
    return {
        "Source-Organization": repository,
        "External-Identifier": name,
        "External-Description": f"{count} items from {repository}: originals, records (JSON) and Dublin Core (XML)",
        "Bag-Size": _size(total),
        "Bag-Software-Agent": f"Vitrine (bagit.py {bagit.VERSION})",
        "Vitrine-Bag-Format": BAG_FORMAT,
        "Vitrine-Repository-Identifier": repository,
        "Vitrine-Item-Count": str(count),
    }


def _size(total: int) -> str:
    for unit_name, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if total >= scale:
            return f"{total / scale:.1f} {unit_name}"
    return f"{total} bytes"


def _make_bag(payload: Path, info: dict) -> None:
    """Turn the folder into a bag (bagit moves its contents under data/ and writes the manifests), as BagIt 1.0.

    bagit.py writes version 0.97 in bagit.txt; RFC 8493 is 1.0, which bagit validates as well. make_bag
    changes the process's working folder while it runs: a command's work, never a web request's.
    """
    bagit.make_bag(str(payload), info, checksums=CHECKSUMS)
    (payload / "bagit.txt").write_text(f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n",
                                       encoding="utf-8")  # fmt: skip
    bagit.Bag(str(payload)).save()  # the tag manifests again, over the new bagit.txt


def _zip(folder: Path, target: Path) -> None:
    """The bag as a ZIP holding its one folder, every file stored as it is.

    Scans barely compress, and the import refuses an entry that expands a hundredfold as a possible ZIP bomb
    (archive.ingest): a long, repetitive transcription deflated could pass for one.
    """
    partial = target.with_name(f".{target.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder.parent).as_posix(), zipfile.ZIP_STORED)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
