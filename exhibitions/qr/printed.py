"""Printed panel codes: once labels, a catalogue or a book carried a panel's code, or the exhibition was frozen,
the code is its entry's for good (models.PrintedPanelCode)."""

from collections.abc import Iterable

from sqlalchemy.dialects import postgresql, sqlite

from exhibitions.models import Exhibition, PrintedIn, PrintedPanelCode
from exhibitions.qr.panels import panel_code, panel_key

Panel = tuple[int, str | None]  # (entry id, panel number)


def printed_keys(exhibition: Exhibition) -> dict[str, int]:
    """The panel keys printed for the exhibition, each with the entry it belongs to."""
    return {row.panel_key: row.entry_id for row in exhibition.printed_codes}


def printed_aliases(exhibition: Exhibition) -> dict[int, list[str]]:
    """Entry id → the printed codes that lead to it and are no longer its panel number (after a renumber)."""
    current = {entry.id: panel_key(entry.panel_number) for entry in exhibition.entries}
    aliases: dict[int, list[str]] = {}
    for row in exhibition.printed_codes:
        if current.get(row.entry_id) != row.panel_key:
            aliases.setdefault(row.entry_id, []).append(row.code)
    return aliases


def unprinted(exhibition: Exhibition, panels: Iterable[Panel]) -> list[Panel]:
    """The panels among `panels` whose code is not recorded as printed yet (those with a number)."""
    known = printed_keys(exhibition)
    return [(entry_id, number) for entry_id, number in panels if number and panel_key(number) not in known]


def mark_printed(session, exhibition: Exhibition, panels: Iterable[Panel], printed_in: PrintedIn) -> int:
    """Record the codes of `panels` as printed, by `printed_in`; a code recorded already keeps its first record.
    Returns how many were new. One statement a code, an insert that ignores a clash, so two requests printing
    the same labels at once both succeed."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    added = 0
    for entry_id, number in panels:
        key = panel_key(number)
        if key is None:
            continue
        statement = (
            dialect.insert(PrintedPanelCode)
            .values(exhibition_id=exhibition.id, panel_key=key, code=panel_code(exhibition.code, number),
                    entry_id=entry_id, printed_in=printed_in)
            .on_conflict_do_nothing(index_elements=["exhibition_id", "panel_key"])
            .returning(PrintedPanelCode.id)
        )  # fmt: skip
        added += len(session.execute(statement).all())  # a row back only when it was inserted
    if added and exhibition in session:
        session.expire(exhibition, ["printed_codes"])
    return added
