"""The XHTML pages of an e-book, each written whole: cover, introduction, sections, entries, closing page and
navigation, with the style sheet and the escaping and language tagging they share.

Every element whose text is in another language than the book's carries both language attributes,
and a text shown in a fallback language is noted so (after a heading, never inside it: headings are what
readers navigate by); the characters used are kept for the font subset. Every image has a text alternative:
an entry's image the item's description where it can be one (`image_description`), else its title.
"""

import html
import re
import unicodedata
from dataclasses import dataclass, field

from babel.dates import format_date
from ebooklib import epub

from core.i18n import language_in_sentence
from exhibitions.publications.book import BookContent, book_rights
from exhibitions.publications.cache import chrome_language
from exhibitions.reading import EntryView, QrCode, Rights, SectionView, Text

PUBLISHER = "Vitrine"
# Longer than this, or in paragraphs, an item's description is the document's text (a transcription), not a
# description of its image: a text alternative of that length would be read out whole at every image.
DESCRIPTION_ALT_LIMIT = 300
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def esc(text: str | None) -> str:
    """Text made safe for XHTML: escaped, without the control characters XML forbids."""
    return html.escape(_CONTROL.sub("", unicodedata.normalize("NFC", text or "")), quote=True)


def lang_attrs(lang: str) -> str:
    """Both language attributes XHTML readers look at."""
    return f' lang="{esc(lang)}" xml:lang="{esc(lang)}"'


def clean(text: str) -> str:
    """Text for metadata and the cover: NFC, without the control characters XML forbids."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text or ""))


def image_name(sha256: str) -> str:
    """Where an entry image sits in the book."""
    return f"images/{sha256[:20]}.jpg"


def image_description(entry: EntryView, lang: str) -> str | None:
    """The item's description as the text alternative of its image, in a book in `lang`: when it is in the book's
    language or in the title's beside it (not a language the page does not already show) and short enough to be
    one."""
    text, title_lang = entry.description, entry.title.lang if entry.title.text else lang
    if not text.text or text.lang not in (lang, title_lang) or re.search(r"\n\s*\n", text.text.strip()):
        return None
    description = " ".join(text.text.split())
    return description if len(description) <= DESCRIPTION_ALT_LIMIT else None


def described_images(content: BookContent) -> bool:
    """Whether every entry image of the book has a description of what it shows as its text alternative."""
    return all(image_description(entry, content.lang) for entry in content.view.entries
               if entry.image and content.images.get(entry.image.sha256) is not None)  # fmt: skip


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


@dataclass
class PageBuilder:
    """Writes the pages of gathered content in reading order, and the table of contents over them."""

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

    def inline(self, text: Text, fallback_text: str = "") -> str:
        """A text of the view inline: tagged and noted when it fell back to another language."""
        if not text.text:
            return esc(fallback_text)
        body = "<br/>".join(esc(line) for line in text.text.splitlines())
        if text.lang == self.lang:
            return body
        return f"<span{lang_attrs(text.lang)}>{body}</span> {self.note(text.lang)}"

    def heading(self, level: int, text: Text, fallback_text: str, fallback_lang: str | None = None) -> str:
        """A heading holding its text alone, tagged with its language; the note of a fallback follows it."""
        if not text.text:
            return f"<h{level}{self.attrs(fallback_lang or self.lang)}>{esc(fallback_text)}</h{level}>"
        body = "<br/>".join(esc(line) for line in text.text.splitlines())
        if text.lang == self.lang:
            return f"<h{level}>{body}</h{level}>"
        return f'<h{level}{lang_attrs(text.lang)}>{body}</h{level}><p class="note">{self.note(text.lang)}</p>'

    def block(self, text: Text, css: str) -> str:
        """A multi-paragraph text of the view as a div of paragraphs, tagged and noted likewise."""
        if not text.text:
            return ""
        paragraphs = [p for p in re.split(r"\n\s*\n", text.text) if p.strip()]
        inner = "".join(f"<p>{'<br/>'.join(esc(line) for line in p.strip().splitlines())}</p>" for p in paragraphs)
        if text.lang == self.lang:
            return f'<div class="{css}">{inner}</div>'
        note = f'<p class="note">{self.note(text.lang)}</p>'
        return f'<div class="{css}"{lang_attrs(text.lang)}>{inner}</div>{note}'

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
        title = self.content.view.title
        return title.text or self.content.view.code, title.lang

    def dates(self) -> tuple[str, str]:
        """The opening and closing dates, long form, in the chrome language (Babel knows it without a catalog)."""
        view, lang = self.content.view, chrome_language(self.lang)
        days = [format_date(day, "long", locale=lang) for day in (view.opens_on, view.closes_on) if day]
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
        venue = f'<p class="venue">{esc(view.venue.name)}</p>' if view.venue else ""
        dates, lang = self.dates()
        dates = f'<p class="dates"{self.attrs(lang)}>{esc(dates)}</p>' if dates else ""
        body = (f'<section class="intro">{self.heading(1, view.title, view.code)}{venue}{dates}'
                f'{self.block(view.introduction, "introduction")}</section>')  # fmt: skip
        text, lang = self.plain("introduction")
        return self.add_page("intro", text, lang, body)

    def section_page(self, number: int, section: SectionView) -> XhtmlPage:
        """A section's title and introduction."""
        untitled, untitled_lang = self.plain("section")
        untitled %= {"number": number}
        heading = self.heading(1, section.title, untitled, untitled_lang)
        body = f'<section class="section">{heading}{self.block(section.body, "body")}</section>'
        title = section.title.text or untitled
        lang = section.title.lang if section.title.text else untitled_lang
        return self.add_page(f"section-{section.id}", title, lang, body)

    def entry_page(self, entry: EntryView) -> XhtmlPage:
        """One entry: title, image, caption, details and the QR code of its online page; for the placeholder of an
        item taken down, its panel code and a sentence saying so."""
        if entry.withdrawn:
            return self.withdrawn_page(entry)
        title = entry.title.text or entry.reference_code
        title_lang = entry.title.lang if entry.title.text else self.lang
        image = entry.image
        path = self.content.images.get(image.sha256) if image else None
        # Many photos are captioned with their title alone: the heading says it once.
        caption = self.inline(entry.caption) if entry.caption.text not in (None, "", title) else ""
        if path is not None:
            description = image_description(entry, self.lang)
            alt, alt_lang = (description, entry.description.lang) if description else (title, title_lang)
            figure = f'<img src="{image_name(image.sha256)}" alt="{esc(alt)}"{self.attrs(alt_lang)}/>'
            figure = f"<figure>{figure}<figcaption>{caption}</figcaption></figure>" if caption else figure
        else:
            figure = f'<p class="caption">{caption}</p>' if caption else ""
        body = (f'<article class="entry">{self.heading(2, entry.title, entry.reference_code)}'
                f"{figure}{self.details(entry)}{self.qr_block(entry)}</article>")  # fmt: skip
        return self.add_page(f"entry-{entry.id}", title, title_lang, body)

    def withdrawn_page(self, entry: EntryView) -> XhtmlPage:
        """The page standing for an entry whose item was taken down: nothing of the item."""
        title, lang = self.plain("withdrawn_title")
        body = (f'<article class="entry withdrawn"><h2{self.attrs(lang)}>{esc(title)}</h2>'
                f"<p>{self.word('withdrawn')}</p>{self.details(entry)}</article>")  # fmt: skip
        return self.add_page(f"entry-{entry.id}", title, lang, body)

    def details(self, entry: EntryView) -> str:
        """Panel, date, reference code, credit line and rights as a definition list."""
        rows = [("panel", entry.panel_code), ("date", entry.date), ("reference", entry.reference_code),
                ("credit", entry.credit)]  # fmt: skip
        items = "".join(f"<dt>{self.word(key)}</dt><dd>{esc(value)}</dd>" for key, value in rows if value)
        if entry.rights:
            items += f"<dt>{self.word('rights')}</dt><dd>{self.rights(entry.rights)}</dd>"
        return f'<dl class="details">{items}</dl>' if items else ""

    def rights(self, rights: Rights) -> str:
        """A rights statement by its name, linked to its URI (the free text of an old snapshot as it is)."""
        name = esc(rights.label)
        if rights.uri:
            return f'<a href="{esc(rights.uri)}"{self.attrs(rights.lang)}>{name}</a>'
        return f"<span{self.attrs(rights.lang)}>{name}</span>" if rights.lang != self.lang else name

    def qr_block(self, entry: EntryView) -> str:
        """The entry's QR code and short address, for the book's language."""
        return self.code_block(entry.printed_qr, "scan_entry") if entry.printed_qr else ""

    def code_block(self, code: QrCode, words: str) -> str:
        """A QR code, what it is for, and its address spelled out."""
        url, (alt, alt_lang) = code.url, self.plain("qr_code")
        # The image says what it is; its address follows as text, once (an alt repeating it would be read twice).
        # An aside: beside the reading order, which a reader may skip.
        return (f'<aside class="qr"><img src="qr/{code.code}.png" alt="{esc(alt)}"{self.attrs(alt_lang)}/>'
                f'<p>{self.word(words)}<br/><a href="{esc(url)}">{esc(url)}</a></p></aside>')  # fmt: skip

    def closing_page(self) -> XhtmlPage:
        """The book's own QR code, the online exhibition's address, rights and publisher."""
        view = self.content.view
        parts = [f"<h1>{self.word('about')}</h1>"]
        if view.book_qr:
            parts.append(self.code_block(view.book_qr, "scan_book"))
        rows = []
        if view.printed_qr:
            url = view.printed_qr.url
            rows.append(("online", f'<a href="{esc(url)}">{esc(url)}</a>'))
        if rights := book_rights(self.content.view):
            rows.append(("rights", "</dd><dd>".join(self.rights(r) for r in rights)))
        rows.append(("publisher", esc(PUBLISHER)))
        parts.append(f'<dl class="details">{"".join(f"<dt>{self.word(k)}</dt><dd>{v}</dd>" for k, v in rows)}</dl>')
        text, lang = self.plain("about")
        return self.add_page("closing", text, lang, f'<section class="closing">{"".join(parts)}</section>')

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


# Sizes in em and no colours: a reading app's larger text, night or sepia theme applies to the whole book, and a
# grey of ours would fade on its dark background.
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
.fallback, .note { font-size: 0.8em; font-style: italic; }
.qr { margin-top: 1.5em; page-break-inside: avoid; }
.qr img { display: block; width: 8em; height: 8em; }
.qr p { font-size: 0.8em; }
"""
