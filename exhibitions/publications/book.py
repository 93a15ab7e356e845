"""What one e-book shows, gathered once: the exhibition's view in the book's language (with the codes
printed in it), the images it holds and its own words; its digest is the book's content version.

The e-book (epub), the catalogue and the offline package are all cached by this version, and all render
the view gathered here: none of them goes back to the models.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, get_translations

from archive.media import derivative_path
from core.errors import NotFound
from core.i18n import _
from exhibitions.models import Exhibition
from exhibitions.publications.cache import VERSION_LENGTH, chrome_language
from exhibitions.reading import ExhibitionView, Rights, view_for, view_record

# Bump when the pages, styles or packaging change: every cached book is then built again.
# 3: the view is digested in its typed record's form (reading.view_record), printed codes included.
# 4: accessibility metadata and the package's language; descriptions as images' text alternatives; fallback notes
#    after headings, not in them; QR codes in asides; no colour in the style sheet.
# 5: rights as statements, named in the book's language and linked to their URIs.
# 6: a placeholder page in place of an entry whose item was taken down.
BOOK_FORMAT = 6


@dataclass
class BookContent:
    """Everything one book shows, gathered once: its version digest and its writer both read this."""

    view: ExhibitionView  # in the book's language, with the codes printed in it
    images: dict[str, Path | None]  # sha256 → book (else web) derivative, None where both are missing
    chrome: dict[str, list[str]]  # the book's own words: key → [text, its language]
    base_url: str

    @property
    def lang(self) -> str:
        """The book's language."""
        return self.view.lang

    def digest(self) -> str:
        """A short hex digest of all of the above and the book format."""
        shown = {"format": BOOK_FORMAT, "view": view_record(self.view),
                 "images": {sha: path.name if path else None for sha, path in self.images.items()},
                 "chrome": self.chrome, "base_url": self.base_url}  # fmt: skip
        data = json.dumps(shown, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(data).hexdigest()[:VERSION_LENGTH]


def gather(exhibition: Exhibition, lang: str) -> BookContent:
    """The book of `exhibition` in `lang`: its view, read once, with the images and wording it needs."""
    if lang not in exhibition.all_languages:
        raise NotFound(_("This exhibition has no book in that language."))
    return book_content(view_for(exhibition, lang))


def book_content(view: ExhibitionView) -> BookContent:
    """The images and wording a book of `view` needs, beside it."""
    images: dict[str, Path | None] = {}
    for entry in view.entries:
        if entry.image and entry.image.sha256 not in images:
            images[entry.image.sha256] = reading_image(entry.image.sha256)
    return BookContent(view, images, chrome_texts(view.lang), current_app.config["BASE_URL"])


def reading_image(sha256: str) -> Path | None:
    """The book-size derivative; the web one for files ingested before books had their own size."""
    for kind in ("book", "web"):
        path = derivative_path(sha256, kind)
        if path.is_file():
            return path
    return None


def N_(message: str) -> str:  # the name Babel's extractor looks for among its default keywords
    """Mark a message for translation; it is translated later, in the book's language."""
    return message


# The book's own words. Translated when a book is written, in its chrome language.
CHROME = {
    "contents": N_("Contents"),
    "cover": N_("Cover"),
    "introduction": N_("Introduction"),
    "section": N_("Section %(number)s"),
    "panel": N_("Panel code"),
    "date": N_("Date"),
    "reference": N_("Reference code"),
    "credit": N_("Credit"),
    "rights": N_("Rights"),
    # i18n: the heading of a page (or a panel) standing for an item the archive took down
    "withdrawn_title": N_("Withdrawn from public view"),
    "withdrawn": N_("The archive has withdrawn the item shown on this panel from public view."),
    # i18n: beside the QR code of an entry in an e-book
    "scan_entry": N_("Scan to open this page online"),
    "about": N_("About this book"),
    # i18n: beside the QR code on the last page of an e-book
    "scan_book": N_("Scan to download or share this book"),
    "online": N_("The exhibition online"),
    "publisher": N_("Publisher"),
    "fallback": N_("(not yet translated: shown in %(language)s)"),
    # i18n: the text alternative of a QR code's image in an e-book (its address follows as text)
    "qr_code": N_("QR code"),
    # i18n: e-book accessibility summary (metadata read out by reading apps and shown by bookshops), sentence 1 of 3
    "summary_conformance": N_(
        "This e-book meets EPUB Accessibility 1.1 at WCAG 2.1 level AA. It has a table of contents and a heading "
        "for each section and panel, and every text in another language is marked with its language."
    ),
    # i18n: e-book accessibility summary, sentence 2 of 3, when every image is described
    "summary_described": N_(
        "Every image has a short description of what it shows as its text alternative, and every QR code is "
        "followed by the address it opens."
    ),
    # i18n: e-book accessibility summary, sentence 2 of 3, when some images are only named
    "summary_titled": N_(
        "Every image has a text alternative, though some give only the title of the item shown, and every QR "
        "code is followed by the address it opens."
    ),
    # i18n: e-book accessibility summary, sentence 3 of 3
    "summary_display": N_(
        "The text reflows and can be enlarged, and reading apps may change its fonts and colours. Nothing "
        "flashes, moves or plays a sound."
    ),
}


def chrome_texts(lang: str) -> dict[str, list[str]]:
    """The book's own words in its chrome language; a word its catalog lacks stays English, tagged so."""
    chrome_lang = chrome_language(lang)
    with force_locale(chrome_lang):
        # A private attribute, but the one place gettext keeps what a catalog holds: comparing
        # texts instead would tag "Date" or "Introduction" in a French book as English.
        catalog = getattr(get_translations(), "_catalog", {})
        return {key: [_(msgid), chrome_lang if chrome_lang == "en" or msgid in catalog else "en"]
                for key, msgid in CHROME.items()}  # fmt: skip


def book_version(exhibition: Exhibition, lang: str) -> str:
    """A short hex digest of everything the book in `lang` shows; it changes whenever the book would."""
    return gather(exhibition, lang).digest()


def book_rights(view: ExhibitionView) -> list[Rights]:
    """The rights statements of the entries, once each, in reading order."""
    return list(dict.fromkeys(entry.rights for entry in view.entries if entry.rights))
