"""Panel labels as a PDF (fpdf2): one label to an A4 or A5 page, or a sheet of small labels to cut."""

import math
from dataclasses import dataclass

from fpdf import FPDF

from core.urls import base_url_warning
from exhibitions.publications.labels import Label, LabelText
from exhibitions.publications.pdf_text import (
    GREY,
    PT,
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
    use_font,
    wrap,
)

ELLIPSIS = "…"


@dataclass(frozen=True)
class Layout:
    """Page and label geometry (mm) and type sizes (pt) of one format."""

    page: tuple[float, float]
    grid: tuple[int, int]  # columns, rows of labels on a page
    label: tuple[float, float]
    pad: float  # white space inside the label: cut tolerance and breathing room
    qr: float  # side of the QR symbol, quiet zone included
    panel_pt: float
    code_pt: float
    title_pt: float
    caption_pt: float
    small_pt: float
    min_scale: float  # below this the text is cut with an ellipsis rather than shrunk further
    min_pt: float  # nor is any text shrunk below this size: smaller cannot be read on a wall


LAYOUTS = {
    "a4": Layout((210, 297), (1, 1), (180, 267), 0, 45, 54, 14, 24, 15, 9, 0.5, 8),
    "a5": Layout((148, 210), (1, 1), (128, 190), 0, 30, 36, 10, 16, 11, 7, 0.5, 6),
    # 2 × 4 labels of 90 × 60 mm centred on A4; the crop marks sit in the page margin.
    "sheet": Layout((210, 297), (2, 4), (90, 60), 4, 20, 16, 7, 8.5, 7, 5, 0.7, 5),
}


def render_labels_pdf(labels: list[Label], fmt: str, title: str) -> bytes:
    """The labels laid out in format `fmt` ("a4", "a5" or "sheet") as PDF bytes; needs an app context."""
    if fmt not in LAYOUTS:
        raise ValueError(f"unknown label format {fmt!r}; expected one of {', '.join(LAYOUTS)}")
    layout = LAYOUTS[fmt]
    pdf = _new_document(layout, title, labels[0].texts[0].lang if labels and labels[0].texts else None)
    columns, rows = layout.grid
    per_page = columns * rows
    origin_x = (layout.page[0] - columns * layout.label[0]) / 2
    origin_y = (layout.page[1] - rows * layout.label[1]) / 2
    for page in range(max(1, math.ceil(len(labels) / per_page))):
        pdf.add_page()
        if page == 0 and (warning := base_url_warning()):  # in the margin above the first label
            draw_warning(pdf, warning, origin_x, 1, layout.page[0] - 2 * origin_x, 6)
        if per_page > 1:
            _crop_marks(pdf, layout, origin_x, origin_y)
        for slot, label in enumerate(labels[page * per_page : (page + 1) * per_page]):
            x = origin_x + (slot % columns) * layout.label[0]
            y = origin_y + (slot // columns) * layout.label[1]
            _draw_label(pdf, layout, label, x, y)
    return bytes(pdf.output())


def _new_document(layout: Layout, title: str, lang: str | None) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format=layout.page)
    add_fonts(pdf)
    pdf.set_auto_page_break(False)  # every line is placed by hand, inside its label
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0  # wrapping widths are the label's own, no hidden cell padding
    pdf.set_title(nfc(title))
    pdf.set_creator("Vitrine")
    pdf.set_author("Vitrine")
    if lang:
        pdf.set_lang(lang)
    return pdf


def _draw_label(pdf: FPDF, layout: Layout, label: Label, x: float, y: float) -> None:
    """One label in the box at (x, y): panel number, texts and details on the left, QR on the right."""
    width, height = layout.label[0] - 2 * layout.pad, layout.label[1] - 2 * layout.pad
    x, y = x + layout.pad, y + layout.pad
    qr = layout.qr if label.qr_url else 0
    column = width - (qr * 1.12 if qr else 0)  # a gutter so the text never touches the quiet zone
    top = y
    if label.panel_number:
        [head] = wrap([measure(pdf, Para(label.panel_number, layout.panel_pt, bold=True), column)], column, 1.0)
        top += draw_lines(pdf, _truncate(pdf, head, column, head[0].height), x, top, column)
    details = _fit(pdf, _detail_paras(label, layout, with_code=not qr), column, height * 0.3, layout)
    details_height = sum(line.height for line in details)
    body = _fit(pdf, _body_paras(label, layout), column, y + height - details_height - top, layout)
    draw_lines(pdf, body, x, top, column)
    draw_lines(pdf, details, x, y + height - details_height, column)
    # Drawn last so that text extraction and screen readers meet the texts first.
    if qr:
        draw_qr(pdf, label.qr_url, x + width - qr, y, qr)
        if label.panel_code:
            draw_code(pdf, label.panel_code, layout.code_pt, x + width - qr, y + qr, qr)


def _body_paras(label: Label, layout: Layout) -> list[Para]:
    """Title and caption in the primary language, then smaller and tagged in each secondary one."""
    paras: list[Para] = []
    for index, text in enumerate(label.texts):
        ratio = 1.0 if index == 0 else 0.72
        if index:
            paras.append(Para(_language_tag(text), layout.small_pt, bold=True, grey=True, gap=layout.small_pt * PT))
        if text.title:
            paras.append(Para(text.title, layout.title_pt * ratio, bold=True))
        if text.caption:
            gap = layout.caption_pt * ratio * PT * 0.4
            paras.append(Para(text.caption, layout.caption_pt * ratio, gap=gap))
    return paras


def _language_tag(text: LabelText) -> str:
    """The slot's language tag; when its text comes from another language, a note that says which."""
    tag = text.lang.upper()
    note = text.note()
    return f"{tag} · {note[0]}" if note else tag


def _detail_paras(label: Label, layout: Layout, with_code: bool) -> list[Para]:
    """Reference code and date, credit line, rights: small, at the foot of the label."""
    reference = " · ".join(part for part in (label.reference_code, label.date) if part)
    paras = [Para(label.panel_code, layout.small_pt, bold=True)] if with_code and label.panel_code else []
    paras.append(Para(reference, layout.small_pt, bold=True))
    rights = label.rights.label if label.rights else None
    paras += [Para(part, layout.small_pt, grey=True) for part in (label.credit, rights) if part]
    return paras


def _fit(pdf: FPDF, paras: list[Para], width: float, height: float, layout: Layout) -> list[Line]:
    """The paragraphs wrapped to `width`, shrunk as far as the layout allows, then cut so they fit `height`."""
    measured = [measure(pdf, para, width) for para in paras]
    scale = 1.0
    blocks = wrap(measured, width, scale, layout.min_pt)
    while blocks_height(blocks) > height and scale > layout.min_scale:
        scale = max(layout.min_scale, scale - 0.04)
        blocks = wrap(measured, width, scale, layout.min_pt)
    if blocks_height(blocks) > height:
        budgets = _share([blocks_height([block]) for block in blocks], height)
        blocks = [_truncate(pdf, block, width, budget) for block, budget in zip(blocks, budgets, strict=True)]
    return [line for block in blocks for line in block]


def _share(needs: list[float], height: float) -> list[float]:
    """Heights that add up to `height`: short paragraphs whole, the long ones an equal share of the rest."""
    # Cutting only the end would drop every secondary language when the primary caption is long.
    budgets = [0.0] * len(needs)
    left = height
    order = sorted(range(len(needs)), key=needs.__getitem__)
    for done, index in enumerate(order):
        budgets[index] = min(needs[index], left / (len(order) - done))
        left -= budgets[index]
    return budgets


def _truncate(pdf: FPDF, lines: list[Line], width: float, height: float) -> list[Line]:
    """The lines that fit `height`; when some are dropped, the last kept one ends with an ellipsis."""
    kept, used = [], 0.0
    for line in lines:
        if used + line.height > height + 1e-6:
            break
        kept.append(line)
        used += line.height
    if len(kept) < len(lines) and kept:
        last = kept[-1]
        use_font(pdf, last.bold, last.size)
        text = last.text.rstrip()
        while text and pdf.get_string_width(text + ELLIPSIS) > width:
            text = text[:-1].rstrip()
        last.text = text + ELLIPSIS
    return kept


def _crop_marks(pdf: FPDF, layout: Layout, origin_x: float, origin_y: float) -> None:
    """Short hairlines in the page margin where the guillotine cuts between labels."""
    columns, rows = layout.grid
    right, bottom = origin_x + columns * layout.label[0], origin_y + rows * layout.label[1]
    mark, off = 5.0, 2.0
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.1)
    for col in range(columns + 1):
        cx = origin_x + col * layout.label[0]
        pdf.line(cx, origin_y - off - mark, cx, origin_y - off)
        pdf.line(cx, bottom + off, cx, bottom + off + mark)
    for row in range(rows + 1):
        cy = origin_y + row * layout.label[1]
        pdf.line(origin_x - off - mark, cy, origin_x - off, cy)
        pdf.line(right + off, cy, right + off + mark, cy)
