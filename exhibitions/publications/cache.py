"""Built publications on disk: one file per exhibition, language, kind and content version, written once.

The e-book, the print catalogue and the offline package are each cached as
`PUBLICATIONS_DIR/<exhibition id>/<lang>-<version><suffix>`; a new version replaces the older ones.
"""

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from core.i18n import ui_languages

VERSION_LENGTH = 16  # hex digits of a content version in a file name


def chrome_language(lang: str) -> str:
    """The language of a publication's own words: its language if the interface speaks it, else the default."""
    return lang if lang in ui_languages() else current_app.config["BABEL_DEFAULT_LOCALE"]


def cached(view, suffix: str, write: Callable[[BinaryIO], None], version: Callable[[], str]) -> Path:
    """`PUBLICATIONS_DIR/<id>/<lang>-<version()><suffix>` of the exhibition `view` shows, in its language, written
    through `write` the first time; older versions of it are removed then (an open download of one goes on
    reading it)."""
    lang = view.lang
    if lang not in view.languages:  # the tag becomes part of a file name
        raise ValueError(f"{view.code} is not shown in {lang!r}")
    folder = Path(current_app.config["PUBLICATIONS_DIR"]) / str(view.id)
    path = folder / f"{lang}-{version()}{suffix}"
    if path.is_file():
        return path
    write_atomically(path, write)
    older = re.compile(rf"{re.escape(lang)}-[0-9a-f]{{{VERSION_LENGTH}}}{re.escape(suffix)}")
    for old in folder.iterdir():
        if old != path and older.fullmatch(old.name):
            old.unlink(missing_ok=True)
    return path


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write a file through `write` beside its place, then move it in: readers never see half a file."""
    # Renamed into place: a concurrent request sees the whole file or none, and two builders at
    # once both rename a complete file.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(handle, 0o644)  # mkstemp makes it private; a front server sending the file may run as another user
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def forget_built(exhibition_id: int) -> int:
    """Remove every built file of an exhibition (a builder's unfinished `.part` file is left to it);
    returns how many. The next request builds again what it needs."""
    folder = Path(current_app.config["PUBLICATIONS_DIR"]) / str(exhibition_id)
    built = re.compile(rf"[^.][^/]*-[0-9a-f]{{{VERSION_LENGTH}}}[.-][^/]+")
    removed = 0
    for path in folder.iterdir() if folder.is_dir() else ():
        if built.fullmatch(path.name):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
