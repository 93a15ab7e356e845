"""QR and panel codes: the short stable links printed on panels and in books, what each leads to
now, the codes a visitor types (`CB25-017`, `cb25 17`) and those printed for good, daily scan
counts, and the symbols themselves.

The lowest room of exhibitions/: it reads the models and nothing else of the package.
"""

from exhibitions.qr.links import (
    Destination,
    Resolution,
    count_scan,
    counted_today,
    destination,
    ensure_links,
    find_link,
    find_panel,
    forget_past_scan_visitors,
    leads_to_public,
    link_for,
    links_of,
    note_counted,
    primary_links,
    printed_codes,
    printed_codes_in,
    printed_language,
    resolve,
    scan_counts,
    scan_visitor,
)
from exhibitions.qr.panels import PANEL_PATTERN, TypedCode, normalise_panel, panel_code, panel_key, typed_code
from exhibitions.qr.printed import mark_printed, printed_aliases, printed_keys, unprinted
from exhibitions.qr.symbols import qr_matrix, qr_png, qr_svg

__all__ = [
    "PANEL_PATTERN",
    "Destination",
    "Resolution",
    "TypedCode",
    "count_scan",
    "counted_today",
    "destination",
    "ensure_links",
    "find_link",
    "find_panel",
    "forget_past_scan_visitors",
    "leads_to_public",
    "link_for",
    "links_of",
    "mark_printed",
    "normalise_panel",
    "note_counted",
    "panel_code",
    "panel_key",
    "primary_links",
    "printed_aliases",
    "printed_codes",
    "printed_codes_in",
    "printed_language",
    "printed_keys",
    "qr_matrix",
    "qr_png",
    "qr_svg",
    "resolve",
    "scan_counts",
    "scan_visitor",
    "typed_code",
    "unprinted",
]
