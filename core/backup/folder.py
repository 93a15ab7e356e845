"""The snapshot folder: its layout, its manifest of SHA-256 checksums, and copying files in and out, checked.

DEST/
  snapshot.json         what was taken, when, by which version, at which migration; written last
  manifest-sha256.txt   "<sha256>  <path>" per file, as `sha256sum -c` reads it
  database/             vitrine.sqlite3 (SQLite's backup API) or vitrine.dump (pg_dump, custom format)
  files/ab/cd/<sha256>  the originals, laid out as in the data folder
  derivatives/          previews, with --with-derivatives
  secret_key            the data folder's generated key, when it has one
"""

import hashlib
import json
import os
import re
import shutil
from pathlib import Path, PurePosixPath

FORMAT = "vitrine-snapshot"
FORMAT_VERSION = 1
SNAPSHOT = "snapshot.json"
MANIFEST = "manifest-sha256.txt"
DATABASE = "database"
ORIGINALS = "files"
DERIVATIVES = "derivatives"
SECRET_KEY = "secret_key"
TOP_LEVEL = frozenset({DATABASE, ORIGINALS, DERIVATIVES, SECRET_KEY})
CHUNK = 1024 * 1024
SHA256 = re.compile(r"[0-9a-f]{64}")
# Room kept free beyond what is copied: filesystems misbehave when full, and the site writes meanwhile.
SPACE_MARGIN = 64 * 1024 * 1024


class BackupError(Exception):
    """A refusal or a damaged snapshot, in words for the operator (the command prints it and exits 1)."""


def hash_file(path: Path, advance=None) -> str:
    """The SHA-256 of a file; `advance(n)` is told of every n bytes read."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            if advance:
                advance(len(chunk))
    return digest.hexdigest()


def copy_hashed(source: Path, target: Path, advance=None, mode: int = 0o444) -> tuple[str, int]:
    """Copy a file and return the SHA-256 and size of the copy, read back: what the snapshot (or the restored
    archive) now holds is what is checked. The copy is the kernel's (copy_file_range), the read back comes
    from the page cache: about half the time of hashing while copying through Python."""
    if not target.parent.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    sha256 = hash_file(target, advance)
    os.chmod(target, mode)
    return sha256, target.stat().st_size


def listed_files(root: Path, keep) -> list[tuple[Path, str, int]]:
    """(path, path under root with "/", size) of every file below `root` that `keep(relative parts)` accepts."""
    found = []
    if not root.is_dir():
        return found
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        base = Path(folder)
        for name in sorted(files):
            path = base / name
            parts = path.relative_to(root).parts
            if not keep(parts):
                continue
            try:
                found.append((path, "/".join(parts), path.stat().st_size))
            except FileNotFoundError:  # replaced meanwhile (a derivative set rebuilt)
                continue
    return found


def is_original(parts: tuple) -> bool:
    """A stored original: ab/cd/abcd… (not a save in progress, `.incoming-…`)."""
    return (
        len(parts) == 3 and bool(SHA256.fullmatch(parts[2])) and parts[0] == parts[2][:2] and parts[1] == parts[2][2:4]
    )


def is_derivative(parts: tuple) -> bool:
    """A preview: not a set being built (`.build-…`), a tile being written (`….part`), nor the zoom cache
    (`iiif/`, bounded and remade on demand)."""
    return parts[0] != "iiif" and not any(p.startswith(".") for p in parts) and not parts[-1].endswith(".part")


def write_manifest(dest: Path, entries: list[tuple[str, str]]) -> str:
    """Write the manifest of (sha256, path) entries; returns its own SHA-256, which snapshot.json keeps."""
    text = "".join(f"{sha}  {path}\n" for sha, path in sorted(entries, key=lambda entry: entry[1]))
    write_durably(dest / MANIFEST, text)
    return hashlib.sha256(text.encode()).hexdigest()


def read_manifest(src: Path, expected_sha256: str) -> list[tuple[str, str]]:
    """The manifest's (sha256, path) entries, refused if it does not match snapshot.json or names a path outside
    the snapshot's folders."""
    try:
        data = (src / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise BackupError(f"the snapshot is damaged: {MANIFEST} is missing") from None
    if hashlib.sha256(data).hexdigest() != expected_sha256:
        raise BackupError(f"the snapshot is damaged: {MANIFEST} does not match the checksum in {SNAPSHOT}")
    entries = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
        sha, _sep, path = line.partition("  ")
        if not SHA256.fullmatch(sha) or not safe_path(path):
            raise BackupError(f"the snapshot is damaged: line {number} of {MANIFEST} is not '<sha256>  <path>'")
        entries.append((sha, path))
    return entries


def safe_path(path: str) -> bool:
    """A relative path inside one of the snapshot's folders, with no way out of it."""
    parts = PurePosixPath(path).parts
    return (bool(parts) and not PurePosixPath(path).is_absolute() and parts[0] in TOP_LEVEL
            and all(p not in ("", ".", "..") for p in parts) and "\\" not in path)  # fmt: skip


def write_snapshot(dest: Path, info: dict) -> None:
    """Write snapshot.json, last: a folder without it is an unfinished snapshot."""
    write_durably(dest / SNAPSHOT, json.dumps(info, indent=2, ensure_ascii=False) + "\n")


def read_snapshot(src: Path) -> dict:
    """snapshot.json of a finished snapshot of this format, or a refusal saying what is wrong."""
    if not src.is_dir():
        raise BackupError(f"{src} is not a folder")
    try:
        info = json.loads((src / SNAPSHOT).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{src} holds no {SNAPSHOT}: not a snapshot, or one that did not finish") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"the snapshot is damaged: {SNAPSHOT} cannot be read") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise BackupError(f"{src / SNAPSHOT} is not a Vitrine snapshot")
    if not _well_formed(info):
        raise BackupError(f"the snapshot is damaged: {SNAPSHOT} lacks what it should say")
    if info.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"the snapshot's format {info.get('format_version')} is not {FORMAT_VERSION}, the one "
                          "this code reads")  # fmt: skip
    return info


def _well_formed(info: dict) -> bool:
    if not all(isinstance(info.get(key), dict) for key in ("database", "manifest", "tables", "derivatives")):
        return False
    said = (info["database"].get("engine"), info["database"].get("file"), info["manifest"].get("sha256"))
    return all(isinstance(value, str) for value in said) and safe_path(info["database"]["file"])


def write_durably(path: Path, text: str) -> None:
    """Write a small file whole or not at all, and on the disk before returning."""
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, path)


def is_within(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or below it, links resolved."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))


def disk_free(path: Path) -> int:
    """Bytes free on the filesystem that holds `path` (or would: its nearest existing folder)."""
    path = Path(os.path.realpath(path))
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free


def check_space(path: Path, needed: int, what: str) -> None:
    """Refuse when the filesystem of `path` has not room for `needed` bytes and a margin."""
    free = disk_free(path)
    if needed + SPACE_MARGIN > free:
        raise BackupError(f"not enough space for {what} in {path}: it needs about {human(needed + SPACE_MARGIN)}, "
                          f"{human(free)} is free")  # fmt: skip


def human(size: int) -> str:
    """A size in bytes said in binary units (1.5 GiB)."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
