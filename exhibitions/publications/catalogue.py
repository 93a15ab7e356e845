"""An exhibition as a print-ready catalogue (fpdf2): cover, contents, section openers, one page an entry.

A5 rather than A4: a booklet is A4 sheets folded in two, which every provincial office printer and
print shop makes (the page count is padded to a multiple of four for it), and the web derivatives
(about 1600 px) print at over 300 dpi across an A5 text block but near 225 dpi across an A4 one.
"""

import logging
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from flask_babel import force_locale, format_date
from fpdf import FPDF

from archive.media import derivative_path
from core.i18n import _, language_in_sentence
from core.urls import base_url_warning
from exhibitions.publications.book import BookContent, gather
from exhibitions.publications.cache import cached, chrome_language
from exhibitions.publications.pdf_text import (
    Line,
    Para,
    add_fonts,
    blocks_height,
    draw_code,
    draw_lines,
    draw_qr,
    draw_warning,
    measure,
    nfc,
    wrap,
)
from exhibitions.reading import EntryView, ExhibitionView, ImageRef, QrCode, SectionView, Text, view_for

log = logging.getLogger(__name__)

PAGE = (148.0, 210.0)
MARGIN = 15.0
WIDTH = PAGE[0] - 2 * MARGIN
BOTTOM = PAGE[1] - 17.0  # foot of the text block; the page number sits in the margin below
FOLIO_Y = PAGE[1] - 12.0
GAP = 3.0
QR = 22.0  # side of an entry's QR symbol, quiet zone included: scans from 15 cm with a phone
IMAGE_MIN = 45.0  # an image any smaller is no use in print: the text flows on to the next page instead
LABEL_COLUMN = 25.0  # width of the labels in an entry's facts
PAGE_COLUMN = 12.0  # width of the page numbers in the contents
SIZES = {"cover": 20, "heading": 16, "title": 12, "text": 10, "small": 7.5, "folio": 8}


def render_catalogue_pdf(exhibition, lang: str) -> bytes:
    """The exhibition in `lang` as an A5 catalogue, PDF bytes; needs an app context."""
    return catalogue_pdf(view_for(exhibition, lang))


def catalogue_pdf(view: ExhibitionView) -> bytes:
    """The view as an A5 catalogue with the codes printed in its language, PDF bytes; needs an app context."""
    with force_locale(chrome_language(view.lang)):  # the e-book's rule: its language if the interface has it
        pdf = Catalogue(view)
        _cover(pdf, view, view.printed_qr)
        _contents(pdf, view)
        for number, section in enumerate(view.sections, 1):
            _section_opener(pdf, section, number)
            for entry in section.entries:
                _entry_page(pdf, entry, entry.printed_qr)
        _pad_to_fold(pdf)
        return bytes(pdf.output())  # the contents are drawn here, in the same locale


def cached_catalogue(exhibition, lang: str) -> Path:
    """The catalogue's file, built once per content version of the exhibition in `lang`."""
    return catalogue_file(gather(exhibition, lang))


def catalogue_file(content: BookContent) -> Path:
    """The catalogue of gathered content, built once per its content version (the book's)."""

    def write(out: BinaryIO) -> None:
        out.write(catalogue_pdf(content.view))

    return cached(content.view, ".pdf", write, content.digest)


def shown_dates(view: ExhibitionView) -> str:
    """The exhibition's dates in the current locale, or an empty string."""
    opens, closes = view.opens_on, view.closes_on
    if opens and closes:
        return _("%(start)s to %(end)s", start=format_date(opens), end=format_date(closes))
    return _("From %(start)s", start=format_date(opens)) if opens else ""


class Catalogue(FPDF):
    """An A5 document that numbers its pages and flows wrapped lines from page to page."""

    def __init__(self, view: ExhibitionView):
        super().__init__(orientation="portrait", unit="mm", format=PAGE)
        add_fonts(self)
        self.set_auto_page_break(False)  # flow() breaks pages itself, between whole lines
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.c_margin = 0  # wrapping widths are the column's own, no hidden cell padding
        self.numbered = True  # false on the blank pages that end the booklet
        self.fresh = False  # true when the current page is still empty and the next opener may use it
        self.set_title(nfc(view.title.text or view.code or ""))
        self.set_subject(nfc(" · ".join(filter(None, [view.venue.name if view.venue else None, shown_dates(view)]))))
        self.set_lang(view.lang)
        self.set_creator("Vitrine")
        self.set_author("Vitrine")

    def footer(self) -> None:
        """The page number under the text block; none on the cover or the blank end pages."""
        if self.page_no() > 1 and self.numbered:
            folio = Line(str(self.page_no()), SIZES["folio"], False, True, 0)
            draw_lines(self, [folio], MARGIN, FOLIO_Y, WIDTH, "C")

    def next_page(self) -> None:
        """Start a page, unless the current one is still empty."""
        if not self.fresh:
            self.add_page()
        self.fresh = False

    def wrap(self, para: Para, width: float = WIDTH) -> list[Line]:
        """The paragraph broken into lines that fit `width`."""
        return wrap([measure(self, para, width)], width, 1.0)[0]

    def flow(self, blocks: list[list[Line]], x: float = MARGIN, width: float = WIDTH) -> list[tuple[int, float]]:
        """Draw the blocks down from the cursor, turning pages as planned; where each block starts (page, y)."""
        placed, _page, end = plan(blocks, self.y)
        starts, index, start_page = [], 0, self.page
        for block in blocks:
            for number, line in enumerate(block):
                offset, y = placed[index]
                while self.page < start_page + offset:
                    self.add_page()
                if number == 0:
                    starts.append((self.page, y))
                draw_lines(self, [line], x, y, width)
                index += 1
        self.set_y(end)
        return starts


def plan(blocks: list[list[Line]], y: float) -> tuple[list[tuple[int, float]], int, float]:
    """Where each line goes when the blocks flow down from `y`: (pages turned, top) per line, then the
    pages turned and the cursor at the end. A block moves whole to the next page when it fits there."""
    placed, page = [], 0
    for block in blocks:
        height = sum(line.height for line in block)
        if y + height > BOTTOM and height <= BOTTOM - MARGIN and y > MARGIN:
            page, y = page + 1, MARGIN
        for line in block:
            if y + line.height > BOTTOM and y > MARGIN:
                page, y = page + 1, MARGIN
            placed.append((page, y))
            y += line.height
    return placed, page, y


def _text_blocks(pdf: Catalogue, texts: list[tuple[Text, float, bool, float]]) -> list[list[Line]]:
    """Each text (of the view, size, bold, space above) wrapped, then a discreet note for each language shown
    in the catalogue's stead."""
    blocks = [pdf.wrap(Para(text.text, size, bold=bold, gap=gap)) for text, size, bold, gap in texts if text.text]
    fallbacks = dict.fromkeys(text.lang for text, *_style in texts if text.text and text.fallback)
    for tag in fallbacks:
        # i18n: in a printed catalogue, under a text not yet translated into the catalogue's language.
        note = _("(not yet translated: shown in %(language)s)", language=language_in_sentence(tag))
        blocks.append(pdf.wrap(Para(note, SIZES["small"], grey=True, gap=1)))
    return blocks


def _cover(pdf: Catalogue, view: ExhibitionView, code: QrCode | None) -> None:
    """Venue and dates, title, introduction, a key image; the QR code of the online exhibition at the foot."""
    pdf.add_page()
    if warning := base_url_warning():  # in the catalogue's language, above the title
        draw_warning(pdf, warning, MARGIN, MARGIN, WIDTH, SIZES["small"])
    pdf.set_y(MARGIN + 25)
    where = " · ".join(filter(None, [view.venue.name if view.venue else None, shown_dates(view)]))
    title = replace(view.title, text=view.title.text or view.code)
    texts = [(title, SIZES["cover"], True, 2), (view.introduction, SIZES["text"], False, 6)]
    pdf.flow(([pdf.wrap(Para(where, SIZES["text"], grey=True))] if where else []) + _text_blocks(pdf, texts))
    foot = QR + GAP if code else 0
    image = view.cover_image()
    path = _image_file(image)
    if path and BOTTOM - foot - pdf.y - 2 * GAP >= IMAGE_MIN:  # a key image where there is room for one
        pdf.set_y(pdf.y + 2 * GAP)
        pdf.set_y(pdf.y + _draw_image(pdf, path, image, "", BOTTOM - foot - pdf.y))
    if code:
        if pdf.y + GAP + QR > BOTTOM:
            pdf.add_page()
        url = code.url
        draw_qr(pdf, url, MARGIN + WIDTH - QR, BOTTOM - QR, QR)
        address = pdf.wrap(Para(url.split("://", 1)[-1], SIZES["small"], grey=True), WIDTH - QR - GAP)
        draw_lines(pdf, address, MARGIN, BOTTOM - blocks_height([address]), WIDTH - QR - GAP)


def _contents(pdf: Catalogue, view: ExhibitionView) -> None:
    """A page (or more) listing the sections with their page numbers, drawn once the pages are known."""
    pdf.add_page()
    heading = pdf.wrap(Para(_("Contents"), SIZES["heading"], bold=True))
    blocks = [heading] + [
        pdf.wrap(Para(f"{n}. {s.title.text or ''}", SIZES["text"], gap=2), WIDTH - PAGE_COLUMN)
        for n, s in enumerate(view.sections, 1)
    ]
    pages = plan(blocks, pdf.y)[1] + 1
    # fpdf2 calls back when the document closes, with every section's page; it checks that the
    # drawing takes exactly `pages` pages, so a miscount fails loudly rather than misnumbering.
    pdf.insert_toc_placeholder(lambda document, outline: _draw_contents(document, blocks, outline), pages=pages)
    pdf.fresh = True  # the placeholder turned its pages: the first opener starts on an empty one


def _draw_contents(pdf: Catalogue, blocks: list[list[Line]], outline) -> None:
    """The planned contents lines, each with its section's page number and a link to that page."""
    targets = [section.page_number for section in outline if section.level == 0]
    pdf.flow(blocks[:1])
    for block, target in zip(blocks[1:], targets, strict=True):
        [(_page, y)] = pdf.flow([block], width=WIDTH - PAGE_COLUMN)
        end = pdf.y
        number = Line(str(target), block[0].size, False, False, block[0].gap)
        draw_lines(pdf, [number], MARGIN + WIDTH - PAGE_COLUMN, y, PAGE_COLUMN, "R")
        pdf.link(MARGIN, y, WIDTH, end - y, pdf.add_link(page=target))
        pdf.set_y(end)


def _section_opener(pdf: Catalogue, section: SectionView, number: int) -> None:
    """A page that opens a section: its number, title and introduction."""
    pdf.next_page()
    label = _("Section %(number)s", number=number)
    pdf.start_section(nfc(section.title.text or label))
    pdf.set_y(MARGIN + 20)
    texts = [(section.title, SIZES["heading"], True, 2), (section.body, SIZES["text"], False, 5)]
    pdf.flow([pdf.wrap(Para(label, SIZES["small"], bold=True, grey=True)), *_text_blocks(pdf, texts)])


def _entry_page(pdf: Catalogue, entry: EntryView, code: QrCode | None) -> None:
    """One entry: panel number, image, title, caption, then its facts and QR code at the foot."""
    if entry.withdrawn:
        _withdrawn_page(pdf, entry)
        return
    pdf.next_page()
    pdf.start_section(nfc(entry.title.text or entry.reference_code), level=1)
    if entry.panel_number:
        panel = _("Panel %(number)s", number=entry.panel_number)
        pdf.flow([pdf.wrap(Para(panel, SIZES["small"], bold=True, grey=True))])
    caption = entry.caption
    if caption.text == entry.title.text:  # items described in a hurry repeat the title as caption
        caption = replace(caption, text=None)
    body = _text_blocks(pdf, [(entry.title, SIZES["title"], True, 0), (caption, SIZES["text"], False, 1.5)])
    width = WIDTH - (QR + GAP if code else 0)
    facts = _facts(pdf, entry, width, with_code=not code)
    foot = max(_rows_height(facts), QR + 4 if code else 0)
    path = _image_file(entry.image)
    if path:
        room = max(BOTTOM - pdf.y - GAP - blocks_height(body) - GAP - foot, IMAGE_MIN)
        pdf.set_y(pdf.y + GAP)
        pdf.set_y(pdf.y + _draw_image(pdf, path, entry.image, entry.title.text or "", room) + GAP)
    pdf.flow(body)
    if pdf.y + GAP + foot > BOTTOM:
        pdf.add_page()
    _draw_facts(pdf, facts, BOTTOM - foot, width)
    if code:
        draw_qr(pdf, code.url, MARGIN + WIDTH - QR, BOTTOM - foot, QR)
        if entry.panel_code:
            draw_code(pdf, entry.panel_code, SIZES["small"], MARGIN + WIDTH - QR, BOTTOM - foot + QR, QR)


def _withdrawn_page(pdf: Catalogue, entry: EntryView) -> None:
    """The page standing for an entry whose item was taken down: its panel, a sentence, nothing of the item."""
    pdf.next_page()
    title = _("Withdrawn from public view")
    pdf.start_section(title, level=1)
    blocks = [pdf.wrap(Para(_("Panel %(number)s", number=entry.panel_number), SIZES["small"], bold=True, grey=True))
              ] if entry.panel_number else []  # fmt: skip
    blocks += [pdf.wrap(Para(title, SIZES["title"], bold=True)),
               pdf.wrap(Para(_("The archive has withdrawn the item shown on this panel from public view."),
                             SIZES["text"], gap=1.5))]  # fmt: skip
    pdf.flow(blocks)


Fact = tuple[list[Line], list[Line], str]  # label lines, value lines, the value's link ("" for none)


def _facts(pdf: Catalogue, entry: EntryView, width: float, with_code: bool) -> list[Fact]:
    """Label and value lines of each fact the entry has: reference, date, place, credit, rights (linked to its URI)."""
    rows = [(_("Panel code"), entry.panel_code, "")] if with_code else []
    rows += [(_("Reference code"), entry.reference_code, ""), (_("Date"), entry.date, ""),
             (_("Place"), entry.place, ""), (_("Credit"), entry.credit, "")]  # fmt: skip
    if entry.rights:
        rows.append((_("Rights"), entry.rights.label, entry.rights.uri or ""))
    small, column = SIZES["small"], width - LABEL_COLUMN
    return [(pdf.wrap(Para(label, small, grey=True), LABEL_COLUMN - 2), pdf.wrap(Para(value, small), column), link)
            for label, value, link in rows if value]  # fmt: skip


def _draw_facts(pdf: Catalogue, facts: list[Fact], top: float, width: float) -> None:
    """The facts as two columns, labels in grey beside their values."""
    for labels, values, link in facts:
        draw_lines(pdf, labels, MARGIN, top, LABEL_COLUMN - 2)
        draw_lines(pdf, values, MARGIN + LABEL_COLUMN, top, width - LABEL_COLUMN, link=link)
        top += max(blocks_height([labels]), blocks_height([values]))


def _rows_height(rows: list[Fact]) -> float:
    return sum(max(blocks_height([labels]), blocks_height([values])) for labels, values, _link in rows)


def _image_file(image: ImageRef | None) -> Path | None:
    """The web derivative of an image, if it was made; a missing one is logged and the page goes without."""
    if not image:
        return None
    path = derivative_path(image.sha256, "web")
    if path.is_file():
        return path
    log.warning("catalogue: no web derivative of %s: its page is printed without the image", image.sha256)
    return None


def _draw_image(pdf: Catalogue, path: Path, image: ImageRef, alt: str, height: float) -> float:
    """The image fitted into the text width and `height`, centred; the height it takes."""
    # No `dims`: fpdf then embeds the JPEG's own bytes (DCTDecode) instead of decoding and re-encoding it.
    width, tall = image.width, image.height
    if not (width and tall):
        pdf.image(path, x=MARGIN, y=pdf.y, w=WIDTH, h=height, keep_aspect_ratio=True, alt_text=nfc(alt))
        return height
    scale = min(WIDTH / width, height / tall)
    left = MARGIN + (WIDTH - width * scale) / 2
    pdf.image(path, x=left, y=pdf.y, w=width * scale, h=tall * scale, alt_text=nfc(alt))
    return tall * scale


def _pad_to_fold(pdf: Catalogue) -> None:
    """Blank, unnumbered pages up to a multiple of four: the sheets of a folded booklet."""
    while pdf.page % 4:
        pdf.add_page()
        pdf.numbered = False  # after add_page, which drew the last numbered page's footer
