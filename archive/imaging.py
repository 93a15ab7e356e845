"""The one module of the archive that imports Pillow."""

import io
import math
import mmap
import os
import random
import struct
import threading
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont


def render_demo_photo(seed: int, caption: str, size=(1200, 800)) -> bytes:
    """A JPEG that looks like a sepia archival print, for demo data and tests."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randint(150, 200), rng.randint(130, 170), rng.randint(90, 130)))
    draw = ImageDraw.Draw(image)
    for _ in range(18):
        x, y = rng.randint(0, size[0]), rng.randint(0, size[1])
        r = rng.randint(40, 260)
        tone = rng.randint(60, 140)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(tone + 40, tone + 25, tone))
    draw.rectangle((0, size[1] - 90, size[0], size[1]), fill=(30, 25, 20))
    font = ImageFont.load_default(size=34)
    draw.text((30, size[1] - 70), caption[:60], fill=(235, 225, 205), font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of an image, read from its header only."""
    with Image.open(io.BytesIO(data)) as image:
        return image.size


# --- Book covers ------------------------------------------------------------------------
# The vendored DejaVu Sans has every precomposed Vietnamese letter; Pillow's default font has
# none, so a cover drawn with it would lose the diacritics of most titles.
FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
COVER_PAPER = (38, 33, 29)
COVER_INK = (245, 238, 224)
COVER_MUTED = (196, 184, 160)


def render_cover(title: str, lines: list[str], key_image_path=None, size=(1400, 2100), font_dir=FONT_DIR) -> bytes:
    """A JPEG book cover: the key image across the top, then the title and a few lines (venue, dates)."""
    width, height = size
    cover = Image.new("RGB", size, COVER_PAPER)
    image_height = round(height * 0.56)
    if key_image_path is not None:
        cover.paste(_filled(key_image_path, (width, image_height)), (0, 0))
    draw = ImageDraw.Draw(cover)
    margin = round(width * 0.08)
    text_width = width - 2 * margin
    y = image_height + round(height * 0.05)
    title_font, title_lines = _fitted_title(draw, _nfc(title), text_width, font_dir / "DejaVuSans-Bold.ttf", width)
    for line in title_lines:
        draw.text((margin, y), line, font=title_font, fill=COVER_INK)
        y += round(title_font.size * 1.2)
    y += round(height * 0.025)
    draw.rectangle((margin, y, margin + round(width * 0.12), y + 6), fill=COVER_MUTED)
    y += round(height * 0.03)
    small = ImageFont.truetype(str(font_dir / "DejaVuSans.ttf"), round(width / 30))
    for text in lines:
        for line in _wrapped(draw, _nfc(text), small, text_width):
            if y + small.size > height - margin:
                break  # a cover shows what fits; the title page inside has everything
            draw.text((margin, y), line, font=small, fill=COVER_MUTED)
            y += round(small.size * 1.35)
    out = io.BytesIO()
    cover.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _nfc(text: str) -> str:
    import unicodedata

    # Precomposed letters: decomposed marks drawn one by one can land beside their base letter.
    return unicodedata.normalize("NFC", text or "")


def _filled(path, box: tuple[int, int]):
    """The image scaled and centre-cropped to fill `box`."""
    from PIL import ImageOps

    with Image.open(path) as image:
        image.draft("RGB", box)  # a JPEG decodes at a reduced scale: a cover needs no more pixels
        return ImageOps.fit(image.convert("RGB"), box, Image.Resampling.LANCZOS)


def _fitted_title(draw, title: str, width: int, font_path, cover_width: int, max_lines: int = 5):
    """The largest title font (down to a floor) whose wrapped lines fit in `max_lines`."""
    size = round(cover_width / 16)
    floor = round(cover_width / 30)
    while True:
        font = ImageFont.truetype(str(font_path), size)
        lines = _wrapped(draw, title, font, width)
        if len(lines) <= max_lines or size <= floor:
            return font, lines[:max_lines]
        size = max(floor, round(size * 0.88))


def _wrapped(draw, text: str, font, width: int) -> list[str]:
    """Words of `text` in lines no wider than `width` (a word longer than that stands alone)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            candidate = word
        current = candidate
    return [*lines, current] if current else lines


# --- Deep zoom: levels and regions -------------------------------------------------------
# For the IIIF image service (archive.tiles). Originals already accepted were probed in the sandbox, so
# they are decoded here, in the web process, still under the archive's pixel limit. A page is decoded
# once per level of reduction (a JPEG at a reduced DCT scale, then Image.reduce) into a raw RGB raster
# on disk; a region is then read from the rows of that file it covers, never by decoding the page again.

LEVEL_MAGIC = b"VTRL"
LEVEL_HEADER = struct.Struct(">4sII")  # magic, width, height; then height rows of width × 3 bytes (RGB)
LEVEL_BAND = 256  # rows written at a time: a level is never held twice in memory
REGION_QUALITY = 85
GREY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"})
REDUCIBLE_MODES = frozenset({"RGB", "L", "LA", "RGBA", "CMYK"})
# EXIF orientation → what shows the picture upright (as ImageOps.exif_transpose does it).
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}  # fmt: skip


def _open_trusted(path, page: int, max_pixels: int):
    """An accepted original (or a page image) at its `page`, refused above the archive's pixel limit."""
    Image.MAX_IMAGE_PIXELS = max_pixels  # the limit uploads were probed under (MEDIA_MAX_PIXELS)
    try:
        image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Refusal("too_many_pixels", str(error)) from None
    try:
        if image.width * image.height > max_pixels:
            raise Refusal("too_many_pixels", f"{image.width}x{image.height}")
        if not 1 <= page <= getattr(image, "n_frames", 1):
            raise Refusal("no_such_page", str(page))
        if page > 1:
            image.seek(page - 1)
    except BaseException:
        image.close()
        raise
    return image


def _orientation(image) -> int:
    return image.getexif().get(0x0112, 1)


def page_size(path, page: int, max_pixels: int) -> tuple[int, int, bool]:
    """Width and height of a page as shown (its EXIF orientation applied), and whether it is greyscale.

    Reads the header only."""
    with _open_trusted(path, page, max_pixels) as image:
        width, height = image.size
        if _orientation(image) in (5, 6, 7, 8):
            width, height = height, width
        return width, height, image.mode in GREY_MODES


def write_levels(path, page: int, levels: dict[int, str], max_pixels: int) -> dict[int, tuple[int, int]]:
    """Decode a page once for the finest of `levels` (reduction factor → raster file) and write every level.

    A JPEG decodes at the largest DCT reduction (1/2, 1/4, 1/8) that still reaches the finest level; each
    coarser level is a box reduction of the one before. Factors are powers of two. Returns each level's size.
    """
    finest, coarsest = min(levels), max(levels)
    with _open_trusted(path, page, max_pixels) as image:
        orientation = _orientation(image)
        icc = image.info.get("icc_profile")
        full_width = image.width
        if image.format == "JPEG":
            image.draft(image.mode, (-(-image.width // finest), -(-image.height // finest)))
        reached = max(1, round(full_width / image.width))  # what the DCT scaling did already
        image.load()
        # Palette and 16-bit pages are made sRGB first (Image.reduce does not take them); others once reduced.
        early = image.mode not in REDUCIBLE_MODES
        level = _reduced_by(to_srgb(image) if early else image, finest // reached)
    if orientation in UPRIGHT:
        level = level.transpose(UPRIGHT[orientation])
    if not early:
        if icc:
            level.info["icc_profile"] = icc
        level = to_srgb(level)
    sizes, factor = {}, finest
    while True:
        if factor in levels:
            _write_raster(level, levels[factor])
            sizes[factor] = level.size
        if factor * 2 > coarsest:
            return sizes
        level, factor = _reduced_by(level, 2), factor * 2


def _reduced_by(image, factor: int):
    """The image reduced by a whole factor: a box average, fast, and what a zoom level needs."""
    return image.reduce(factor) if factor > 1 else image


def _write_raster(image, target: str) -> None:
    """The level as a raw raster (header, then RGB rows), written under a temporary name and put in place."""
    partial = f"{target}.{os.getpid()}-{threading.get_ident()}.part"
    try:
        with open(partial, "wb") as out:
            out.write(LEVEL_HEADER.pack(LEVEL_MAGIC, image.width, image.height))
            for top in range(0, image.height, LEVEL_BAND):
                out.write(image.crop((0, top, image.width, min(image.height, top + LEVEL_BAND))).tobytes())
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def cut_region(source: str, part: tuple[float, float, float, float], size: tuple[int, int]) -> bytes:
    """A JPEG of a part of the page (left, top, right, bottom, as fractions of its width and height) read from a
    level raster, scaled to `size`.

    Only the rows the part covers are read (through a memory map): a tile costs its own pixels."""
    with open(source, "rb") as raster:
        magic, width, height = LEVEL_HEADER.unpack(raster.read(LEVEL_HEADER.size))
        if magic != LEVEL_MAGIC:
            raise ValueError(f"{source} is no level raster")
        left, top, right, bottom = part[0] * width, part[1] * height, part[2] * width, part[3] * height
        x0, y0 = max(0, math.floor(left)), max(0, math.floor(top))
        x1, y1 = min(width, math.ceil(right)), min(height, math.ceil(bottom))
        if x1 <= x0 or y1 <= y0:
            raise ValueError("the box is outside the raster")
        stride = width * 3
        with mmap.mmap(raster.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            start = LEVEL_HEADER.size + y0 * stride + x0 * 3
            with memoryview(mapped) as view:
                rows = view[start : start + (y1 - y0 - 1) * stride + (x1 - x0) * 3]
                region = Image.frombuffer("RGB", (x1 - x0, y1 - y0), rows, "raw", "RGB", stride, 1)
                region.load()
                del rows  # the map can close only once no view of it is left
    inner = (left - x0, top - y0, min(right, x1) - x0, min(bottom, y1) - y0)
    if region.size != size or inner != (0, 0, *region.size):
        region = region.resize(size, Image.Resampling.LANCZOS, box=inner)
    out = io.BytesIO()
    region.save(out, "JPEG", quality=REGION_QUALITY)
    return out.getvalue()


# --- Decoding uploads -------------------------------------------------------------------
# Everything below runs in a child process started by archive.media (`python -m
# archive.imaging COMMAND PATH …`) under a memory and CPU limit, so a hostile file can
# crash or exhaust only that child. It answers one JSON object on stdout.

THUMB_SIZE = 400
WEB_SIZE = 1600
# E-books: a phone or e-reader screen is about 1000 px across; 1600 px would make a 200-entry
# book several times larger for nothing a reader sees.
BOOK_SIZE = 1000
DERIVATIVE_SIZES = {"thumb": THUMB_SIZE, "book": BOOK_SIZE, "web": WEB_SIZE}
# The book image is squeezed harder: read on a small screen, carried in a file people share.
DERIVATIVE_QUALITY = {"thumb": 85, "book": 78, "web": 85}
# Only these EXIF tags are kept in derivatives: no GPS, no maker notes, no serial numbers.
KEPT_EXIF_TAGS = (0x010E, 0x013B, 0x8298, 0x0132)  # description, artist, copyright, date


class Refusal(Exception):
    """The file cannot be accepted; `code` is one of REFUSALS in archive.media."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code, self.detail = code, detail


def set_pixel_limit(max_pixels: int) -> None:
    """Refuse images above `max_pixels` outright (Pillow only warns between 1× and 2×)."""
    import warnings

    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def _open_checked(path: str):
    try:
        return Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Refusal("too_many_pixels", str(error)) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise Refusal("corrupt", str(error)) from None


def _frames(image, start: int = 0, stop: int | None = None):
    """Each page of a multi-page image (TIFF), or the image itself; from index `start` to before `stop`."""
    for index in range(start, min(getattr(image, "n_frames", 1), stop or 10**9)):
        image.seek(index)
        yield image


def probe_image(path: str, max_pages: int) -> dict:
    """Size and page count of an image, after decoding every page (reduced) to catch truncation."""
    with _open_checked(path) as image:
        pages = getattr(image, "n_frames", 1)
        if pages > max_pages:
            raise Refusal("too_many_pages", str(pages))
        width, height = image.size
        try:
            for frame in _frames(image):
                _reduced(frame, WEB_SIZE).load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise Refusal("too_many_pixels", str(error)) from None
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise Refusal("corrupt", str(error)) from None
    return {"width": width, "height": height, "pages": pages}


# The web image may come out up to 10 % under WEB_SIZE: a 6000 px scan then decodes at 1/4
# scale (1500 px) instead of 1/2, a quarter of the pixels for a difference no reader sees.
DRAFT_SLACK = 0.9


def _reduced(image, size: int):
    """The image decoded at the smallest JPEG DCT scale still ≥ 90 % of `size`."""
    if image.format == "JPEG":
        # draft() wants both sides reached, so ask for the box of the image's own shape.
        scale = size * DRAFT_SLACK / max(image.size)
        image.draft(image.mode, (max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    return image


def to_srgb(image):
    """An RGB image in sRGB: the embedded ICC profile (CMYK too) is converted, 16-bit narrowed."""
    from PIL import ImageCms

    icc = image.info.get("icc_profile")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits rather than clip, which would whiten the scan.
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "P"):
        # Transparency goes onto white paper, not the black Pillow would give.
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", rgba.size, (255, 255, 255))
        paper.paste(rgba, mask=rgba.getchannel("A"))
        image = paper
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            target = ImageCms.createProfile("sRGB")
            mode = "RGB"
            return ImageCms.profileToProfile(image, source, target, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: fall back to the naive conversion below
    if image.mode == "CMYK" and image.format == "JPEG":
        # Adobe writes inverted CMYK JPEGs; Pillow's CMYK→RGB without a profile is a fair fallback.
        return image.convert("RGB")
    return image.convert("RGB") if image.mode != "RGB" else image


def _kept_exif(image) -> bytes:
    exif = image.getexif()
    clean = Image.Exif()
    for tag in KEPT_EXIF_TAGS:
        if tag in exif:
            clean[tag] = exif[tag]
    return clean.tobytes()


def write_derivatives(image, out_dir: str, page: int) -> list[str]:
    """Web image, book image, then thumbnail of one page, oriented, sRGB, stripped; a reducing cascade."""
    from PIL import ImageOps

    exif = _kept_exif(image)
    # In place: without an orientation to apply, exif_transpose would return a full-size copy.
    ImageOps.exif_transpose(image, in_place=True)
    image = to_srgb(image)
    written = []
    for kind, size in sorted(DERIVATIVE_SIZES.items(), key=lambda kv: -kv[1]):
        # Each size is made from the previous one: the 400 px thumbnail costs little after 1000.
        image = image.copy() if image.width <= size and image.height <= size else _fit(image, size)
        name = f"{kind}-{page}.jpg"
        image.save(f"{out_dir}/{name}", "JPEG", quality=DERIVATIVE_QUALITY[kind], exif=exif)
        written.append(name)
    return written


def _fit(image, size: int):
    """A new image no larger than size×size, same proportions; the source is left as it is."""
    scale = size / max(image.size)
    target = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # resize() makes a new image, so no full-size copy first. reducing_gap 1.5: a box reduction
    # by whole factors while 1.5× remains, then Lanczos; half the time of gap 3 on a 24 MP TIFF
    # (which has no draft mode), and no difference a reader of a 1600 px preview can see.
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=1.5)


def derive_image(path: str, out_dir: str, first: int = 1, last: int | None = None) -> dict:
    """Derivatives of every page of an image, or of pages first…last (a slice of a long file's job)."""
    names = []
    with _open_checked(path) as image:
        for index, frame in enumerate(_frames(image, first - 1, last), start=first):
            frame = _reduced(frame, WEB_SIZE)
            frame.load()
            names += write_derivatives(frame, out_dir, index)
    return {"files": names, "pages": len(names) // len(DERIVATIVE_SIZES)}


def probe_pdf(path: str, max_pages: int) -> dict:
    """Page count and first page size of a PDF that pdfium can open."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        raise Refusal("corrupt", str(error)) from None
    try:
        pages = len(pdf)
        if pages == 0:
            raise Refusal("corrupt", "no pages")
        if pages > max_pages:
            raise Refusal("too_many_pages", str(pages))
        width, height = pdf[0].get_size()
        pdf[0].render(scale=THUMB_SIZE / max(width, height, 1)).to_pil().load()  # catches broken content
        return {"width": round(width), "height": round(height), "pages": pages}
    finally:
        pdf.close()


def derive_pdf(path: str, out_dir: str, first: int = 1, last: int | None = None) -> dict:
    """One web image and thumbnail per PDF page (or per page of first…last), rendered by pdfium."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    names = []
    try:
        for index in range(first - 1, min(len(pdf), last or len(pdf))):
            page = pdf[index]
            scale = WEB_SIZE / max(page.get_size())
            image = page.render(scale=scale).to_pil()
            names += write_derivatives(image, out_dir, index + 1)
    finally:
        pdf.close()
    return {"files": names, "pages": len(names) // len(DERIVATIVE_SIZES)}


def pdf_text(path: str) -> str:
    """The text layer of a born-digital PDF, pages separated by form feeds."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        return "\f".join((page.extract_text() or "").strip() for page in reader.pages).strip("\f\n ")
    except (PyPdfError, OSError, ValueError) as error:
        raise Refusal("corrupt", str(error)) from None


def ocr_pages(out_dir: str, pages: int, languages: str, first: int = 1) -> str:
    """Tesseract's text of the web images of each page (of `pages` pages from `first`)."""
    import subprocess

    texts = []
    for page in range(first, first + pages):
        done = subprocess.run(["tesseract", f"{out_dir}/web-{page}.jpg", "stdout", "-l", languages],
                              capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
        texts.append(done.stdout.strip())
    return "\f".join(texts).strip("\f\n ")


def run_command(command: str, path: str, mime: str, options: dict) -> dict:
    """Dispatch one worker command."""
    set_pixel_limit(options["max_pixels"])
    is_pdf = mime == "application/pdf"
    if command == "probe":
        return (probe_pdf if is_pdf else probe_image)(path, options["max_pages"])
    if command == "derive":
        # A long file's job runs in slices of pages (archive.jobs): each slice reads its own pages' text.
        first, last = options.get("first_page", 1), options.get("last_page")
        result = (derive_pdf if is_pdf else derive_image)(path, options["out_dir"], first, last)
        text, source = "", None
        if is_pdf and options.get("text") and first == 1:
            text, source = pdf_text(path), "pdf"
        if not text.strip() and options.get("ocr"):
            text, source = ocr_pages(options["out_dir"], result["pages"], options["ocr"], first), "ocr"
        return result | {"text": text, "text_source": source if text.strip() else None}
    raise Refusal("unknown_command", command)


def _limit_self(memory: int, cpu_seconds: int) -> None:
    """Cap this process's address space and CPU time before touching the file."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _main(argv: list[str]) -> int:
    import json
    import sys

    command, path, mime, options = argv[0], argv[1], argv[2], json.loads(argv[3])
    _limit_self(options["memory"], options["cpu_seconds"])
    try:
        answer = {"ok": True} | run_command(command, path, mime, options)
    except Refusal as refusal:
        answer = {"ok": False, "code": refusal.code, "detail": refusal.detail[:500]}
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # a decoder's word for a damaged file
        answer = {"ok": False, "code": "corrupt", "detail": str(error)[:500]}
    except MemoryError:
        answer = {"ok": False, "code": "too_large_to_decode", "detail": "memory limit"}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
