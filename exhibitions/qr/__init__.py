"""QR and panel codes: the short stable links printed on panels and in books, what each leads to
now, the codes a visitor types (`CB25-017`), daily scan counts, and the symbols themselves.

The lowest room of exhibitions/: it reads the models and nothing else of the package.
"""

from exhibitions.qr.links import (
    Resolution,
    count_scan,
    ensure_links,
    find_link,
    link_for,
    links_of,
    primary_links,
    printed_codes,
    printed_codes_in,
    printed_language,
    resolve,
    scan_counts,
)
from exhibitions.qr.panels import PANEL_PATTERN, normalise_panel, panel_code
from exhibitions.qr.symbols import qr_matrix, qr_png, qr_svg

__all__ = [
    "PANEL_PATTERN",
    "Resolution",
    "count_scan",
    "ensure_links",
    "find_link",
    "link_for",
    "links_of",
    "normalise_panel",
    "panel_code",
    "primary_links",
    "printed_codes",
    "printed_codes_in",
    "printed_language",
    "qr_matrix",
    "qr_png",
    "qr_svg",
    "resolve",
    "scan_counts",
]
