"""Making a snapshot while the site runs: the database first, then every file.

Consistency comes from the order. A file is stored before the row naming it commits, and an original is
never deleted, so every original that a row of the database snapshot names is already in storage when the
copying starts; files stored meanwhile come along too, named by no row, and do no harm. The packages above
core say which files their rows name (`register_file_references`), so the snapshot can check it holds them.
"""

import os
import tomllib
from contextlib import contextmanager
from pathlib import Path

from core.backup import folder as f
from core.backup.databases import database_of, migration_of, table_counts
from core.db import utcnow

_REFERENCES = "vitrine.backup.references"
_RESTORE_STEPS = "vitrine.backup.restore_steps"
ROOT = Path(__file__).resolve().parents[2]


def register_file_references(app, references) -> None:
    """Add `references(connection) -> {sha256: size}`: the originals the rows of a package name."""
    app.extensions.setdefault(_REFERENCES, []).append(references)


def register_restore_step(app, step) -> None:
    """Add `step(snapshot info, progress) -> str | None`, run after a restore loaded the database and files
    (rebuilding the search index, making previews the snapshot lacks); it returns a line to report."""
    app.extensions.setdefault(_RESTORE_STEPS, []).append(step)


def referenced_files(app, conn) -> dict[str, int]:
    """Every original the database seen through `conn` names, with its recorded size."""
    found: dict[str, int] = {}
    for references in app.extensions.get(_REFERENCES, []):
        found.update(references(conn))
    return found


def restore_steps(app) -> list:
    """The steps registered to run after a restore, in order."""
    return list(app.extensions.get(_RESTORE_STEPS, []))


@contextmanager
def quiet(_label: str, _total: int | None, unit: str = "B"):
    """Progress reported nowhere: the default of the functions that take a `progress`."""
    yield lambda _n: None


def app_version() -> str:
    """This code's version, as pyproject.toml gives it."""
    try:
        with open(ROOT / "pyproject.toml", "rb") as fh:
            return tomllib.load(fh)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def check_destination(app, dest: Path) -> None:
    """Refuse a destination that is a file, is not empty, or lies inside a folder the site writes."""
    if dest.exists() and not dest.is_dir():
        raise f.BackupError(f"{dest} is a file: a snapshot goes into a new or empty folder")
    if dest.is_dir() and any(dest.iterdir()):
        raise f.BackupError(f"{dest} is not empty: a snapshot goes into a new or empty folder")
    for key in ("DATA_DIR", "STORAGE_DIR", "DERIVATIVES_DIR", "SEARCH_INDEX_DIR", "PUBLICATIONS_DIR"):
        if app.config.get(key) and f.is_within(dest, Path(app.config[key])):
            raise f.BackupError(
                f"{dest} is inside the data folder ({app.config[key]}): a snapshot there would be copied into "
                "the next one and lost with the disk; choose a folder elsewhere"
            )


def make_snapshot(app, dest: Path, with_derivatives: bool = False, progress=quiet) -> dict:
    """Write a snapshot of the app's archive into `dest` (new or empty) while the site runs; returns its
    snapshot.json, whose `problems` lists originals of the live archive found missing or altered.

    `progress(label, total or None, unit="B")` is a context manager giving `advance(n)`.
    """
    dest = Path(dest).absolute()
    database = database_of(app)
    check_destination(app, dest)
    storage, derivatives = Path(app.config["STORAGE_DIR"]), Path(app.config["DERIVATIVES_DIR"])
    estimate = database.size() + sum(size for _p, _r, size in f.listed_files(storage, f.is_original))
    if with_derivatives:
        estimate += sum(size for _p, _r, size in f.listed_files(derivatives, f.is_derivative))
    f.check_space(dest, estimate, "the snapshot")
    dest.mkdir(parents=True, exist_ok=True)
    info = {"format": f.FORMAT, "format_version": f.FORMAT_VERSION, "app_version": app_version(),
            "started_at": utcnow().isoformat(), "database": {"engine": database.engine}}  # fmt: skip
    state = _snapshot_database(app, database, dest, info, progress)
    entries, problems = list(state.pop("entries")), []
    # Listed only now, after the database snapshot: see the module's docstring.
    originals = _copy_originals(f.listed_files(storage, f.is_original), dest, progress, entries, problems)
    problems += _unheld(state.pop("referenced"), originals)
    info["originals"] = {
        "files": len(originals),
        "bytes": sum(originals.values()),
        "referenced": state["referenced_count"],
    }
    info["derivatives"] = {"included": with_derivatives}
    if with_derivatives:
        info["derivatives"] |= _copy_derivatives(f.listed_files(derivatives, f.is_derivative), dest, progress, entries)
    secret = Path(app.config["DATA_DIR"]) / f.SECRET_KEY
    info["secret_key"] = secret.is_file()
    if info["secret_key"]:
        entries.append((f.copy_hashed(secret, dest / f.SECRET_KEY, mode=0o600)[0], f.SECRET_KEY))
    manifest = {"file": f.MANIFEST, "files": len(entries), "sha256": f.write_manifest(dest, entries)}
    info |= {"migration": state["migration"], "tables": state["tables"], "problems": problems,
             "finished_at": utcnow().isoformat(), "manifest": manifest}  # fmt: skip
    f.write_snapshot(dest, info)
    return info


def _snapshot_database(app, database, dest: Path, info: dict, progress) -> dict:
    target = dest / f.DATABASE / database.file_name
    target.parent.mkdir()

    def read(conn):
        referenced = referenced_files(app, conn)
        return {"migration": migration_of(conn), "tables": table_counts(conn), "referenced": referenced,
                "referenced_count": len(referenced)}  # fmt: skip

    with progress(f"database ({database.engine})", None):
        state = database.snapshot(target, read)
    info["database"] |= {"file": f"{f.DATABASE}/{database.file_name}", "bytes": target.stat().st_size}
    state["entries"] = [(f.hash_file(target), f"{f.DATABASE}/{database.file_name}")]
    return state


def _copy_originals(listed, dest: Path, progress, entries: list, problems: list) -> dict[str, int]:
    """Copy every original, checking the copy against its name (the digest it is stored by); returns sha256 → size."""
    copied = {}
    with progress("originals", sum(size for _p, _r, size in listed)) as advance:
        for path, relative, _size in listed:
            target = dest / f.ORIGINALS / relative
            try:
                sha256, size = f.copy_hashed(path, target, advance)
            except FileNotFoundError:
                continue  # never happens to an original; a stray file taken away meanwhile
            if sha256 != path.name:
                # Its name would lie in the snapshot: left out, and said.
                os.chmod(target, 0o644)
                target.unlink()
                problems.append(f"altered original {path.name}: its bytes now have SHA-256 {sha256}")
                continue
            copied[sha256] = size
            entries.append((sha256, f"{f.ORIGINALS}/{relative}"))
    return copied


def _unheld(referenced: dict[str, int], copied: dict[str, int]) -> list[str]:
    """The originals the database snapshot names that the snapshot does not hold whole."""
    return [f"missing original {sha256} (named by the database, {size} bytes)"
            for sha256, size in sorted(referenced.items()) if copied.get(sha256) != size]  # fmt: skip


def _copy_derivatives(listed, dest: Path, progress, entries: list) -> dict:
    files = size_total = 0
    with progress("derivatives", sum(size for _p, _r, size in listed)) as advance:
        for path, relative, _size in listed:
            try:
                sha256, size = f.copy_hashed(path, dest / f.DERIVATIVES / relative, advance, mode=0o644)
            except FileNotFoundError:  # a preview set rebuilt meanwhile: previews can always be made again
                continue
            entries.append((sha256, f"{f.DERIVATIVES}/{relative}"))
            files, size_total = files + 1, size_total + size
    return {"files": files, "bytes": size_total}
