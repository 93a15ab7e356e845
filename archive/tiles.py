"""Deep zoom: regions of one page of a file, cut and kept on disk for the IIIF image service (interop.iiif).

A page is read from the image's original (a TIFF's own page), or for a PDF from its rendered page image
(the "web" derivative). It is decoded once per level of reduction (1, 2, 4, … its size) into a raw raster
under the derivatives folder (archive.imaging.write_levels), and each region asked for is cut from the
nearest finer level and kept as a JPEG beside it: a deep zoom into a 24-megapixel scan decodes it once per
level, never once per tile. The folder is a cache, keyed by the file's SHA-256, its page and the region's
box and size: bounded in bytes (the least recently used files go first), remade on demand, never backed up.
"""

import errno
import fcntl
import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app

from archive import imaging
from archive.media import derivative_path, derivatives_root
from archive.models import MediaFile
from core.errors import NotFound
from core.i18n import _
from core.storage import get_storage

log = logging.getLogger(__name__)
# Part of every cut region's name and ETag: a change in how regions are cut (quality, filter) makes new ones.
CUT_VERSION = 1
# The side of the tiles the image service offers; the pyramid's top level fits in one.
TILE_SIZE = 512
# A sweep of the cache once this share of its bound has been written by this process since the last one.
SWEEP_SHARE = 0.1
_written = {"bytes": 0, "swept": False}
_sweeping = threading.Lock()


@dataclass(frozen=True)
class ZoomPage:
    """One page of a file as the image service shows it: where it is read from, its size as shown."""

    media_id: int
    sha256: str
    page: int
    path: Path
    frame: int  # the page within the file read: a TIFF's own page, 1 for a PDF page's image
    width: int
    height: int
    grey: bool

    @property
    def folder(self) -> Path:
        """Where its levels and cut regions are kept."""
        return derivatives_root() / "iiif" / self.sha256[:2] / self.sha256 / f"p{self.page}"


def zoom_page(media: MediaFile, page: int) -> ZoomPage:
    """Page `page` (from 1) of a file; NotFound past its last page, or for a PDF page not rendered yet."""
    if not 1 <= page <= max(media.pages or 1, 1):
        raise NotFound(_("File %(id)s has no page %(page)s.", id=media.id, page=page))
    if media.mime_type == "application/pdf":
        path, frame = derivative_path(media.sha256, "web", page), 1
        if not path.is_file():
            raise NotFound(_("Page %(page)s of file %(id)s is not ready yet.", id=media.id, page=page))
    else:
        path, frame = get_storage().path_for(media.sha256), page
    try:
        width, height, grey = _shown_size(str(path), frame, current_app.config["MEDIA_MAX_PIXELS"])
    except (imaging.Refusal, OSError) as error:  # OSError: missing or unreadable (fixity check reports it)
        log.warning("no zoom for page %s of file %s: %r", page, media.id, error)
        raise NotFound(_("File %(id)s has no page %(page)s.", id=media.id, page=page)) from None
    return ZoomPage(media.id, media.sha256, page, path, frame, width, height, grey)


@lru_cache(maxsize=4096)
def _shown_size(path: str, frame: int, max_pixels: int) -> tuple[int, int, bool]:
    # Originals never change and a page image is remade at the same size: the header is read once a process.
    return imaging.page_size(path, frame, max_pixels)


def scale_factors(width: int, height: int, tile: int = TILE_SIZE) -> list[int]:
    """The levels of reduction of a page: 1, 2, 4, … up to the first at which it fits in one tile."""
    factors = [1]
    while max(width, height) > factors[-1] * tile:
        factors.append(factors[-1] * 2)
    return factors


def level_for(page: ZoomPage, box: tuple[int, int, int, int], size: tuple[int, int]) -> int:
    """The coarsest level still at least as fine as the region asked for (its size over the box's)."""
    scale = min(box[2] / size[0], box[3] / size[1])
    return max([f for f in scale_factors(page.width, page.height) if f <= scale] or [1])


def region_etag(page: ZoomPage, box: tuple[int, int, int, int], size: tuple[int, int]) -> str:
    """The entity tag of a region: the same bytes for the same file, page, box and size, whichever file id asks."""
    return hashlib.sha256(f"{CUT_VERSION}:{page.sha256}:{page.page}:{box}:{size}".encode()).hexdigest()[:32]


def cut(page: ZoomPage, box: tuple[int, int, int, int], size: tuple[int, int], cache_bytes: int) -> bytes:
    """A JPEG of `box` (x, y, width, height, within the page) scaled to `size` (no larger than the box)."""
    x, y, w, h = box
    kept = page.folder / f"r{CUT_VERSION}-{x},{y},{w},{h}-{size[0]},{size[1]}.jpg"
    try:
        data = kept.read_bytes()
        os.utime(kept)  # recently used: the sweep keeps it
        return data
    except FileNotFoundError:
        pass
    part = (x / page.width, y / page.height, (x + w) / page.width, (y + h) / page.height)
    factor = level_for(page, box, size)
    written = 0
    for attempt in (1, 2):
        raster, made = _level(page, factor)
        written += made
        try:
            data = imaging.cut_region(str(raster), part, size)
            break
        except FileNotFoundError:  # swept by another request meanwhile: made again, once
            if attempt == 2:
                raise
    written += _keep(kept, data)
    _count(written, cache_bytes)  # after the cut: this request's own level is not swept under it
    return data


def _level(page: ZoomPage, factor: int) -> tuple[Path, int]:
    """The raster of a level, decoded now (with every coarser level missing) if it is not on disk yet; and how
    many bytes were written for it."""
    raster = page.folder / f"level-{factor}.raw"
    if raster.is_file():
        os.utime(raster)
        return raster, 0
    page.folder.mkdir(parents=True, exist_ok=True)
    # One decoder per page at a time: a viewer asks for many tiles of a new level at once, and the others wait
    # for the level rather than decode the page again each.
    with open(page.folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if raster.is_file():
                return raster, 0
            wanted = (f for f in scale_factors(page.width, page.height) if f >= factor)
            levels = {f: str(path) for f in wanted if not (path := page.folder / f"level-{f}.raw").is_file()}
            imaging.write_levels(page.path, page.frame, levels, current_app.config["MEDIA_MAX_PIXELS"])
            return raster, sum(os.path.getsize(path) for path in levels.values())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def prepare(page: ZoomPage, cache_bytes: int) -> int:
    """Decode every level of a page now (for `flask iiif prepare`, ahead of visitors); the bytes written."""
    _raster, written = _level(page, 1)
    _count(written, cache_bytes)
    return written


def _keep(path: Path, data: bytes) -> int:
    """Keep a cut region (written under a temporary name, then put in place); the bytes written."""
    partial = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as error:  # a full disk costs the cache, not the answer
        log.warning("region not kept in the cache: %s", error)
        partial.unlink(missing_ok=True)
        return 0
    return len(data)


def _count(written: int, cache_bytes: int) -> None:
    """Add to what this process wrote; past a share of the bound (or first time), sweep the cache."""
    _written["bytes"] += written
    if _written["swept"] and _written["bytes"] < cache_bytes * SWEEP_SHARE:
        return
    if _sweeping.acquire(blocking=False):
        try:
            _written["bytes"], _written["swept"] = 0, True
            sweep(derivatives_root() / "iiif", cache_bytes)
        finally:
            _sweeping.release()


def sweep(root: Path, cache_bytes: int) -> int:
    """Delete the least recently used files of the cache until it holds at most 90 % of `cache_bytes`; returns
    how many bytes went. Lock files stay; a file another process is reading stays readable until it closes it."""
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            if name == ".lock" or name.endswith(".part"):
                continue
            path = os.path.join(folder, name)
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                continue
            found.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _mtime, size, _path in found)
    freed = 0
    if total <= cache_bytes:
        return 0
    for _mtime, size, path in sorted(found):
        if total - freed <= cache_bytes * 0.9:
            break
        try:
            os.remove(path)
            freed += size
        except OSError as error:
            if error.errno != errno.ENOENT:
                raise
    return freed
