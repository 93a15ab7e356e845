"""Text and QR codes placed by hand on fpdf2 pages: measuring, wrapping and drawing lines in the vendored font.

Shared by the panel labels and the print catalogue; each lays out its own pages with these pieces.
"""

import copy
import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

from exhibitions.qr import qr_matrix

# Vendored with the code so that every server prints the same glyphs; DejaVu covers Vietnamese
# and the Latin scripts of the minority languages. Licence beside the files.
FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT = "DejaVu"
PT = 25.4 / 72  # millimetres in a typographic point
LEADING = 1.25
GREY = (85, 85, 85)


@dataclass
class Para:
    """A run of text in one style before wrapping."""

    text: str
    size: float
    bold: bool = False
    grey: bool = False
    gap: float = 0.0  # space above, in mm


@dataclass
class Line:
    """One wrapped line, ready to draw."""

    text: str
    size: float
    bold: bool
    grey: bool
    gap: float

    @property
    def height(self) -> float:
        """The gap above plus the line's leading, in mm."""
        return self.gap + self.size * PT * LEADING


@dataclass
class Measured:
    """A paragraph's words per hard line, with widths at 1 pt (mm): they scale with the type size."""

    para: Para
    space: float
    chunks: list[list[tuple[str, float, list[float] | None]]]  # word, width, its glyphs' widths if long


FACES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


def add_fonts(pdf: FPDF) -> None:
    """Register the vendored regular and bold faces with the document.

    As `pdf.add_font` would, but each face's metrics are read once a process (fpdf2 reads the whole font
    file for them, ~0.15 s a face and document); the document gets its own copy of what it changes.
    """
    for style, name in FACES.items():
        fontkey = f"{FONT.lower()}{style}"
        face = copy.copy(_face(name, fontkey, style))
        face.i = len(pdf.fonts) + 1
        # The font file read afresh (lazily: a table is parsed when asked): the output subsets it in place.
        face.ttfont = ttLib.TTFont(FONT_DIR / name, recalcTimestamp=False, lazy=True)
        face.biggest_size_pt, face.missing_glyphs, face._hbfont = 0, [], None
        face.subset = SubsetMap(face)
        pdf.fonts[fontkey] = face


@functools.cache
def _face(name: str, fontkey: str, style: str) -> TTFFont:
    return TTFFont(FPDF(), FONT_DIR / name, fontkey, style)


def measure(pdf: FPDF, para: Para, width: float) -> Measured:
    """Measure once, wrap at many sizes: a label tries several before its text fits."""
    use_font(pdf, para.bold, 1)
    longest = width / para.size  # a word wider than this may need cutting at some trial size
    chunks = []
    for chunk in nfc(para.text).splitlines():
        words = [(word, pdf.get_string_width(word)) for word in chunk.split()]
        glyphs = [[pdf.get_string_width(c) for c in word] if size > longest else None for word, size in words]
        if words:
            chunks.append([(word, size, g) for (word, size), g in zip(words, glyphs, strict=True)])
    return Measured(para, pdf.get_string_width(" "), chunks)


def wrap(measured: list[Measured], width: float, scale: float, min_pt: float = 0) -> list[list[Line]]:
    """Each measured paragraph broken into lines that fit `width` at `scale` times its type size."""
    blocks = []
    for m in measured:
        size = max(m.para.size * scale, min(m.para.size, min_pt))
        texts = [text for words in m.chunks for text in _break(words, width / size, m.space)]
        blocks.append([Line(text, size, m.para.bold, m.para.grey, m.para.gap * scale if n == 0 else 0)
                       for n, text in enumerate(texts)])  # fmt: skip
    return blocks


def _break(words: list[tuple[str, float, list[float] | None]], limit: float, space: float) -> list[str]:
    """Greedy word wrap of one hard line within `limit` (mm at 1 pt); a word wider than a line is cut."""
    lines, current, used = [], [], 0.0
    for word, size, glyphs in words:
        pieces = _cut(word, glyphs, limit) if glyphs and size > limit else [(word, size)]
        for piece, piece_size in pieces:
            needed = piece_size if not current else used + space + piece_size
            if current and needed > limit:
                lines.append(" ".join(current))
                current, needed = [], piece_size
            current.append(piece)
            used = needed
    if current:
        lines.append(" ".join(current))
    return lines


def _cut(word: str, glyphs: list[float], limit: float) -> list[tuple[str, float]]:
    """A word too wide for a line, cut glyph by glyph into pieces that fit."""
    pieces, start, used = [], 0, 0.0
    for index, glyph in enumerate(glyphs):
        if used + glyph > limit and index > start:
            pieces.append((word[start:index], used))
            start, used = index, 0.0
        used += glyph
    pieces.append((word[start:], used))
    return pieces


def blocks_height(blocks: list[list[Line]]) -> float:
    """The height the blocks of lines take, gaps included, in mm."""
    return sum(line.height for block in blocks for line in block)


def draw_lines(pdf: FPDF, lines: list[Line], x: float, y: float, width: float, align: str = "L",
               link: str = "") -> float:  # fmt: skip
    """Draw the lines from (x, y) down, each a link to `link` if one is given; the height used."""
    start = y
    for line in lines:
        y += line.gap
        use_font(pdf, line.bold, line.size)
        pdf.set_text_color(*(GREY if line.grey else (0, 0, 0)))
        lead = line.size * PT * LEADING
        pdf.set_xy(x, y)
        pdf.cell(width, lead, line.text, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT, link=link)
        y += lead
    pdf.set_text_color(0, 0, 0)
    return y - start


def draw_warning(pdf: FPDF, text: str, x: float, y: float, width: float, size: float) -> float:
    """A bold warning on an amber band from (x, y) across `width`, for a page that must not be printed as it
    is (core.urls.base_url_warning); the height used."""
    [lines] = wrap([measure(pdf, Para(text, size, bold=True), width - 2)], width - 2, 1.0)
    height = blocks_height([lines]) + 1.5
    pdf.set_fill_color(255, 241, 214)
    pdf.rect(x, y, width, height, style="F")
    draw_lines(pdf, lines, x + 1, y + 0.75, width - 2)
    return height


def draw_code(pdf: FPDF, code: str, size: float, x: float, y: float, width: float) -> None:
    """The typeable panel code centred under the QR, shrunk rather than cut: every character counts."""
    use_font(pdf, True, size)
    size = min(size, size * width / max(pdf.get_string_width(code), 1e-6))
    draw_lines(pdf, [Line(nfc(code), size, True, False, size * PT * 0.3)], x, y, width, "C")


def draw_qr(pdf: FPDF, data: str, x: float, y: float, side: float) -> None:
    """The QR symbol as filled rectangles, one per run of dark modules: sharp at any print size."""
    matrix = qr_matrix(data)
    module = side / len(matrix)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, side, side, style="F")  # the quiet zone stays white even on a tinted stock
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(matrix):
        col = 0
        while col < len(cells):
            if not cells[col]:
                col += 1
                continue
            start = col
            while col < len(cells) and cells[col]:
                col += 1
            pdf.rect(x + start * module, y + row * module, (col - start) * module, module, style="F")


def use_font(pdf: FPDF, bold: bool, size: float) -> None:
    """Set the vendored font, bold or regular, at `size` points."""
    pdf.set_font(FONT, "B" if bold else "", size)


def nfc(text: str) -> str:
    """The text in Unicode normal form C, as the fonts' glyphs and PDF readers expect it."""
    return unicodedata.normalize("NFC", text)
