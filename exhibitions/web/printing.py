"""Once labels, a catalogue or a book leave the site, the panel codes they carry are printed for good."""

from collections.abc import Iterable

from flask import request

from core.db import db
from core.uow import SAFE_METHODS, unit
from exhibitions import qr
from exhibitions.models import Exhibition, PrintedIn


def record_printed(exhibition: Exhibition, panels: Iterable[tuple[int, str | None]], printed_in: PrintedIn) -> None:
    """Record the codes of `panels` (entry id, panel number) as printed, once the file or page carrying them is made.

    In the request's unit when it writes; a GET reads in a deferred transaction that must not write, so its record
    goes into a unit of its own, opened only when a code is new: downloads of what was printed before write nothing.
    """
    missing = qr.unprinted(exhibition, panels)
    if not missing:
        return
    if request.method in SAFE_METHODS:
        with unit("printed panel codes") as session:
            qr.mark_printed(session, exhibition, missing, printed_in)
    else:
        qr.mark_printed(db.session, exhibition, missing, printed_in)
