"""Reading an exhibition in a language, once: the typed, immutable view every output renders (the public
pages, the API, the e-book, the catalogue, the labels, the offline package, the readiness checks), the
language chain that fills its gaps, its frozen snapshot, and the lists of exhibitions the public sees.
"""

from exhibitions.reading.builder import (
    build_view,
    credit_line,
    exhibition_title,
    fallbacks,
    language_chain,
    published_now,
    reader_language,
    view_for,
)
from exhibitions.reading.listing import (
    VISIBLE,
    Appearance,
    Card,
    Listing,
    card,
    get_visible,
    list_exhibitions,
    list_public,
    showing_item,
    shown_to_public,
    when,
)
from exhibitions.reading.snapshot import SNAPSHOT_SCHEMA, read_view, snapshot_of, view_from_record, view_record
from exhibitions.reading.view import (
    EntryView,
    ExhibitionView,
    ImageRef,
    QrCode,
    Rights,
    SectionView,
    Text,
    Venue,
    placeholder,
)

__all__ = [
    "SNAPSHOT_SCHEMA",
    "VISIBLE",
    "Appearance",
    "Card",
    "EntryView",
    "ExhibitionView",
    "ImageRef",
    "Listing",
    "QrCode",
    "Rights",
    "SectionView",
    "Text",
    "Venue",
    "build_view",
    "published_now",
    "card",
    "credit_line",
    "exhibition_title",
    "fallbacks",
    "get_visible",
    "language_chain",
    "list_exhibitions",
    "list_public",
    "placeholder",
    "read_view",
    "reader_language",
    "showing_item",
    "shown_to_public",
    "snapshot_of",
    "view_for",
    "view_from_record",
    "view_record",
    "when",
]
