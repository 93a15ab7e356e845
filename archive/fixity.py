"""Fixity: re-read every original, compare with the SHA-256 and size recorded at ingest; list the files in the
originals' folder that the database does not know (stray), as well as those missing or altered.

A stray file does not fail the check: the originals are all there and intact. One is left, for example, by an
upload the database refused after its bytes were stored (archive.media.staged_uploads); one may also be a file
copied in by hand or by an intruder, which is why they are listed for an operator to look at.
"""

import os
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from archive.models import FixityRun, Item, MediaFile
from core.audit import AuditEvent
from core.db import utcnow
from core.storage import Storage

# A file younger than this may be an upload stored but not yet committed: it is left for the next check.
STRAY_GRACE = timedelta(hours=1)
# Stray files named in a run's problems (all are counted): a folder filled by mistake must not fill the database.
MAX_LISTED_STRAY = 1000
# How archive.media.detach_media names the original it took off an item, which stays in storage.
_DETACHED = re.compile(r"sha256:([0-9a-f]{64})")


def recorded_originals(session) -> dict[str, dict]:
    """Each stored digest with its recorded size and the reference codes of the items holding it."""
    originals: dict[str, dict] = defaultdict(lambda: {"size": None, "items": []})
    rows = session.execute(
        select(MediaFile.sha256, MediaFile.size, Item.reference_code).join(Item).order_by(MediaFile.sha256)
    )
    for sha256, size, code in rows:
        originals[sha256]["size"] = size
        if code not in originals[sha256]["items"]:
            originals[sha256]["items"].append(code)
    return dict(originals)


def detached_originals(session) -> set[str]:
    """Digests of originals taken off their items: kept in storage, named by the item's history."""
    comments = session.scalars(
        select(AuditEvent.comment).where(AuditEvent.record_type == "item", AuditEvent.comment.like("%sha256:%"))
    )
    return {digest for comment in comments for digest in _DETACHED.findall(comment or "")}


def stray_files(storage: Storage, known: set[str], now: datetime | None = None) -> list[str]:
    """Files under the originals' folder, as paths relative to it, that are no known original at its place:
    unknown digests, misplaced or misnamed files, links, leftovers of interrupted saves. Links are listed,
    never followed; files written within STRAY_GRACE are left out."""
    root = storage.root
    if not root.is_dir():
        return []
    newest = ((now or datetime.now(UTC)) - STRAY_GRACE).timestamp()
    found = []
    for parent, subfolders, names in os.walk(root):  # a linked folder is listed among subfolders, not entered
        for name in names + [s for s in subfolders if (Path(parent) / s).is_symlink()]:
            path = Path(parent) / name
            relative = path.relative_to(root).as_posix()
            if name in known and not path.is_symlink() and storage.path_for(name) == path:
                continue
            if not path.is_symlink() and path.stat().st_mtime > newest:
                continue
            found.append(relative)
    return sorted(found)


def original_sizes(conn) -> dict[str, int]:
    """Every original a file of an item names, with its recorded size: what a backup must hold (core.backup)."""
    return dict(conn.execute(select(MediaFile.sha256, MediaFile.size).distinct()).all())


def check_original(storage: Storage, sha256: str, size: int) -> str | None:
    """None when the file is intact, else "missing" or "altered"."""
    path = storage.path_for(sha256)
    try:
        actual_size = os.stat(path).st_size
    except FileNotFoundError:
        return "missing"
    if actual_size != size or not storage.verify(sha256):
        return "altered"
    return None


def check_originals(storage: Storage, originals: dict[str, dict], progress=None, known: set[str] = frozenset()
                    ) -> FixityRun:  # fmt: skip
    """Check every original, then look for stray files (`known`: digests kept in storage besides `originals`);
    the run, not yet stored, says what was found. `progress` wraps the iteration over the originals."""
    run = FixityRun(started_at=utcnow(), checked=0, missing=0, altered=0, stray=0, problems=[])
    problems = []
    for sha256 in progress(originals) if progress else originals:
        entry = originals[sha256]
        problem = check_original(storage, sha256, entry["size"])
        run.checked += 1
        if problem:
            setattr(run, problem, getattr(run, problem) + 1)
            problems.append({"sha256": sha256, "problem": problem, "items": entry["items"]})
    strays = stray_files(storage, set(originals) | set(known))
    run.stray = len(strays)
    problems += [{"path": path, "problem": "stray", "items": []} for path in strays[:MAX_LISTED_STRAY]]
    run.problems = problems
    run.finished_at = utcnow()
    return run


def last_fixity_run(session) -> FixityRun | None:
    """The most recent run, if any."""
    return session.scalar(select(FixityRun).order_by(FixityRun.started_at.desc(), FixityRun.id.desc()).limit(1))
