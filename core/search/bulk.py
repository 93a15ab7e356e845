"""Writing many documents at once, shared by the engines: documents in chunks, and processes to
analyse them in."""

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager


@contextmanager
def analysis_pool(procs: int):
    """Processes to analyse documents in, or None for the calling one. Made before an engine's
    writer starts threads: a process forked while they run would inherit their locks."""
    if procs <= 1:
        yield None
        return
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        yield pool


def chunks(documents: Iterable, size: int, on_document: Callable[[], None] | None) -> Iterator[list]:
    """`documents` in lists of `size`, calling `on_document` (progress) as each is read."""
    chunk = []
    for document in documents:
        chunk.append(document)
        if on_document:
            on_document()
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
