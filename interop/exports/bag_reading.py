"""Reading a bag someone handed us: nothing of it is believed until all of it is checked.

A bag is refused whole (`BagRefused`, with every problem found) when a path in it leaves it — an absolute
path, `..`, a symbolic link, a drive letter, a ZIP entry of that kind — when it holds anything but plain files
and folders, when it asks for files to be fetched (fetch.txt), when bagit finds it incomplete or a checksum
wrong (every manifest, SHA-256 and SHA-512 alike), or when a record is not of the shape `bags` writes or
names a file the manifest does not vouch for. A ZIP is unpacked, entry by entry, into scratch space first.
"""

import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bagit
from marshmallow import EXCLUDE, Schema, fields, validate
from marshmallow import ValidationError as SchemaError

from archive.ingest import checked_zip_names
from archive.media import ACCEPTED
from archive.models import BodyKind, ItemStatus, ItemType, PlaceKind, TextState
from core.errors import ValidationError, VitrineError
from core.i18n import _
from core.schemas import flatten_messages
from interop.exports.bags import BAG_FORMAT, INDEX, MAX_ITEMS
from interop.exports.records import EXTENSIONS, RECORD_FORMAT
from interop.exports.source import MAX_SOURCE_ID, REPOSITORY_ID, Identity

MAX_RECORD_BYTES = 50 * 1024 * 1024  # one item's JSON: its transcriptions in every language fit many times
MAX_PROBLEMS = 50  # a report lists this many, then says how many more
_FILE = re.compile(rf"^files/([0-9a-f]{{64}})\.({'|'.join(EXTENSIONS.values())})$")
_RECORD = re.compile(r"^items/[A-Za-z0-9_-]{1,40}/item\.json$")


class BagRefused(VitrineError):
    """The bag is refused whole; `problems` says every reason found, in the reader's language."""

    status = 422
    code = "bag_refused"

    def __init__(self, problems: list[str]):
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(_("… and %(count)s more.", count=len(problems) - MAX_PROBLEMS))
        super().__init__(_("The bag is refused; nothing was imported."))
        self.problems = shown


@dataclass(frozen=True)
class BagRecord:
    """One item of a checked bag: its record as read, and where its originals lie on disk."""

    path: str
    record: dict
    files: dict[str, Path]  # sha256 → the original in the bag

    @property
    def identity(self) -> Identity:
        return Identity(self.record["identity"]["repository"], self.record["identity"]["id"])

    @property
    def checksums(self) -> list[str]:
        return sorted(media["sha256"] for media in self.record["media"])


@dataclass(frozen=True)
class CheckedBag:
    """A bag whose every checksum, path and record was checked."""

    name: str
    repository: str
    records: list[BagRecord]


# --- The shape of a record -----------------------------------------------------------------


def _labels():
    return fields.Dict(keys=fields.String(validate=validate.Length(1, 35)), values=fields.String(), load_default=dict)


def _text(limit: int | None = None, required=False):
    return fields.String(required=required, allow_none=not required,
                         validate=validate.Length(max=limit) if limit else None)  # fmt: skip


class _IdentitySchema(Schema):
    repository = fields.String(required=True, validate=[validate.Length(1, 255), validate.Regexp(REPOSITORY_ID)])
    id = fields.String(required=True, validate=validate.Length(1, MAX_SOURCE_ID))


class _DateSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(1, 40))
    start = fields.String(allow_none=True)
    end = fields.String(allow_none=True)
    approximate = fields.Boolean()


class _PlaceSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 60))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in PlaceKind]))
    country = fields.String(validate=validate.Length(2, 2), load_default="VN")
    names = _labels()
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)


class _BodySchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 60))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in BodyKind]))
    names = _labels()


class _VocabularySchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 40))
    labels = _labels()


class _TermSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 60))
    labels = _labels()
    vocabulary = fields.Nested(_VocabularySchema, required=True)


class _TextSchema(Schema):
    lang = fields.String(required=True, validate=validate.Length(1, 35))
    title = fields.String(required=True)
    description = _text()
    caption = _text()
    transcription = _text()
    state = fields.String(validate=validate.OneOf([s.value for s in TextState]), load_default="draft")


class _MediaSchema(Schema):
    file = fields.String(required=True, validate=validate.Regexp(_FILE))
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    sha512 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{128}$"))
    size = fields.Integer(required=True, validate=validate.Range(min=1))
    mime_type = fields.String(required=True, validate=validate.OneOf(list(ACCEPTED)))
    original_name = _text(255)
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    pages = fields.Integer(allow_none=True)
    position = fields.Integer(load_default=0)
    text_source = _text(16)


class _RightsSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # the labels are the statement's, read from the URI here

    uri = _text(2000)
    note = _text(2000)
    flagged = fields.Boolean(load_default=False)


class RecordSchema(Schema):
    """The shape `records.item_record` writes; anything else in a record refuses the bag (nothing is dropped)."""

    format = fields.String(required=True, validate=validate.Equal(RECORD_FORMAT))
    identity = fields.Nested(_IdentitySchema, required=True)
    url = _text(2000)
    reference_code = fields.String(required=True, validate=validate.Length(1, 80))
    type = fields.String(required=True, validate=validate.OneOf([t.value for t in ItemType]))
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in ItemStatus]))
    date = fields.Nested(_DateSchema, allow_none=True)
    place = fields.Nested(_PlaceSchema, allow_none=True)
    body = fields.Nested(_BodySchema, allow_none=True)
    creator = _text(255)
    source_archive = _text(255)
    fonds = _text(255)
    rights = fields.Nested(_RightsSchema, required=True)
    texts = fields.List(fields.Nested(_TextSchema), required=True, validate=validate.Length(max=200))
    terms = fields.List(fields.Nested(_TermSchema), load_default=list, validate=validate.Length(max=500))
    tags = fields.List(fields.String(validate=validate.Length(1, 100)), load_default=list)
    media = fields.List(fields.Nested(_MediaSchema), load_default=list, validate=validate.Length(max=2000))
    created_at = _text(40)
    updated_at = _text(40)


class _IndexSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # exported_at and other notes for people

    format = fields.String(required=True, validate=validate.Equal(BAG_FORMAT))
    repository = fields.String(required=True, validate=validate.Regexp(REPOSITORY_ID))
    items = fields.List(fields.String(validate=validate.Regexp(_RECORD)), required=True,
                        validate=validate.Length(1, MAX_ITEMS))  # fmt: skip


# --- Opening -------------------------------------------------------------------------------


@contextmanager
def opened_bag(path: str | Path, scratch_root: Path):
    """The bag's folder: `path` itself, or a ZIP unpacked into scratch space (removed afterwards)."""
    path = Path(path)
    if path.is_symlink() or not path.exists():
        raise BagRefused([_("%(path)s is not a bag folder or ZIP file.", path=str(path))])
    if path.is_dir():
        yield _bag_root(path)
        return
    scratch_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bag-", dir=scratch_root))
    try:
        _unzip(path, scratch)
        yield _bag_root(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _unzip(path: Path, folder: Path) -> None:
    """Unpack every entry of a ZIP, refusing it whole for one unsafe path, link or bomb (archive.ingest)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = checked_zip_names(archive)
            for name, info in names.items():
                target = folder.joinpath(*name.split("/"))
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "xb") as out:
                    _copy_bounded(source, out, info.file_size, name)
    except ValidationError as error:
        raise BagRefused([error.message]) from None
    except (zipfile.BadZipFile, FileExistsError, NotImplementedError, OSError) as error:
        raise BagRefused([_("%(path)s is not a ZIP file that can be read: %(reason)s", path=path.name,
                            reason=str(error)[:200])]) from None  # fmt: skip


def _copy_bounded(source, out, size: int, name: str) -> None:
    copied = 0
    while chunk := source.read(1024 * 1024):
        copied += len(chunk)
        if copied > size:  # more bytes than the entry declared
            raise BagRefused([_("The ZIP entry %(name)s is larger than it says.", name=name)])
        out.write(chunk)


def _bag_root(folder: Path) -> Path:
    """The folder holding bagit.txt: the one given, or the single folder inside it (a serialized bag)."""
    if (folder / "bagit.txt").exists():
        return folder
    inside = list(folder.iterdir())
    if len(inside) == 1 and inside[0].is_dir() and not inside[0].is_symlink():
        return inside[0]
    raise BagRefused([_("No bagit.txt: this is not a bag.")])


# --- Checking ------------------------------------------------------------------------------


def check_bag(root: Path, progress=None) -> CheckedBag:
    """Check everything in the bag before anything of it is used; BagRefused lists every problem."""
    _refuse_unsafe_entries(root)
    if (root / "fetch.txt").exists():
        raise BagRefused([_("The bag asks for files to be fetched (fetch.txt); a bag must hold its files.")])
    try:
        bag = bagit.Bag(str(root))
        if "sha256" not in bag.algorithms:
            raise BagRefused([_("The bag has no SHA-256 manifest.")])
        if progress:
            progress.phase(_("checking every checksum"))
        # Every file against every manifest first, so that the report names each file that fails; the
        # Payload-Oxum (a count of files and bytes, which names none) after.
        oxum = bag.info.pop("Payload-Oxum", None)
        bag.validate(processes=1)
        if oxum is not None:
            bag.info["Payload-Oxum"] = oxum
            bag.validate(fast=True)
    except bagit.BagValidationError as error:
        raise BagRefused([_detail(detail) for detail in error.details] or [error.message]) from None
    except bagit.BagError as error:
        raise BagRefused([str(error)]) from None
    index = _load(root, INDEX, _IndexSchema())
    manifest = {path: digests.get("sha256") for path, digests in bag.payload_entries().items()}
    problems, records = [], []
    for path in dict.fromkeys(index["items"]):
        try:
            records.append(_record(root, path, manifest))
        except BagRefused as refused:
            problems += refused.problems
    problems += _repeats(records)
    if problems:
        raise BagRefused(problems)
    return CheckedBag(str(bag.info.get("External-Identifier") or root.name)[:255], index["repository"], records)


def _detail(detail) -> str:
    """One of bagit's findings in the reader's language."""
    if isinstance(detail, bagit.ChecksumMismatch):
        return _("%(path)s does not match its %(algorithm)s checksum in the manifest.", path=detail.path,
                 algorithm=detail.algorithm.upper())  # fmt: skip
    if isinstance(detail, bagit.FileMissing):
        return _("%(path)s is in the manifest but not in the bag.", path=detail.path)
    if isinstance(detail, bagit.UnexpectedFile):
        return _("%(path)s is in the bag but not in the manifest.", path=detail.path)
    return str(detail)


def _refuse_unsafe_entries(root: Path) -> None:
    """Only plain files and folders, none a link: bagit would follow a link out of the bag while hashing."""
    problems = []
    for folder, subfolders, files in os.walk(root, followlinks=False):
        for name in subfolders + files:
            path = Path(folder) / name
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                problems.append(_("%(path)s is a symbolic link.", path=str(path.relative_to(root))))
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                problems.append(_("%(path)s is not a plain file.", path=str(path.relative_to(root))))
    if problems:
        raise BagRefused(problems)


def _load(root: Path, relative: str, schema: Schema) -> dict:
    path = root / "data" / relative
    if not path.is_file():
        raise BagRefused([_("The bag has no data/%(path)s.", path=relative)])
    if path.stat().st_size > MAX_RECORD_BYTES:
        raise BagRefused([_("data/%(path)s is too large.", path=relative)])
    try:
        return schema.load(json.loads(path.read_text(encoding="utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BagRefused([_("data/%(path)s is not JSON: %(reason)s", path=relative, reason=str(error))]) from None
    except SchemaError as error:
        raise BagRefused([f"data/{relative}: {field}: {message}" if field else f"data/{relative}: {message}"
                          for field, message in flatten_messages(error.messages)]) from None  # fmt: skip


def _record(root: Path, path: str, manifest: dict) -> BagRecord:
    """One item's record, each of its originals vouched for by the manifest under the checksum it names."""
    record = _load(root, path, RecordSchema())
    files, problems = {}, []
    for media in record["media"]:
        place = f"data/{media['file']}"
        named = _FILE.match(media["file"]).group(1)
        if manifest.get(os.path.normpath(place)) is None:
            problems.append(_("%(record)s names %(file)s, which the bag does not hold.", record=path, file=place))
        elif not (named == media["sha256"] == manifest[os.path.normpath(place)]):
            problems.append(_("%(record)s gives %(file)s a checksum the manifest does not.", record=path, file=place))
        elif (root / place).stat().st_size != media["size"]:
            problems.append(_("%(record)s gives %(file)s another size.", record=path, file=place))
        else:
            files[media["sha256"]] = root / place
    if len(files) != len(record["media"]) and not problems:
        problems.append(_("%(record)s names the same file twice.", record=path))
    if problems:
        raise BagRefused(problems)
    return BagRecord(path, record, files)


def _repeats(records: list[BagRecord]) -> list[str]:
    problems, identities, codes = [], {}, {}
    for entry in records:
        key = entry.identity
        if key in identities:
            problems.append(_("%(first)s and %(second)s are the same item %(id)s.", first=identities[key],
                              second=entry.path, id=f"{key.repository}:{key.id}"))  # fmt: skip
        identities.setdefault(key, entry.path)
        code = entry.record["reference_code"]
        if code in codes:
            problems.append(_("%(first)s and %(second)s have the same reference code %(code)s.",
                              first=codes[code], second=entry.path, code=code))  # fmt: skip
        codes.setdefault(code, entry.path)
    return problems
