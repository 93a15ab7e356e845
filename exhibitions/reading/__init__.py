"""Reading an exhibition in a language: the view every output renders (the public pages, the API,
the e-book, the catalogue, the labels, the offline package), the language chain that fills its gaps,
and the lists of exhibitions the public sees.
"""

from exhibitions.reading.listing import VISIBLE, Listing, card, get_visible, list_exhibitions, list_public, when
from exhibitions.reading.view import (
    build_view,
    cover_image,
    credit_line,
    exhibition_title,
    find_entry,
    find_section,
    language_chain,
    reader_language,
    view_for,
)

__all__ = [
    "VISIBLE",
    "Listing",
    "build_view",
    "card",
    "cover_image",
    "credit_line",
    "exhibition_title",
    "find_entry",
    "find_section",
    "get_visible",
    "language_chain",
    "list_exhibitions",
    "list_public",
    "reader_language",
    "view_for",
    "when",
]
