"""E-books: an EPUB 3 of an exhibition in one language, built once per content version and cached.

ebooklib assembles the package (OPF, NCX, manifest, spine, ZIP); we write every XHTML page
whole (epub_pages.py), the navigation document included, because ebooklib's page renderer
re-parses content as HTML and has no way to tag one element with the language it fell back to.
Images are the book-size derivatives' own bytes, never re-encoded, and are stored in the ZIP: deflating
a JPEG costs most of the build for a few per cent of its size. The font is DejaVu Sans cut down
to the characters the book uses, so Vietnamese and minority-language letters render in any reader.
"""

import io
import re
import unicodedata
import uuid
import zipfile
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from ebooklib import epub
from fontTools import subset
from fontTools.ttLib import TTFont

from archive.imaging import render_cover
from exhibitions.models import Exhibition
from exhibitions.publications.book import BookContent, book_rights, gather
from exhibitions.publications.cache import cached
from exhibitions.publications.epub_pages import (
    PUBLISHER,
    STYLE,
    PageBuilder,
    XhtmlPage,
    clean,
    described_images,
    image_name,
)
from exhibitions.qr import qr_png
from exhibitions.reading import ExhibitionView, QrCode

EPUB_MIMETYPE = "application/epub+zip"
# 4 px a module: a 25-module symbol is 132 px with its quiet zone, a few hundred bytes, and
# scans from a phone screen or a print of the page.
QR_BOX = 4
FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONTS = {"normal": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
# JPEG and PNG are compressed already; everything else (XHTML, CSS, OPF, NCX, TTF) deflates well.
STORED_SUFFIXES = (".jpg", ".jpeg", ".png")
NAME_LIMIT = 80
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# What the book claims (EPUB Accessibility 1.1, with WCAG 2.1 AA: the level EN 301 549 and the European
# Accessibility Act ask of e-books). tests/exhibitions/test_ebooks.py runs Ace by DAISY on the demo books.
CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
# Only what holds for every book: images have text alternatives; headings for sections and panels, and the
# table of contents, lead through it in the reading order of the spine, QR codes set aside from it; the text
# reflows and takes the reading app's sizes, fonts and colours (the style sheet sets none); no DRM. No
# flashing, motion or sound.
ACCESSIBILITY_FEATURES = ("alternativeText", "structuralNavigation", "tableOfContents", "readingOrder",
                          "displayTransformability", "unlocked")  # fmt: skip
_NAV_LABEL = re.compile(rb'<navLabel>(\s*<text>[^<]*</text>\s*</navLabel>\s*<content src="([^"]+)")')


def cached_epub(exhibition: Exhibition, lang: str) -> Path:
    """The book under PUBLICATIONS_DIR/<id>/<lang>-<version>.epub, built on first request."""
    return epub_file(gather(exhibition, lang))


def epub_file(content: BookContent) -> Path:
    """The book of gathered content, cached by its content version: built the first time only."""

    def write(out: BinaryIO) -> None:
        write_book(content, out)

    return cached(content.view, ".epub", write, content.digest)


def write_epub(exhibition: Exhibition, lang: str, target: Path) -> None:
    """Write the EPUB 3 of `exhibition` in `lang` to `target`."""
    write_book(gather(exhibition, lang), Path(target))


def write_book(content: BookContent, target: Path | BinaryIO) -> None:
    """Write the EPUB 3 of gathered content to `target`, a path or a binary file."""
    book = EpubExporter(content).book()
    options = {"epub3_pages": False, "mtime": datetime.now(UTC), "raise_exceptions": True}
    # epub3_pages off: it parses every page again looking for page breaks we never write.
    # mtime given: ebooklib's default is local time labelled as UTC.
    writer = BookWriter(target, book, options)
    writer.process()
    writer.write()


def download_name(view: ExhibitionView, extension: str) -> str:
    """A file name that reads well in the book's language: `<title> (<lang>).<extension>`."""
    title = unicodedata.normalize("NFC", view.title.text or view.code or "exhibition")
    title = " ".join(_UNSAFE_NAME.sub(" ", title).split()).strip(" .")
    if len(title) > NAME_LIMIT:
        cut = title[:NAME_LIMIT]
        title = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" .,;:-–—")
    return f"{title or view.code or 'exhibition'} ({view.lang}).{extension.lstrip('.')}"


# --- Writing ---------------------------------------------------------------------------------


class _MixedZip(zipfile.ZipFile):
    """A ZIP that stores what is compressed already and deflates the rest."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        """Store JPEG and PNG entries unless told otherwise."""
        name = zinfo_or_arcname if isinstance(zinfo_or_arcname, str) else zinfo_or_arcname.filename
        if compress_type is None and name.lower().endswith(STORED_SUFFIXES):
            compress_type = zipfile.ZIP_STORED
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


class BookWriter(epub.EpubWriter):
    """ebooklib's writer with images stored, our own navigation page, and languages in the NCX."""

    def write(self):
        """The ZIP: mimetype first and stored (the OCF rule), then the package."""
        self.out = _MixedZip(self.file_name, "w", zipfile.ZIP_DEFLATED, compresslevel=self.options["compresslevel"])
        self.out.writestr("mimetype", EPUB_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        self._write_container()
        self._write_opf()
        self._write_items()
        self.out.close()

    def _write_opf_file(self, root):
        root.set(XML_LANG, self.book.language)  # the package's language, which its metadata inherit
        super()._write_opf_file(root)

    def _get_nav(self, item):
        return item.get_content()  # written whole by EpubExporter, with languages tagged

    def _get_ncx(self):
        ncx = super()._get_ncx()
        languages = {page.file_name: page.title_lang for page in self.book.get_items() if isinstance(page, XhtmlPage)}

        def tagged(match):
            lang = languages.get(match.group(2).decode())
            if not lang or lang == self.book.language:
                return match.group(0)
            return b'<navLabel xml:lang="' + lang.encode() + b'">' + match.group(1)

        return _NAV_LABEL.sub(tagged, ncx)


class DerivativeImage(epub.EpubImage):
    """An image read from its file when the ZIP is written: bytes as they are, one file in memory at a time."""

    def __init__(self, uid: str, file_name: str, path: Path):
        super().__init__(uid=uid, file_name=file_name, media_type="image/jpeg")
        self.path = path

    def get_content(self, default=None):
        """The file's bytes."""
        return self.path.read_bytes()


@lru_cache(maxsize=4096)
def _qr(url: str) -> bytes:
    # A symbol depends on its URL only; a rebuild after an edit redraws none of them.
    return qr_png(url, QR_BOX)


class EpubExporter(PageBuilder):
    """Builds the ebooklib book of gathered content: pages, images, codes, font, metadata."""

    def book(self) -> epub.EpubBook:
        """The ebooklib book: metadata, pages in reading order, navigation, images, codes, style, fonts."""
        book = epub.EpubBook()
        self.metadata(book)
        cover, intro = self.cover_page(), self.intro_page()
        self.toc.append(intro)
        for number, section in enumerate(self.content.view.sections, start=1):
            head = self.section_page(number, section)
            children = [self.entry_page(entry) for entry in section.entries]
            self.toc.append((head, children) if children else head)
        self.toc.append(self.closing_page())
        nav = self.nav_page()
        for page in self.pages:
            book.add_item(page)
        book.add_item(nav)
        book.add_item(epub.EpubNcx())
        book.toc = self.toc
        book.spine = [cover, nav, *self.pages[1:]]
        book.guide = [{"type": "cover", "href": cover.file_name, "title": cover.title},
                      {"type": "toc", "href": nav.file_name, "title": nav.title},
                      {"type": "text", "href": intro.file_name, "title": intro.title}]  # fmt: skip
        self.resources(book)
        return book

    def metadata(self, book: epub.EpubBook) -> None:
        """Identifier, title, language, description, publisher, contributors, rights, date and accessibility."""
        view = self.content.view
        title, title_lang = self.title()
        book.set_identifier(book_identifier(self.content.base_url, view.id, self.lang))
        book.title = clean(title)  # the NCX's docTitle
        book.add_metadata("DC", "title", clean(title), self.xml_lang(title_lang))
        book.set_language(self.lang)
        if introduction := view.introduction.text:
            book.add_metadata("DC", "description", clean(introduction), self.xml_lang(view.introduction.lang))
        book.add_metadata("DC", "publisher", PUBLISHER)
        for name in contributors(view):
            book.add_metadata("DC", "contributor", clean(name))
        for rights in book_rights(view):  # each statement by its name, and its URI for machines
            shown = f"{rights.label} ({rights.uri})" if rights.uri else rights.label
            book.add_metadata("DC", "rights", clean(shown), self.xml_lang(rights.lang))
        if view.opens_on:
            book.add_metadata("DC", "date", view.opens_on.isoformat())
        self.accessibility(book)

    def accessibility(self, book: epub.EpubBook) -> None:
        """EPUB Accessibility 1.1 metadata: how the book can be read, what helps, what it claims and who says so."""

        def meta(prop: str, value: str, lang: str | None = None) -> None:
            book.add_metadata(None, "meta", value, {"property": prop, **(self.xml_lang(lang or self.lang) or {})})

        described = described_images(self.content)
        for mode in ("textual", "visual"):  # text, and the cover, photographs and documents
            meta("schema:accessMode", mode)
        # Text with the images is enough; text alone too where every image is described, not only named.
        for sufficient in ("textual,visual", "textual") if described else ("textual,visual",):
            meta("schema:accessModeSufficient", sufficient)
        for feature in ACCESSIBILITY_FEATURES:
            meta("schema:accessibilityFeature", feature)
        meta("schema:accessibilityHazard", "none")
        keys = ("summary_conformance", "summary_described" if described else "summary_titled", "summary_display")
        summary = " ".join(self.plain(key)[0] for key in keys)
        meta("schema:accessibilitySummary", clean(summary), self.plain(keys[0])[1])
        meta("dcterms:conformsTo", CONFORMANCE)
        # The publisher evaluates its own books: no third party has certified them.
        meta("a11y:certifiedBy", PUBLISHER)

    def xml_lang(self, lang: str) -> dict | None:
        """The xml:lang attribute of a metadata element in another language than the book's."""
        return {"{http://www.w3.org/XML/1998/namespace}lang": lang} if lang != self.lang else None

    def resources(self, book: epub.EpubBook) -> None:
        """Cover, entry images (the derivatives' bytes), QR codes, the style sheet and the fonts."""
        book.set_cover("images/cover.jpg", self.cover_jpeg(), create_page=False)
        for sha256, path in self.content.images.items():
            if path is not None:
                book.add_item(DerivativeImage(f"img-{sha256[:20]}", image_name(sha256), path))
        for code in self.codes_shown():
            png = _qr(code.url)
            book.add_item(epub.EpubImage(uid=f"qr-{code.code}", file_name=f"qr/{code.code}.png",
                                         media_type="image/png", content=png))  # fmt: skip
        book.add_item(epub.EpubItem(uid="style", file_name="style/book.css", media_type="text/css",
                                    content=STYLE.encode()))  # fmt: skip
        text = "".join(sorted(self.chars))
        for weight, file_name in FONTS.items():
            book.add_item(epub.EpubItem(uid=f"font-{weight}", file_name=f"fonts/{file_name}", media_type="font/ttf",
                                        content=font_subset(file_name, text)))  # fmt: skip

    def codes_shown(self) -> list[QrCode]:
        """The codes printed in the book: each shown entry's and the book's own."""
        view = self.content.view
        return list(dict.fromkeys(code for code in [*(e.printed_qr for e in view.entries), view.book_qr] if code))

    def cover_jpeg(self) -> bytes:
        """The cover: title, venue, dates over the first image whose derivative exists."""
        title, _lang = self.title()
        view = self.content.view
        lines = [line for line in (view.venue.name if view.venue else None, self.dates()[0]) if line]
        first = view.cover_image()
        key = self.content.images.get(first.sha256) if first else None
        key = key or next((path for path in self.content.images.values() if path is not None), None)
        return render_cover(clean(title), [clean(line) for line in lines], key)


def book_identifier(base_url: str, exhibition_id: int, lang: str) -> str:
    """A stable identifier of the book across its versions: readers then replace an old copy, not add one."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base_url}/exhibitions/{exhibition_id}/book-{lang}.epub')}"


def contributors(view: ExhibitionView) -> list[str]:
    """The creators, lending bodies and archives named in the credit lines, once each, in order."""
    names = (part.strip() for entry in view.entries for part in (entry.credit or "").split(" · "))
    return list(dict.fromkeys(name for name in names if name))


@lru_cache(maxsize=16)
def font_subset(file_name: str, text: str) -> bytes:
    """The vendored font cut down to the glyphs of `text`; its copyright and licence kept."""
    options = subset.Options()
    # E-readers render at high resolution with their own hinter: the instructions would double the size.
    options.hinting = False
    # 0 copyright, 13–14 licence: the Bitstream Vera terms require the notices in every copy.
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.drop_tables += ["FFTM"]  # FontForge's timestamps; fontTools cannot subset it and would log so
    with TTFont(FONT_DIR / file_name) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
    return out.getvalue()
