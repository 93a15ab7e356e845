"""Fixity: re-read every original, compare with the SHA-256 and size recorded at ingest."""

import os
from collections import defaultdict

from sqlalchemy import select

from archive.models import FixityRun, Item, MediaFile
from core.db import utcnow
from core.storage import Storage


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


def check_originals(storage: Storage, originals: dict[str, dict], progress=None) -> FixityRun:
    """Check every original; the run, not yet stored, says what was found. `progress` wraps the iteration."""
    run = FixityRun(started_at=utcnow(), checked=0, missing=0, altered=0, problems=[])
    problems = []
    for sha256 in progress(originals) if progress else originals:
        entry = originals[sha256]
        problem = check_original(storage, sha256, entry["size"])
        run.checked += 1
        if problem:
            setattr(run, problem, getattr(run, problem) + 1)
            problems.append({"sha256": sha256, "problem": problem, "items": entry["items"]})
    run.problems = problems
    run.finished_at = utcnow()
    return run


def last_fixity_run(session) -> FixityRun | None:
    """The most recent run, if any."""
    return session.scalar(select(FixityRun).order_by(FixityRun.started_at.desc(), FixityRun.id.desc()).limit(1))
