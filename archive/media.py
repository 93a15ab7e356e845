"""Media ingest: sniff, check in a sandbox, store by SHA-256, attach; derivatives and text after commit.

The derivatives and text of an upload are queued as a job in its transaction and made by
archive.jobs, which calls build_derivatives here.

Decoding an uploaded file is the riskiest thing the server does, so it never happens in the
web process: `run_worker` starts `python -m archive.imaging` with an address-space limit
(RLIMIT_AS, which Tesseract inherits), a CPU limit and a wall-clock timeout, and reads one JSON answer. A bomb, a
corrupt file or a decoder bug costs that child process only.

Pixel limit: Pillow's default (about 89 MP) refuses real archival scans — an A2 sheet at
600 dpi is about 140 MP — so MEDIA_MAX_PIXELS defaults to 300 MP (an A1 sheet at 600 dpi).
Above it the file is refused outright (Pillow only warns up to twice its limit; the worker
turns the warning into an error). The memory limit (MEDIA_DECODE_MEMORY_BYTES, 3 GiB) leaves
room for one 300 MP RGB page decoded (900 MB) plus its sRGB copy.
"""

import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from archive.models import Item, ItemText, ItemType, MediaFile, MediaJob, TextState
from archive.services import check_can_edit, flush_checked
from core.audit import record_event
from core.auth import User
from core.errors import NotFound, ValidationError
from core.i18n import _
from core.languages import REFERENCE_LANGUAGE
from core.machine import process_name
from core.storage import Storage, refusing_a_full_disk
from core.uow import collected_effects, unit

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
ACCEPTED = {"image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF", "application/pdf": "PDF"}
# Types a browser could run or that it cannot show inline are served as downloads.
ATTACHMENT_TYPES = frozenset({"application/pdf", "image/tiff"})
SNIFF_BYTES = 1024
BUILD = ".build-"  # the folders previews are made in beside their place, swapped in whole
CHUNK = 1024 * 1024

# Signatures of what we accept, then of common things we refuse, so the refusal names them.
_SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"II+\x00", "image/tiff"),  # BigTIFF
    (b"MM\x00+", "image/tiff"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"PK\x03\x04", "ZIP"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7-Zip"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xd0\xcf\x11\xe0", "Microsoft Office (OLE)"),
]


def sniff_type(head: bytes) -> str:
    """The MIME type of an accepted file, else a short name of what the bytes are."""
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if b"%PDF-" in head[:SNIFF_BYTES]:  # the spec lets a PDF header sit within the first KiB
        return "application/pdf"
    if head[4:8] == b"ftyp":
        return "HEIC/AVIF/MP4" if head[8:12] in (b"heic", b"heix", b"avif", b"mif1") else "MP4/QuickTime"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "HTML"
    if text.startswith((b"<?xml", b"<svg")):
        return "SVG/XML"
    if not head:
        return "empty file"
    try:
        head.decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        return "unknown binary data"


class WorkerRefusal(Exception):
    """The sandboxed decoder refused the file or could not finish within its limits."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code, self.detail = code, detail


def run_worker(command: str, path: str, mime: str, options: dict, timeout: float | None = None) -> dict:
    """Run one archive.imaging command in a child process under memory, CPU and time limits."""
    config = current_app.config
    memory = int(config["MEDIA_DECODE_MEMORY_BYTES"])
    timeout = timeout or float(config["MEDIA_DECODE_TIMEOUT_SECONDS"])
    # The child sets these limits on itself before it opens the file: preexec_fn would do it
    # before exec, but is unsafe in a threaded web server.
    options = {"max_pixels": config["MEDIA_MAX_PIXELS"], "max_pages": config["MEDIA_MAX_PAGES"],
               "memory": memory, "cpu_seconds": int(timeout) + 1, **options}  # fmt: skip
    args = [sys.executable, "-m", "archive.imaging", command, path, mime, json.dumps(options)]
    # One OpenMP thread for Tesseract: the limits are per process and workers run side by side.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env,
                             start_new_session=True)  # fmt: skip
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)  # the whole group: Tesseract too
        child.communicate()
        raise WorkerRefusal("timeout") from None
    try:
        answer = json.loads(out)
    except ValueError:
        log.warning("decoder exited %s on %s: %s", child.returncode, path, err[-2000:].decode(errors="replace"))
        raise WorkerRefusal("crashed", str(child.returncode)) from None
    if not answer.pop("ok"):
        raise WorkerRefusal(answer["code"], answer.get("detail", ""))
    return answer


def refusal_message(name: str, code: str, found: str = "") -> str:
    """Why a file was refused, in the reader's language."""
    limit_mb = current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
    megapixels = current_app.config["MEDIA_MAX_PIXELS"] // 1_000_000
    messages = {
        # i18n: %(found)s is a file type such as GIF, ZIP, HTML, "text"
        "unsupported_type": _("%(name)s is %(found)s; only JPEG, PNG, TIFF and PDF files are accepted.",
                              name=name, found=found),  # fmt: skip
        "empty": _("%(name)s is empty.", name=name),
        "too_large": _("%(name)s is larger than %(limit)s MB.", name=name, limit=limit_mb),
        "too_many_pixels": _("%(name)s has more than %(limit)s megapixels: it is refused as a possible "
                             "decompression bomb. Split the scan or ask an admin.", name=name, limit=megapixels),
        "too_many_pages": _("%(name)s has too many pages (%(pages)s).", name=name, pages=found),
        "corrupt": _("%(name)s is damaged or truncated and cannot be read.", name=name),
        "timeout": _("%(name)s took too long to read and was refused.", name=name),
        "crashed": _("%(name)s could not be read within the server's memory limit.", name=name),
        "too_large_to_decode": _("%(name)s could not be read within the server's memory limit.", name=name),
        "duplicate": _("%(name)s is already attached to this item.", name=name),
    }  # fmt: skip
    return messages.get(code) or messages["corrupt"]


@dataclass
class Upload:
    """A file as received: the name the user gave it (never used as a path) and its bytes."""

    name: str | None
    stream: BinaryIO


@dataclass
class Staged:
    """An upload copied to scratch space, its type read from its bytes, probed in the sandbox, and
    stored by SHA-256 (`stored`: the storage did not hold these bytes before)."""

    name: str
    path: str
    sha256: str = ""
    size: int = 0
    mime: str = ""
    probe: dict = field(default_factory=dict)
    stored: bool = False


@dataclass
class Attached:
    """A file attached to an item, and the other items that already held the same bytes."""

    media: MediaFile
    stored: bool
    also_on: list[Item]


def display_name(name: str | None) -> str:
    """The last component of a user's file name, printable and short; for display and download only."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable()).strip()
    return base[:255] or "file"


def attach_media(session, storage: Storage, user, item: Item, uploads: list[Upload]) -> list[Attached]:
    """Stage and attach in one go, for callers already inside a unit that may wait (the demo, tests).

    Pages and imports stage first (`staged_uploads`), then open the unit that writes.
    """
    check_can_edit(user, item)
    with staged_uploads(storage, uploads) as staged:
        return attach_staged(session, user, item, staged)


@contextmanager
def staged_uploads(storage: Storage, uploads: list[Upload]):
    """Copy, sniff, probe and store every upload, refusing the whole batch if one is bad.

    The slow part of an upload, done before any unit that writes is opened. The originals are
    stored at once (content-addressed, never rewritten): bytes of a batch refused later by the
    database stay in storage unreferenced, as a refused upload's always did.
    """
    if not uploads:
        raise ValidationError(_("Choose at least one file."), field="files")
    scratch = Path(tempfile.mkdtemp(prefix="upload-", dir=_scratch_root(storage)))
    try:
        with refusing_a_full_disk():  # a full disk: a clear refusal, the scratch and any half-saved file gone
            staged = [_stage(upload, scratch, index) for index, upload in enumerate(uploads)]
            _refuse_repeats(staged)
            for entry in staged:
                with open(entry.path, "rb") as fh:
                    entry.sha256, entry.size, entry.stored = storage.save(fh)
        yield staged
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass
class UploadOutcome:
    """What an upload attached (file ids, in order) and what the archivist should know about it."""

    media_ids: list[int]
    notices: list[str]


def upload_files(storage: Storage, user_id: int, item_id: int, uploads: list[Upload]) -> UploadOutcome:
    """Stage the uploads with no unit open (the slow part), then attach them in a unit of their own.

    The pages and the API call this; they read the files back afresh once it returns, when the
    unit has committed and, in MEDIA_JOBS="inline", the previews are made.
    """
    with staged_uploads(storage, uploads) as staged, unit("attach files") as session:
        user = session.get(User, user_id)
        item = session.get(Item, item_id)
        if item is None:
            raise NotFound(_("There is no item %(id)s.", id=item_id))
        attached = attach_staged(session, user, item, staged)
        return UploadOutcome([entry.media.id for entry in attached], upload_notices(attached))


def attach_staged(session, user, item: Item, staged: list[Staged]) -> list[Attached]:
    """Attach staged files to an item, all or none; a file the item already holds refuses the batch."""
    check_can_edit(user, item)
    held = {m.sha256 for m in item.media}
    for entry in staged:
        if entry.sha256 in held:
            _refuse(entry.name, "duplicate")
    return [_attach(session, user, item, entry) for entry in staged]


def _scratch_root(storage: Storage) -> Path:
    # This process's own folder, as imports stage theirs: a crash's leftovers are found by its name and removed
    # by the next start-up's recovery on this machine (archive.jobs.recover, archive.import_jobs.recover).
    root = storage.root.parent / "tmp" / process_name()
    root.mkdir(parents=True, exist_ok=True)
    return root


def _refuse(entry_name: str, code: str, found: str = "") -> None:
    message = refusal_message(entry_name, code, found)
    raise ValidationError(message, field="files", code=code)


def _stage(upload: Upload, scratch: Path, index: int) -> Staged:
    """Copy one upload to scratch space with its digest, sniff its type and probe it in the sandbox."""
    entry = Staged(name=display_name(upload.name), path=str(scratch / f"{index}.bin"))
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    digest, head = hashlib.sha256(), b""
    with open(entry.path, "wb") as out:
        while chunk := upload.stream.read(CHUNK):
            entry.size += len(chunk)
            if entry.size > limit:
                _refuse(entry.name, "too_large")
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
            digest.update(chunk)
            out.write(chunk)
    entry.sha256 = digest.hexdigest()
    if entry.size == 0:
        _refuse(entry.name, "empty")
    entry.mime = sniff_type(head)
    if entry.mime not in ACCEPTED:
        _refuse(entry.name, "unsupported_type", entry.mime)
    try:
        entry.probe = run_worker("probe", entry.path, entry.mime, {})
    except WorkerRefusal as refusal:
        _refuse(entry.name, refusal.code, refusal.detail)
    return entry


def _refuse_repeats(staged: list[Staged]) -> None:
    seen = set()
    for entry in staged:
        if entry.sha256 in seen:
            _refuse(entry.name, "duplicate")
        seen.add(entry.sha256)


def _attach(session, user, item: Item, entry: Staged) -> Attached:
    also_on = session.scalars(
        select(Item).join(MediaFile).where(MediaFile.sha256 == entry.sha256, Item.id != item.id).distinct()
    ).all()
    before = [m.original_name for m in item.media]
    media = MediaFile(sha256=entry.sha256, size=entry.size, mime_type=entry.mime, original_name=entry.name,
                      width=entry.probe.get("width"), height=entry.probe.get("height"),
                      pages=entry.probe.get("pages", 1),
                      position=max((m.position for m in item.media), default=-1) + 1)  # fmt: skip
    # Its previews and text are made after commit by archive.jobs; the job row is written in
    # this same transaction, so a crash after the commit cannot lose it.
    media.jobs.append(MediaJob())
    item.media.append(media)
    item.updated_by = user
    item.updated_at = media.created_at = _now()
    flush_checked(session)
    record_event(session, user, "item", item.id, "update", {"media": before}, {"media": before + [entry.name]})
    return Attached(media=media, stored=entry.stored, also_on=list(also_on))


def files_by_id(session, media_ids: list[int]) -> list[MediaFile]:
    """The files with these ids, in the order given."""
    found = {m.id: m for m in session.scalars(select(MediaFile).where(MediaFile.id.in_(media_ids)))}
    return [found[i] for i in media_ids if i in found]


def _media_of(item: Item, media_id) -> MediaFile:
    media = next((m for m in item.media if str(m.id) == str(media_id)), None)
    if media is None:
        raise NotFound(_("Item %(code)s has no file %(id)s.", code=item.reference_code, id=media_id))
    return media


def detach_media(session, user, item: Item, media_id) -> MediaFile:
    """Take a file off an item. The original stays in storage, so the audit event can bring it back."""
    check_can_edit(user, item)
    media = _media_of(item, media_id)
    before = [m.original_name for m in item.media]
    item.media.remove(media)
    for position, other in enumerate(item.media):
        other.position = position
    item.updated_by = user
    item.updated_at = _now()
    flush_checked(session)
    record_event(session, user, "item", item.id, "update", {"media": before},
                 {"media": [m.original_name for m in item.media]},
                 comment=f"{media.original_name} sha256:{media.sha256}")  # fmt: skip
    return media


def move_media(session, user, item: Item, media_id, delta: int) -> None:
    """Move a file up (-1) or down (+1) among the item's files; the first one is its key image."""
    check_can_edit(user, item)
    media = _media_of(item, media_id)
    files = list(item.media)
    before = [m.original_name for m in files]
    index = files.index(media)
    files.insert(min(max(index + delta, 0), len(files) - 1), files.pop(index))
    for position, other in enumerate(files):
        other.position = position
    item.updated_by = user
    item.updated_at = _now()
    flush_checked(session)
    session.expire(item, ["media"])  # read them again in their new order
    record_event(
        session, user, "item", item.id, "update", {"media": before}, {"media": [m.original_name for m in files]}
    )


def _now():
    from core.db import utcnow

    return utcnow()


# --- After commit: derivatives and text ----------------------------------------------------


def derivatives_root() -> Path:
    """Where derivatives live: rebuildable, so outside the originals' storage."""
    return Path(current_app.config["DERIVATIVES_DIR"])


# The longest side of each derivative, as archive.imaging writes them (its DERIVATIVE_SIZES; a test holds
# them equal): pages size their images with these without loading Pillow.
DERIVATIVE_SIDES = {"thumb": 400, "book": 1000, "web": 1600}


def derivative_size(media: MediaFile, kind: str) -> tuple[int, int] | None:
    """The width and height of a file's derivative (of its first page's size); None if its size is unknown."""
    if not (media.width and media.height):
        return None
    # An image is never enlarged; a PDF page (sized in points) is rendered to the derivative's size.
    scale = DERIVATIVE_SIDES[kind] / max(media.width, media.height)
    if media.mime_type != "application/pdf":
        scale = min(1.0, scale)
    return max(1, round(media.width * scale)), max(1, round(media.height * scale))


def derivative_path(sha256: str, kind: str, page: int = 1) -> Path:
    """The file of one derivative (it may not exist yet)."""
    Storage("/").path_for(sha256)  # validates the digest: it becomes part of a path
    if kind not in DERIVATIVE_SIDES or page < 1:
        raise ValueError("unknown derivative")
    return derivatives_root() / sha256[:2] / sha256 / f"{kind}-{page}.jpg"


def thumbnail_size(media) -> tuple[int, int]:
    """Width and height of a thumbnail for the `<img>` attributes that keep a page from shifting as images
    arrive: of a MediaFile, or of an exhibition view's ImageRef (read as an image); 4:3 when the size is unknown."""
    side = DERIVATIVE_SIDES["thumb"]
    if not (media.width and media.height):
        return side, side * 3 // 4
    if getattr(media, "mime_type", None):
        return derivative_size(media, "thumb")
    scale = min(1.0, side / max(media.width, media.height))
    return max(1, round(media.width * scale)), max(1, round(media.height * scale))


@lru_cache(maxsize=4)
def _tesseract_languages(command: str) -> frozenset[str]:
    try:
        done = subprocess.run([command, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.strip() for line in done.stdout.splitlines()[1:] if line.strip())


def ocr_languages() -> str | None:
    """The Tesseract languages to read with (`vie+eng`), or None where Tesseract is missing."""
    command = current_app.config["TESSERACT_CMD"]
    if not shutil.which(command):
        return None
    wanted = current_app.config["OCR_LANGUAGES"].split("+")
    present = [lang for lang in wanted if lang in _tesseract_languages(command)]
    return "+".join(present) or None


def derive_timeout(pages: int | None) -> float:
    """The wall-clock limit of making one file's derivatives and text: per page, up to 50 pages."""
    return float(current_app.config["MEDIA_DECODE_TIMEOUT_SECONDS"]) * min(max(pages or 1, 1), 50)


def build_derivatives(storage: Storage, media: MediaFile, ocr: str | None, read_text: bool = True) -> dict:
    """Render one original's previews into place (atomically per file set) and read its text."""
    # Named by this process: a crash's half-built set is found and removed at the next start (archive.jobs.recover).
    work = Path(tempfile.mkdtemp(prefix=BUILD, suffix=f"-{process_name()}", dir=_derivatives_parent(media)))
    try:
        answer = build_pages(storage, media, ocr, read_text, work)
        place_built(media, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return answer


def _derivatives_parent(media: MediaFile) -> Path:
    parent = derivative_path(media.sha256, "web").parent.parent
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def slice_folder(media: MediaFile, job_id: int) -> Path:
    """Where a long file's job builds its previews slice by slice, beside their place (any machine may go on)."""
    folder = _derivatives_parent(media) / f"{BUILD}{media.sha256[:16]}-job{job_id}"
    folder.mkdir(exist_ok=True)
    return folder


def build_pages(storage: Storage, media: MediaFile, ocr: str | None, read_text: bool, work: Path,
                first: int = 1, last: int | None = None) -> dict:  # fmt: skip
    """Render the pages first…last (all by default) of one original into `work` and read their text."""
    pages = (last or max(media.pages or 1, 1)) - first + 1
    options = {"out_dir": str(work), "text": read_text, "ocr": ocr if read_text else None, "first_page": first}
    if last is not None:
        options["last_page"] = last
    return run_worker("derive", str(storage.path_for(media.sha256)), media.mime_type, options, derive_timeout(pages))


def place_built(media: MediaFile, work: Path) -> None:
    """Swap a finished build folder in as the original's previews."""
    target = derivative_path(media.sha256, "web").parent
    if target.exists():
        shutil.rmtree(target, ignore_errors=True)
    # mkdtemp makes the folder private; nginx sends the previews as another user (deploy/nginx/vitrine.conf).
    os.chmod(work, 0o755)
    try:
        os.replace(work, target)
    except OSError:
        # Another runner made this original's set meanwhile (the same bytes on another
        # item, or `media rebuild` beside a job): theirs is as good as ours.
        if not target.is_dir():
            raise


def text_plan(media: MediaFile, read_text: bool = True) -> tuple[bool, str | None]:
    """Whether this file's text should be OCR'd, and the Tesseract languages to do it with."""
    wants_ocr = read_text and media.item.type != ItemType.PHOTO  # OCR of a photograph yields noise
    return wants_ocr, ocr_languages() if wants_ocr else None


def record_derived(media: MediaFile, answer: dict, read_text: bool, wants_ocr: bool, ocr: str | None) -> None:
    """Write what build_derivatives found into the file's row and its item's transcription."""
    media.pages = answer["pages"]
    if not read_text:
        return
    media.text_source = answer["text_source"] or ("no_ocr" if wants_ocr and ocr is None else None)
    if answer["text"]:
        add_machine_text(media.item, answer["text"])


def rebuild_previews(storage: Storage, media_ids, read_text: bool = True, on_file=None) -> list[str]:
    """Derivatives (and machine text) of each file, one after the other; returns the problems.

    For `media rebuild` and the demo: each file is read in a unit that only reads, decoded with no
    unit open, and its outcome kept in a short unit of its own, so no write lock is held while a
    decoder runs. Uploads queue this work as jobs instead (archive.jobs).
    """
    problems = []
    with collected_effects():  # the index updated once at the end, not after each file
        for media_id in media_ids:
            problem = _rebuild_one(storage, media_id, read_text)
            if problem:
                problems.append(problem)
            if on_file:
                on_file()
    return problems


def _rebuild_one(storage: Storage, media_id: int, read_text: bool) -> str | None:
    with unit("preview plan", write=False) as session:
        media = session.get(MediaFile, media_id)
        if media is None:  # taken off its item meanwhile
            return None
        wants_ocr, ocr = text_plan(media, read_text)
        session.expunge(media)  # keeps the loaded columns the decoder needs
    try:
        answer = build_derivatives(storage, media, ocr, read_text)
    except WorkerRefusal as refusal:
        log.warning("no derivatives for %s: %s %s", media.sha256, refusal.code, refusal.detail)
        return _("No preview could be made of %(name)s.", name=media.original_name)
    with unit("previews made") as session:
        if (stored := session.get(MediaFile, media_id)) is not None:
            record_derived(stored, answer, read_text, wants_ocr, ocr)
    return None


def process_media(session, storage: Storage, media_files: list[MediaFile], read_text: bool = True) -> list[str]:
    """Derivatives and machine text for each file, here and now, in the caller's unit; returns problems.

    Holds the caller's unit open while decoding: for tests and small jobs. Long work uses
    rebuild_previews; uploads queue jobs (archive.jobs).
    """
    problems = []
    for media in media_files:
        wants_ocr, ocr = text_plan(media, read_text)
        try:
            answer = build_derivatives(storage, media, ocr, read_text)
        except WorkerRefusal as refusal:
            log.warning("no derivatives for %s: %s %s", media.sha256, refusal.code, refusal.detail)
            problems.append(_("No preview could be made of %(name)s.", name=media.original_name))
            continue
        record_derived(media, answer, read_text, wants_ocr, ocr)
    session.flush()
    return problems


def add_machine_text(item: Item, text: str) -> None:
    """Put read text into the item's transcription, marked machine-made; a human one is kept."""
    target = item.text_for(REFERENCE_LANGUAGE) or (item.texts[0] if item.texts else None)
    if target is None:
        target = ItemText(lang=REFERENCE_LANGUAGE, title=item.reference_code, state=TextState.MACHINE)
        item.texts.append(target)
    elif target.transcription and target.state != TextState.MACHINE:
        return
    target.transcription = "\n\n".join(t for t in (target.transcription, text.strip()) if t)
    target.state = TextState.MACHINE


def upload_notices(attached: list[Attached]) -> list[str]:
    """What the archivist should know about files that were already in the archive."""
    notices = []
    for entry in attached:
        if entry.also_on:
            codes = ", ".join(item.reference_code for item in entry.also_on)
            notices.append(_("%(name)s was already in the archive, attached to %(items)s; it is stored once.",
                             name=entry.media.original_name, items=codes))  # fmt: skip
    return notices
