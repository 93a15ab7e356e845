"""E-books: an EPUB 3 of an exhibition in one language, built once per content version and cached.

ebooklib assembles the package (OPF, NCX, manifest, spine, ZIP); we write every XHTML page
whole, the navigation document included, because ebooklib's page renderer re-parses content
as HTML and has no way to tag one element with the language it fell back to. Images are the
web derivatives' own bytes, never re-encoded, and are stored in the ZIP: deflating a JPEG
costs most of the build for a few per cent of its size. The font is DejaVu Sans cut down to the
characters the book uses, so Vietnamese and minority-language letters render in any reader.
"""

import hashlib
import html
import io
import json
import os
import re
import tempfile
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from ebooklib import epub
from flask import current_app
from flask_babel import force_locale, get_translations
from fontTools import subset
from fontTools.ttLib import TTFont
from sqlalchemy.orm import object_session

from archive.imaging import render_cover
from archive.media import derivative_path
from core.errors import NotFound
from core.i18n import _, language_in_sentence, ui_languages
from exhibitions.models import Exhibition
from exhibitions.presentation import cover_image, view_for
from exhibitions.qr import printed_codes
from exhibitions.qrimage import qr_png

EPUB_MIMETYPE = "application/epub+zip"
# Bump when the pages, styles or packaging change: every cached book is then built again.
BOOK_FORMAT = 2
VERSION_LENGTH = 16
PUBLISHER = "Vitrine"
# 4 px a module: a 25-module symbol is 132 px with its quiet zone, a few hundred bytes, and
# scans from a phone screen or a print of the page.
QR_BOX = 4
FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONTS = {"normal": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
# JPEG and PNG are compressed already; everything else (XHTML, CSS, OPF, NCX, TTF) deflates well.
STORED_SUFFIXES = (".jpg", ".jpeg", ".png")
NAME_LIMIT = 80
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_NAV_LABEL = re.compile(rb'<navLabel>(\s*<text>[^<]*</text>\s*</navLabel>\s*<content src="([^"]+)")')


@dataclass
class BookContent:
    """Everything one book shows, gathered once: its version digest and its writer both read this."""

    exhibition_id: int
    lang: str
    view: dict
    codes: dict[str, str]  # "entry:<id>", "exhibition", "ebook" → printed code in this language
    images: dict[str, Path | None]  # sha256 → web derivative, None where it is missing
    chrome: dict[str, list[str]]  # the book's own words: key → [text, its language]
    base_url: str

    def digest(self) -> str:
        """A short hex digest of all of the above and the book format."""
        shown = {"format": BOOK_FORMAT, "lang": self.lang, "view": self.view, "codes": self.codes,
                 "images": {sha: path is not None for sha, path in self.images.items()},
                 "chrome": self.chrome, "base_url": self.base_url}  # fmt: skip
        data = json.dumps(shown, sort_keys=True, ensure_ascii=False, default=str).encode()
        return hashlib.sha256(data).hexdigest()[:VERSION_LENGTH]


def _entries(view: dict):
    return (entry for section in view["sections"] for entry in section["entries"])


def gather(exhibition: Exhibition, lang: str) -> BookContent:
    """The view, printed codes, images and wording of the book of `exhibition` in `lang`."""
    if lang not in exhibition.all_languages:
        raise NotFound(_("This exhibition has no book in that language."))
    view = view_for(exhibition, lang)
    printed = printed_codes(object_session(exhibition), exhibition, lang)
    codes = {key: printed[(target, None)] for key, target in (("exhibition", "exhibition"), ("ebook", "ebook"))
             if (target, None) in printed}  # fmt: skip
    images: dict[str, Path | None] = {}
    for entry in _entries(view):
        if code := printed.get(("entry", entry["id"])):
            codes[f"entry:{entry['id']}"] = code
        if entry["image"] and entry["image"]["sha256"] not in images:
            images[entry["image"]["sha256"]] = reading_image(entry["image"]["sha256"])
    base_url = current_app.config["BASE_URL"]
    return BookContent(exhibition.id, lang, view, codes, images, chrome_texts(lang), base_url)


def reading_image(sha256: str) -> Path | None:
    """The book-size derivative; the web one for files ingested before books had their own size."""
    for kind in ("book", "web"):
        path = derivative_path(sha256, kind)
        if path.is_file():
            return path
    return None


def chrome_language(lang: str) -> str:
    """The language of the book's own words: the book's if the interface speaks it, else the default."""
    return lang if lang in ui_languages() else current_app.config["BABEL_DEFAULT_LOCALE"]


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
    # i18n: beside the QR code of an entry in an e-book
    "scan_entry": N_("Scan to open this page online"),
    "about": N_("About this book"),
    # i18n: beside the QR code on the last page of an e-book
    "scan_book": N_("Scan to download or share this book"),
    "online": N_("The exhibition online"),
    "publisher": N_("Publisher"),
    "fallback": N_("(not yet translated: shown in %(language)s)"),
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


def cached_epub(exhibition: Exhibition, lang: str) -> Path:
    """The book under PUBLICATIONS_DIR/<id>/<lang>-<version>.epub, built on first request."""
    content = gather(exhibition, lang)
    folder = Path(current_app.config["PUBLICATIONS_DIR"]) / str(exhibition.id)
    path = folder / f"{lang}-{content.digest()}.epub"
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    # Built beside its final name and renamed into place: a concurrent request sees the whole
    # book or none, and two builders at once both rename a complete file.
    handle, temporary = tempfile.mkstemp(prefix=f".{lang}-", suffix=".part", dir=folder)
    os.fchmod(handle, 0o644)  # mkstemp makes it private; a front server sending the file may run as another user
    os.close(handle)
    try:
        write_book(content, Path(temporary))
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    _remove_older_versions(folder, lang, keep=path)
    return path


def _remove_older_versions(folder: Path, lang: str, keep: Path) -> None:
    # An open download of an old version goes on reading it: unlinking does not cut it short.
    pattern = re.compile(rf"{re.escape(lang)}-[0-9a-f]{{{VERSION_LENGTH}}}\.epub")
    for old in folder.iterdir():
        if old != keep and pattern.fullmatch(old.name):
            old.unlink(missing_ok=True)


def write_epub(exhibition: Exhibition, lang: str, target: Path) -> None:
    """Write the EPUB 3 of `exhibition` in `lang` to `target`."""
    write_book(gather(exhibition, lang), Path(target))


def write_book(content: BookContent, target: Path) -> None:
    """Write the EPUB 3 of gathered content to `target`."""
    book = EpubExporter(content).book()
    options = {"epub3_pages": False, "mtime": datetime.now(UTC), "raise_exceptions": True}
    # epub3_pages off: it parses every page again looking for page breaks we never write.
    # mtime given: ebooklib's default is local time labelled as UTC.
    writer = BookWriter(str(target), book, options)
    writer.process()
    writer.write()


def download_name(view: dict, extension: str) -> str:
    """A file name that reads well in the book's language: `<title> (<lang>).<extension>`."""
    title = unicodedata.normalize("NFC", view["title"]["text"] or view.get("code") or "exhibition")
    title = " ".join(_UNSAFE_NAME.sub(" ", title).split()).strip(" .")
    if len(title) > NAME_LIMIT:
        cut = title[:NAME_LIMIT]
        title = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" .,;:-–—")
    return f"{title or view.get('code') or 'exhibition'} ({view['lang']}).{extension.lstrip('.')}"


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


class XhtmlPage(epub.EpubHtml):
    """An XHTML page we write whole; `title_lang` is the language of its title."""

    def __init__(self, uid: str, file_name: str, title: str, title_lang: str, content: bytes):
        super().__init__(uid=uid, file_name=file_name, title=title, media_type="application/xhtml+xml")
        self.title_lang = title_lang
        self.content = content

    def get_content(self, default=None):
        """The page as written."""
        return self.content


class NavDocument(epub.EpubNav):
    """The navigation document, written whole like the other pages."""

    def __init__(self, title: str, content: bytes):
        super().__init__(uid="nav", file_name="nav.xhtml", title=title)
        self.content = content

    def get_content(self, default=None):
        """The page as written."""
        return self.content


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


def esc(text: str | None) -> str:
    """Text made safe for XHTML: escaped, without the control characters XML forbids."""
    return html.escape(_CONTROL.sub("", unicodedata.normalize("NFC", text or "")), quote=True)


def lang_attrs(lang: str) -> str:
    """Both language attributes XHTML readers look at."""
    return f' lang="{esc(lang)}" xml:lang="{esc(lang)}"'


@dataclass
class EpubExporter:
    """Builds the ebooklib book of gathered content: pages, images, codes, font, metadata."""

    content: BookContent
    pages: list[XhtmlPage] = field(default_factory=list)
    toc: list = field(default_factory=list)
    chars: set[str] = field(default_factory=set)

    @property
    def lang(self) -> str:
        """The book's language."""
        return self.content.lang

    def word(self, key: str) -> str:
        """One of the book's own words, in its language (tagged when that differs from the book's)."""
        text, lang = self.content.chrome[key]
        return f"<span{lang_attrs(lang)}>{esc(text)}</span>" if lang != self.lang else esc(text)

    def attrs(self, lang: str) -> str:
        """Language attributes for an element in `lang`; none where it is the book's."""
        return lang_attrs(lang) if lang != self.lang else ""

    def plain(self, key: str) -> tuple[str, str]:
        """One of the book's own words as text, and its language."""
        text, lang = self.content.chrome[key]
        return text, lang

    def inline(self, text: dict, fallback_text: str = "") -> str:
        """A text of the view inline: tagged and noted when it fell back to another language."""
        if not text["text"]:
            return esc(fallback_text)
        body = "<br/>".join(esc(line) for line in text["text"].splitlines())
        if text["lang"] == self.lang:
            return body
        return f"<span{lang_attrs(text['lang'])}>{body}</span> {self.note(text['lang'])}"

    def block(self, text: dict, css: str) -> str:
        """A multi-paragraph text of the view as a div of paragraphs, tagged and noted likewise."""
        if not text["text"]:
            return ""
        paragraphs = [p for p in re.split(r"\n\s*\n", text["text"]) if p.strip()]
        inner = "".join(f"<p>{'<br/>'.join(esc(line) for line in p.strip().splitlines())}</p>" for p in paragraphs)
        if text["lang"] == self.lang:
            return f'<div class="{css}">{inner}</div>'
        note = f'<p class="note">{self.note(text["lang"])}</p>'
        return f'<div class="{css}"{lang_attrs(text["lang"])}>{inner}</div>{note}'

    def note(self, source_lang: str) -> str:
        """The visible mark of a fallback: which language the text is shown in."""
        text, lang = self.content.chrome["fallback"]
        language = language_in_sentence(source_lang, lang)
        return f'<small class="fallback"{lang_attrs(lang)}>{esc(text % {"language": language})}</small>'

    def document(self, title: str, title_lang: str, body: str) -> bytes:
        """A whole XHTML page in the book's language."""
        self.chars.update(title, html.unescape(body))  # the letters, not their escapes: `'` is `&#x27;` here
        page = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
                f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
                f'{lang_attrs(self.lang)}>\n<head>\n<meta charset="utf-8"/>\n'
                f"<title{self.attrs(title_lang)}>{esc(title)}</title>\n"
                '<link rel="stylesheet" type="text/css" href="style/book.css"/>\n</head>\n'
                f"<body>\n{body}\n</body>\n</html>\n")  # fmt: skip
        return page.encode("utf-8")

    def add_page(self, uid: str, title: str, title_lang: str, body: str) -> XhtmlPage:
        """A page added to the book's reading order."""
        page = XhtmlPage(uid, f"{uid}.xhtml", title, title_lang, self.document(title, title_lang, body))
        self.pages.append(page)
        return page

    # --- The pages ---------------------------------------------------------------------------

    def title(self) -> tuple[str, str]:
        """The exhibition's title and its language."""
        title = self.content.view["title"]
        return title["text"] or self.content.view["code"], title["lang"]

    def dates(self) -> tuple[str, str]:
        """The opening and closing dates, long form, in the chrome language (Babel knows it without a catalog)."""
        view, lang = self.content.view, chrome_language(self.lang)
        days = [format_date(date.fromisoformat(d), "long", locale=lang) for d in (view["opens_on"], view["closes_on"])
                if d]  # fmt: skip
        return " – ".join(days), lang

    def cover_page(self) -> XhtmlPage:
        """The cover image on a page of its own."""
        title, title_lang = self.title()
        image = f'<img src="images/cover.jpg" alt="{esc(title)}"{self.attrs(title_lang)}/>'
        body = f'<section class="cover" epub:type="cover">{image}</section>'
        return self.add_page("cover", self.plain("cover")[0], self.plain("cover")[1], body)

    def intro_page(self) -> XhtmlPage:
        """Title, venue, dates and introduction."""
        view = self.content.view
        venue = f'<p class="venue">{esc(view["venue"]["name"])}</p>' if view.get("venue") else ""
        dates, lang = self.dates()
        dates = f'<p class="dates"{self.attrs(lang)}>{esc(dates)}</p>' if dates else ""
        body = (f'<section class="intro"><h1>{self.inline(view["title"], view["code"])}</h1>{venue}{dates}'
                f'{self.block(view["introduction"], "introduction")}</section>')  # fmt: skip
        text, lang = self.plain("introduction")
        return self.add_page("intro", text, lang, body)

    def section_page(self, number: int, section: dict) -> XhtmlPage:
        """A section's title and introduction."""
        untitled = self.plain("section")[0] % {"number": number}
        heading = self.inline(section["title"], untitled)
        body = f'<section class="section"><h1>{heading}</h1>{self.block(section["body"], "body")}</section>'
        title = section["title"]["text"] or untitled
        lang = section["title"]["lang"] if section["title"]["text"] else self.plain("section")[1]
        return self.add_page(f"section-{section['id']}", title, lang, body)

    def entry_page(self, entry: dict) -> XhtmlPage:
        """One entry: title, image, caption, details and the QR code of its online page."""
        title = entry["title"]["text"] or entry["reference_code"]
        title_lang = entry["title"]["lang"] if entry["title"]["text"] else self.lang
        image = entry["image"]
        path = self.content.images.get(image["sha256"]) if image else None
        # Many photos are captioned with their title alone: the heading says it once.
        caption = self.inline(entry["caption"]) if entry["caption"]["text"] not in (None, "", title) else ""
        if path is not None:
            figure = f'<img src="{image_name(image["sha256"])}" alt="{esc(title)}"{self.attrs(title_lang)}/>'
            figure = f"<figure>{figure}<figcaption>{caption}</figcaption></figure>" if caption else figure
        else:
            figure = f'<p class="caption">{caption}</p>' if caption else ""
        body = (f'<article class="entry"><h2>{self.inline(entry["title"], entry["reference_code"])}</h2>'
                f"{figure}{self.details(entry)}{self.qr_block(entry)}</article>")  # fmt: skip
        return self.add_page(f"entry-{entry['id']}", title, title_lang, body)

    def details(self, entry: dict) -> str:
        """Panel, date, reference code, credit line and rights as a definition list."""
        rows = [("panel", entry["panel_code"]), ("date", entry["date"]), ("reference", entry["reference_code"]),
                ("credit", entry["credit"]), ("rights", entry["rights"])]  # fmt: skip
        items = "".join(f"<dt>{self.word(key)}</dt><dd>{esc(value)}</dd>" for key, value in rows if value)
        return f'<dl class="details">{items}</dl>' if items else ""

    def qr_block(self, entry: dict) -> str:
        """The entry's QR code and short address, for the book's language."""
        code = self.content.codes.get(f"entry:{entry['id']}")
        return self.code_block(code, "scan_entry") if code else ""

    def code_block(self, code: str, words: str) -> str:
        """A QR code, what it is for, and its address spelled out."""
        url = short_url(self.content.base_url, code)
        return (f'<div class="qr"><img src="qr/{code}.png" alt="QR: {esc(url)}"/>'
                f'<p>{self.word(words)}<br/><a href="{esc(url)}">{esc(url)}</a></p></div>')  # fmt: skip

    def closing_page(self) -> XhtmlPage:
        """The book's own QR code, the online exhibition's address, rights and publisher."""
        parts = [f"<h1>{self.word('about')}</h1>"]
        if code := self.content.codes.get("ebook"):
            parts.append(self.code_block(code, "scan_book"))
        rows = []
        if code := self.content.codes.get("exhibition"):
            url = short_url(self.content.base_url, code)
            rows.append(("online", f'<a href="{esc(url)}">{esc(url)}</a>'))
        if rights := book_rights(self.content.view):
            rows.append(("rights", esc(rights)))
        rows.append(("publisher", esc(PUBLISHER)))
        parts.append(f'<dl class="details">{"".join(f"<dt>{self.word(k)}</dt><dd>{v}</dd>" for k, v in rows)}</dl>')
        text, lang = self.plain("about")
        return self.add_page("closing", text, lang, f'<section class="closing">{"".join(parts)}</section>')

    # --- The book -----------------------------------------------------------------------------

    def book(self) -> epub.EpubBook:
        """The ebooklib book: metadata, pages in reading order, navigation, images, codes, style, fonts."""
        book = epub.EpubBook()
        self.metadata(book)
        cover, intro = self.cover_page(), self.intro_page()
        self.toc.append(intro)
        for number, section in enumerate(self.content.view["sections"], start=1):
            head = self.section_page(number, section)
            children = [self.entry_page(entry) for entry in section["entries"]]
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
        """Identifier, title, language, description, publisher, contributors, rights and date."""
        view = self.content.view
        title, title_lang = self.title()
        book.set_identifier(book_identifier(self.content.base_url, self.content.exhibition_id, self.lang))
        book.title = clean(title)  # the NCX's docTitle
        book.add_metadata("DC", "title", clean(title), self.xml_lang(title_lang))
        book.set_language(self.lang)
        if introduction := view["introduction"]["text"]:
            book.add_metadata("DC", "description", clean(introduction), self.xml_lang(view["introduction"]["lang"]))
        book.add_metadata("DC", "publisher", PUBLISHER)
        for name in contributors(view):
            book.add_metadata("DC", "contributor", clean(name))
        if rights := book_rights(view):
            book.add_metadata("DC", "rights", clean(rights))
        if view["opens_on"]:
            book.add_metadata("DC", "date", view["opens_on"])

    def xml_lang(self, lang: str) -> dict | None:
        """The xml:lang attribute of a metadata element in another language than the book's."""
        return {"{http://www.w3.org/XML/1998/namespace}lang": lang} if lang != self.lang else None

    def nav_page(self) -> NavDocument:
        """The table of contents by section, and the landmarks reading systems jump to."""

        def link(page: XhtmlPage) -> str:
            return f'<a href="{page.file_name}"{self.attrs(page.title_lang)}>{esc(page.title)}</a>'

        items = []
        for node in self.toc:
            if isinstance(node, tuple):
                head, children = node
                items.append(f"<li>{link(head)}<ol>{''.join(f'<li>{link(c)}</li>' for c in children)}</ol></li>")
            else:
                items.append(f"<li>{link(node)}</li>")
        marks = (("cover", "cover.xhtml", "cover"), ("toc", "nav.xhtml#toc", "contents"),
                 ("bodymatter", "intro.xhtml", "introduction"))  # fmt: skip
        landmarks = "".join(f'<li><a epub:type="{kind}" href="{href}">{self.word(key)}</a></li>'
                            for kind, href, key in marks)  # fmt: skip
        body = (f'<nav epub:type="toc" id="toc" role="doc-toc"><h1>{self.word("contents")}</h1>'
                f'<ol>{"".join(items)}</ol></nav>\n'
                f'<nav epub:type="landmarks" id="landmarks" hidden="hidden"><ol>{landmarks}</ol></nav>')  # fmt: skip
        text, lang = self.plain("contents")
        return NavDocument(text, self.document(text, lang, body))

    def resources(self, book: epub.EpubBook) -> None:
        """Cover, entry images (the derivatives' bytes), QR codes, the style sheet and the fonts."""
        book.set_cover("images/cover.jpg", self.cover_jpeg(), create_page=False)
        for sha256, path in self.content.images.items():
            if path is not None:
                book.add_item(DerivativeImage(f"img-{sha256[:20]}", image_name(sha256), path))
        for code in self.codes_shown():
            png = _qr(short_url(self.content.base_url, code))
            book.add_item(epub.EpubImage(uid=f"qr-{code}", file_name=f"qr/{code}.png", media_type="image/png",
                                         content=png))  # fmt: skip
        book.add_item(epub.EpubItem(uid="style", file_name="style/book.css", media_type="text/css",
                                    content=STYLE.encode()))  # fmt: skip
        text = "".join(sorted(self.chars))
        for weight, file_name in FONTS.items():
            book.add_item(epub.EpubItem(uid=f"font-{weight}", file_name=f"fonts/{file_name}", media_type="font/ttf",
                                        content=font_subset(file_name, text)))  # fmt: skip

    def codes_shown(self) -> list[str]:
        """The codes printed in the book: each shown entry's and the book's own."""
        keys = [f"entry:{entry['id']}" for entry in _entries(self.content.view)] + ["ebook"]
        return list(dict.fromkeys(self.content.codes[key] for key in keys if key in self.content.codes))

    def cover_jpeg(self) -> bytes:
        """The cover: title, venue, dates over the first image whose derivative exists."""
        title, _lang = self.title()
        view = self.content.view
        lines = [line for line in ((view.get("venue") or {}).get("name"), self.dates()[0]) if line]
        first = cover_image(view)
        key = self.content.images.get(first["sha256"]) if first else None
        key = key or next((path for path in self.content.images.values() if path is not None), None)
        return render_cover(clean(title), [clean(line) for line in lines], key)


STYLE = """@font-face { font-family: "Vitrine DejaVu Sans"; font-style: normal; font-weight: normal;
  src: url("../fonts/DejaVuSans.ttf") format("truetype"); }
@font-face { font-family: "Vitrine DejaVu Sans"; font-style: normal; font-weight: bold;
  src: url("../fonts/DejaVuSans-Bold.ttf") format("truetype"); }
body { font-family: "Vitrine DejaVu Sans", "DejaVu Sans", sans-serif; line-height: 1.4; margin: 0 0.5em; }
h1, h2 { font-weight: bold; line-height: 1.2; }
img { max-width: 100%; height: auto; }
figure { margin: 1em 0; }
figcaption, .caption { margin-top: 0.5em; }
section.cover { margin: 0; padding: 0; text-align: center; }
.venue, .dates { margin: 0.2em 0; font-size: 1.1em; }
.details dt { margin-top: 0.5em; font-size: 0.8em; font-weight: bold; }
.details dd { margin: 0; font-size: 0.85em; }
.fallback, .note { color: #555555; font-size: 0.8em; }
.qr { margin-top: 1.5em; page-break-inside: avoid; }
.qr img { display: block; width: 8em; height: 8em; }
.qr p { font-size: 0.8em; }
"""


def clean(text: str) -> str:
    """Text for metadata and the cover: NFC, without the control characters XML forbids."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text or ""))


def image_name(sha256: str) -> str:
    """Where an entry image sits in the book."""
    return f"images/{sha256[:20]}.jpg"


def short_url(base_url: str, code: str) -> str:
    """The absolute short address a printed code holds."""
    return f"{base_url}/q/{code}"


def book_identifier(base_url: str, exhibition_id: int, lang: str) -> str:
    """A stable identifier of the book across its versions: readers then replace an old copy, not add one."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base_url}/exhibitions/{exhibition_id}/book-{lang}.epub')}"


def contributors(view: dict) -> list[str]:
    """The creators, lending bodies and archives named in the credit lines, once each, in order."""
    names = (part.strip() for entry in _entries(view) for part in (entry["credit"] or "").split(" · "))
    return list(dict.fromkeys(name for name in names if name))


def book_rights(view: dict) -> str:
    """The rights statements of the entries, once each."""
    return "; ".join(dict.fromkeys(entry["rights"] for entry in _entries(view) if entry["rights"]))


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
