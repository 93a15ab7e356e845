"""Bulk import of items from a CSV and a folder or ZIP of files; export of the same shape.

One row per item; `title_vi`, `description_en`, … hold the texts per language; `terms`,
`tags` and `files` hold `;`-separated lists. Every row is checked by the service's own
validator (`validate_new_item`). A real run stores each good row whole (item, texts, terms,
tags, audit event, index task, and files) or not at all, in units of work of its own
(core.uow): rows without files in batches of `BATCH_SIZE`, one unit and one executemany per
table each; rows with files one by one, their files staged and probed before the row's unit
opens, since their file work dwarfs the row's. Reference codes already in the archive are
skipped, so a run can be repeated after a crash without duplicating anything. The index
updates and preview jobs of every unit run once, when the import ends.
"""

import csv
import io
import os
import stat
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import selectinload

from archive.media import ACCEPTED, SNIFF_BYTES, Upload, attach_staged, refusal_message, sniff_type, staged_uploads
from archive.models import Item, Place
from archive.services import TEXT_FIELDS, ItemDraft, PreloadedLookups, create_item, create_items, validate_new_item
from core import search
from core.auth import User
from core.csv_guard import guard, unguard
from core.errors import ValidationError, VitrineError
from core.i18n import _
from core.languages import REFERENCE_LANGUAGE
from core.uow import collected_effects, unit

FIELDS = ("reference_code", "type", "date", "place", "body", "creator", "rights", "rights_note", "source_archive",
          "fonds")  # fmt: skip
LISTS = ("terms", "tags", "files")
# A ZIP entry expanding more than this many times is refused as a zip bomb; scans barely compress.
MAX_ZIP_RATIO = 100
MAX_ZIP_TOTAL = 50 * 1024 * 1024 * 1024
# Metadata-only rows stored per transaction: big enough for executemany to pay, small enough to redo.
BATCH_SIZE = 500
# Bounds of a CSV, each refused naming the line before anything is stored: a cell holds at most the longest text
# (a transcription, archive.services.LIMITS), a row a few of them, a file a million rows.
MAX_CELL_CHARS = 200_000
MAX_ROW_CHARS = 1_000_000
MAX_COLUMNS = 500
MAX_ROWS = 1_000_000
# Codes and problems a report lists; past them it counts. A dry run of a million rows kept every code (545 MB).
REPORT_LIMIT = 1000


class FileSource:
    """Files named by the CSV, from a folder or a ZIP; names are looked up, never joined as paths.

    In a folder, a symbolic link is followed only to a file inside the folder: one leading out of it (to
    /etc/passwd, another archive's storage) is listed in `links_out` and never opened, and linked folders
    are not entered.
    """

    def __init__(self, location: str | Path):
        self.location = Path(location)
        self._zip = None
        self.links_out: set[str] = set()
        if self.location.is_file():
            self._zip = zipfile.ZipFile(self.location)
            self._names = checked_zip_names(self._zip)
        else:
            self._names, self.links_out = folder_files(self.location)

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def open(self, name: str) -> BinaryIO:
        """The bytes of one listed file."""
        if self._zip:
            return self._zip.open(self._names[name])
        # O_NOFOLLOW: a file swapped for a link since the folder was read is refused, not followed.
        return os.fdopen(os.open(self._names[name], os.O_RDONLY | os.O_NOFOLLOW), "rb")

    def close(self) -> None:
        if self._zip:
            self._zip.close()


def folder_files(folder: Path) -> tuple[dict[str, Path], set[str]]:
    """The files under `folder` by their names relative to it (each the path to open: no link left in it), and
    the names of symbolic links that lead out of it or nowhere."""
    root = folder.resolve()
    files, links_out = {}, set()
    for parent, _subfolders, names in os.walk(root):  # linked folders are listed, never entered
        for name in names:
            path = Path(parent) / name
            relative = path.relative_to(root).as_posix()
            target = path.resolve() if path.is_symlink() else path
            if target.is_relative_to(root) and target.is_file() and not target.is_symlink():
                files[relative] = target
            elif path.is_symlink():
                links_out.add(relative)
    return files, links_out


def checked_zip_names(archive: zipfile.ZipFile) -> dict:
    """Entry names of a ZIP, refusing the whole archive for a path that escapes or a bomb."""
    names, total = {}, 0
    for info in archive.infolist():
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
            raise ValidationError(_("The ZIP holds an entry with an unsafe path: %(name)s.", name=info.filename),
                                  field="files", code="unsafe_zip")  # fmt: skip
        if info.flag_bits & 0x1:  # encrypted: reading it would need a password, and fail mid-import
            raise ValidationError(_("The ZIP holds an encrypted entry: %(name)s. Send it without a password.",
                                    name=info.filename), field="files", code="unsafe_zip")  # fmt: skip
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ValidationError(_("The ZIP holds a symbolic link: %(name)s.", name=info.filename),
                                  field="files", code="unsafe_zip")  # fmt: skip
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_ZIP_RATIO or total > MAX_ZIP_TOTAL:
            message = _("The ZIP entry %(name)s expands too much to be a scan (%(ratio)s×).",
                        name=info.filename, ratio=round(ratio))  # fmt: skip
            raise ValidationError(message, field="files", code="zip_bomb")
        if not info.is_dir():
            names[path.as_posix()] = info
    return names


@dataclass
class RowProblem:
    line: int
    reference_code: str
    message: str


@dataclass
class ImportReport:
    """What an import did or, in a dry run, would do: the first REPORT_LIMIT codes and problems, and how many."""

    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    media: list[int] = field(default_factory=list)  # ids of the files attached
    search_mark: int | None = None  # the outbox's newest task before a real run: the import's come after
    imported_count: int = 0
    skipped_count: int = 0
    problem_count: int = 0

    def add_imported(self, codes: list[str]) -> None:
        self.imported_count += len(codes)
        self.imported += codes[: max(0, REPORT_LIMIT - len(self.imported))]

    def add_skipped(self, code: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < REPORT_LIMIT:
            self.skipped.append(code)

    def add_problem(self, problem: RowProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < REPORT_LIMIT:
            self.problems.append(problem)


def read_rows(stream: io.TextIOBase) -> Iterator[tuple[int, dict]]:
    """(line number, row) for each data row of a UTF-8 CSV, read as they are asked for; ValidationError for a bad
    header. `scan_csv` has checked the file whole before an import reads it this way."""
    # Process-wide, and the same everywhere: the default (131,072) refused a long transcription.
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.DictReader(stream)
    _check_header(reader.fieldnames)
    for row in reader:
        # A cell the export guarded against spreadsheets (core.csv_guard) reads back as it was.
        yield reader.line_num, {k.strip(): unguard((v or "").strip()) for k, v in row.items() if k}


def _check_header(names) -> None:
    if not names or "reference_code" not in [name.strip() for name in names if name]:
        raise ValidationError(_("The CSV has no reference_code column."), field="csv")
    if len(names) > MAX_COLUMNS:
        raise ValidationError(_("The CSV has %(count)s columns; an import reads at most %(limit)s.",
                                count=len(names), limit=MAX_COLUMNS), field="csv")  # fmt: skip


@dataclass(frozen=True)
class CsvScan:
    """What a first reading of a CSV found: its rows, and the reference codes (by hash) found on several."""

    rows: int
    repeated: frozenset[int]


def scan_csv(path: Path) -> CsvScan:
    """Read the CSV at `path` whole once, before anything is stored, in memory that does not grow with its
    rows (eight bytes a row); ValidationError, naming the line, for what refuses the file: not UTF-8, no
    reference_code column, a cell or a row past its bound, more than MAX_ROWS rows, broken quoting."""
    csv.field_size_limit(MAX_CELL_CHARS)
    codes = array("q")
    line = 1
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream)
            header = next(reader, None)
            _check_header(header)
            names = [name.strip() for name in header]
            column = len(names) - 1 - names[::-1].index("reference_code")  # the last, as DictReader keeps it
            for row in reader:
                line = reader.line_num
                if len(codes) >= MAX_ROWS:
                    raise ValidationError(_("The CSV has more than %(limit)s rows: split it into several imports.",
                                            limit=f"{MAX_ROWS:,}"), field="csv")  # fmt: skip
                if sum(map(len, row)) > MAX_ROW_CHARS:
                    raise ValidationError(_("Line %(line)s is longer than %(limit)s characters.", line=line,
                                            limit=f"{MAX_ROW_CHARS:,}"), field="csv")  # fmt: skip
                codes.append(hash(unguard(row[column].strip())) if column < len(row) else 0)
    except UnicodeDecodeError:
        raise ValidationError(_("The CSV is not UTF-8 text (line %(line)s): save it again as CSV UTF-8.",
                                line=line + 1), field="csv") from None  # fmt: skip
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            message = _("Line %(line)s has a cell longer than %(limit)s characters.", line=line + 1,
                        limit=f"{MAX_CELL_CHARS:,}")  # fmt: skip
        else:
            # i18n: the reason is the csv reader's own, in English
            message = _("The CSV cannot be read at line %(line)s: %(reason)s", line=line + 1, reason=error)
        raise ValidationError(message, field="csv") from None
    return CsvScan(len(codes), _repeated(codes))


def _repeated(codes: array) -> frozenset[int]:
    """The hashes found more than once (a code repeated, or two codes that share a hash: both are then looked at
    by name in the import)."""
    ordered = np.sort(np.frombuffer(codes, dtype=np.int64)) if codes else np.empty(0, dtype=np.int64)
    same = ordered[1:][ordered[1:] == ordered[:-1]]
    return frozenset(int(value) for value in np.unique(same))


def row_data(places: "PlaceCodes", row: dict) -> dict:
    """The service's input for one CSV row: fields, lists and texts per language."""
    data = {name: row[name] or None for name in FIELDS if name in row}
    for name in LISTS:
        data[name] = [v.strip() for v in row.get(name, "").split(";") if v.strip()]
    if data.get("place"):
        data["place"] = places.code(data["place"])
    texts: dict[str, dict] = {}
    for column, value in row.items():
        name, _sep, lang = column.rpartition("_")
        if name in TEXT_FIELDS and lang and value:
            texts.setdefault(lang, {})[name] = value
    data["texts"] = texts
    return data


class PlaceCodes:
    """Places as a CSV names them, by code or by Vietnamese name in any case, read once."""

    def __init__(self, session):
        self.codes = set()
        self.by_name = {}
        for code, names in session.execute(select(Place.code, Place.names).order_by(Place.id)):
            self.codes.add(code)
            self.by_name.setdefault((names.get(REFERENCE_LANGUAGE) or "").casefold(), code)

    def code(self, value: str) -> str:
        """The code as given, or the code of the place with that name; unknown values as given for the service."""
        return value if value in self.codes else self.by_name.get(value.casefold(), value)


def import_rows(
    storage,
    user_id: int,
    rows,
    files: FileSource,
    dry_run: bool,
    progress=None,
    report: ImportReport | None = None,
    repeated: frozenset[int] | None = None,
) -> ImportReport:
    """Import each good row whole (none in a dry run) and report every bad row by its line.

    Every row or batch is written in a unit of its own, so what was stored stays stored if a
    later row fails or the process dies; the caller holds no unit open meanwhile. Index updates
    and preview jobs run once, at the end: applying them after each unit made an import of
    2,000 rows cost 20 times the index work of one batch. A `report` given is filled as rows go
    by (an import job shows its problems so far). With `repeated` (CsvScan's), only the codes of those hashes are
    remembered to tell a repeated code, so a million rows are read in the memory of a few.
    """
    with unit("import lookups", write=False) as session:
        lookups, places = PreloadedLookups(session), PlaceCodes(session)
    mark = None if dry_run else search.last_task_id()
    with collected_effects():
        report = _import_rows(lookups, places, storage, user_id, rows, files, dry_run, progress, report, repeated)
    report.search_mark = mark
    return report


def searchable_so_far(mark: int | None, total: int) -> int:
    """How many of an import's `total` items the search index has caught up with: the index follows
    an import through the outbox once it ends (`mark`: the import's report's `search_mark`)."""
    if mark is None:
        return total
    return total - min(total, search.waiting_after(mark))


def _import_rows(lookups, places, storage, user_id, rows, files, dry_run, progress, report, repeated):
    report = report if report is not None else ImportReport()
    batch = _Batch(user_id, report)
    seen: dict[str, int] = {}
    for line, row in progress(rows) if progress else rows:
        code = row.get("reference_code", "")
        if code in seen:
            report.add_problem(RowProblem(line, code, _("Repeats the reference code of line %(line)s.",
                                                        line=seen[code])))  # fmt: skip
            continue
        if repeated is None or hash(code) in repeated:
            seen[code] = line
        if code in lookups.codes:
            report.add_skipped(code)
            continue
        data = row_data(places, row)
        names = data.pop("files")
        try:
            _check_files(names, files, dry_run)
            if names and not dry_run:
                batch.store()  # keeps items in the CSV's order
                _import_with_files(storage, user_id, data, names, files, report)
            elif dry_run:
                validate_new_item(data, lookups)
                report.add_imported([code])
            else:
                batch.add(line, code, data, validate_new_item(data, lookups))
        except VitrineError as error:  # the row's unit, if it had one, kept nothing
            report.add_problem(RowProblem(line, code, _problem_text(error)))
        except (zipfile.BadZipFile, zlib.error, EOFError):  # an entry's bytes fail their checksum or inflate
            report.add_problem(RowProblem(line, code, _("A file this row names is damaged in the ZIP.")))
    batch.store()
    report.problems.sort(key=lambda problem: problem.line)
    return report


def _problem_text(error: VitrineError) -> str:
    return " ".join(m for _f, m in getattr(error, "errors", None) or [(error.field, error.message)])


def _check_files(names: list[str], files: FileSource, dry_run: bool) -> None:
    """Every named file is there; in a dry run, also of an accepted type (a real run checks in attach_media)."""
    if outside := [name for name in names if name in files.links_out]:
        raise ValidationError(_("These files are symbolic links leading out of the folder given: %(names)s.",
                                names=", ".join(outside)), field="files")  # fmt: skip
    missing = [name for name in names if name not in files]
    if missing:
        raise ValidationError(_("Files not found: %(names)s.", names=", ".join(missing)), field="files")
    if dry_run:
        for name in names:
            with files.open(name) as fh:
                found = sniff_type(fh.read(SNIFF_BYTES))
            if found not in ACCEPTED:
                raise ValidationError(refusal_message(name, "unsupported_type", found), field="files")


def _import_with_files(storage, user_id: int, data, names, files: FileSource, report: ImportReport) -> None:
    """One row and its files: staged and probed first, then stored in a unit of their own."""
    streams = [files.open(name) for name in names]
    try:
        uploads = [Upload(n, s) for n, s in zip(names, streams, strict=True)]
        with staged_uploads(storage, uploads) as staged, unit("import a row with files") as session:
            user = session.get(User, user_id)
            item = create_item(session, user, data)
            attached = attach_staged(session, user, item, staged)
            code, media_ids = item.reference_code, [entry.media.id for entry in attached]
    finally:
        for stream in streams:
            stream.close()
    report.media += media_ids
    report.add_imported([code])


class _Batch:
    """Validated metadata-only rows waiting to be stored together, BATCH_SIZE at a time.

    A unit per row cost a commit and an ORM flush per item (130 rows/s); one per batch keeps
    each row whole (a crash loses at most the open batch, and a re-run skips the stored codes)
    while the inserts run as one executemany per table.
    """

    def __init__(self, user_id: int, report: ImportReport):
        self.user_id, self.report = user_id, report
        self.rows: list[tuple[int, str, dict, ItemDraft]] = []

    def add(self, line: int, code: str, data: dict, draft: ItemDraft) -> None:
        self.rows.append((line, code, data, draft))
        if len(self.rows) >= BATCH_SIZE:
            self.store()

    def store(self) -> None:
        """Insert the waiting rows in one unit; after a refusal, row by row so the good ones land."""
        rows, self.rows = self.rows, []
        if not rows:
            return
        try:
            with unit("import a batch of rows") as session:
                create_items(session, session.get(User, self.user_id), [draft for *_rest, draft in rows])
        except (IntegrityError, DataError):  # a clash with a code stored meanwhile, a value the database refuses
            for line, code, data, _draft in rows:
                self._store_one(line, code, data)
        else:
            self.report.add_imported([code for _line, code, _data, _draft in rows])

    def _store_one(self, line: int, code: str, data: dict) -> None:
        try:
            with unit("import a row") as session:
                create_item(session, session.get(User, self.user_id), data)
        except VitrineError as error:
            self.report.add_problem(RowProblem(line, code, _problem_text(error)))
        except (IntegrityError, DataError) as error:
            reason = str(error.orig).strip().splitlines()[0]
            # i18n: the reason is the database's own message, in English.
            message = _("The database refused the row: %(reason)s", reason=reason)
            self.report.add_problem(RowProblem(line, code, message))
        else:
            self.report.add_imported([code])


def export_rows(session) -> tuple[list[str], list[dict]]:
    """Every item as a row of the import's shape, and the columns in a stable order."""
    items = session.scalars(
        select(Item)
        .options(selectinload(Item.texts), selectinload(Item.terms), selectinload(Item.tags), selectinload(Item.media))
        .order_by(Item.reference_code)  # fmt: skip
    ).all()
    langs = sorted({t.lang for item in items for t in item.texts}, key=lambda tag: (tag != REFERENCE_LANGUAGE, tag))
    columns = [*FIELDS, *LISTS, *(f"{name}_{lang}" for lang in langs for name in TEXT_FIELDS)]
    rows = []
    for item in items:
        row = {
            "reference_code": item.reference_code, "type": str(item.type), "date": item.date_text or "",
            "place": item.place.code if item.place else "", "body": item.body.code if item.body else "",
            "creator": item.creator or "", "rights": item.rights or "", "rights_note": item.rights_note or "",
            "source_archive": item.source_archive or "",
            "fonds": item.fonds or "", "terms": ";".join(t.code for t in item.terms),
            "tags": ";".join(t.label for t in item.tags), "files": ";".join(m.original_name or "" for m in item.media),
        }  # fmt: skip
        for text in item.texts:
            row |= {f"{name}_{text.lang}": getattr(text, name) or "" for name in TEXT_FIELDS}
        rows.append(row)
    return columns, rows


def write_csv(out: io.TextIOBase, columns: list[str], rows: list[dict]) -> None:
    """Write rows as the import reads them back, no cell a formula a spreadsheet would run."""
    writer = csv.DictWriter(out, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows({name: guard(str(value)) for name, value in row.items()} for row in rows)


def count_items(session) -> int:
    return session.scalar(select(func.count(Item.id)))
