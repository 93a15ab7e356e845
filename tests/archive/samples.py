"""Real files for the media tests, made with Pillow or by hand; nothing is downloaded."""

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CORPUS = Path(__file__).resolve().parents[2] / "archive" / "data" / "corpus"
GPS_IFD, EXIF_IFD = 0x8825, 0x8769


def jpeg_with_exif(orientation=6, size=(600, 400)) -> bytes:
    """A landscape JPEG whose EXIF says "rotate 90°", with GPS and camera-private tags."""
    image = Image.new("RGB", size, (20, 20, 200))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2, size[1]), fill=(220, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "CameraMaker"
    exif[0x8298] = "National Archives Centre III"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)})
    exif.get_ifd(EXIF_IFD).update({0xA431: "SERIAL-123456"})  # BodySerialNumber
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def cmyk_jpeg() -> bytes:
    """A CMYK JPEG of pure red ink (M+Y), as prepress scans are."""
    out = io.BytesIO()
    Image.new("CMYK", (500, 300), (0, 255, 255, 0)).save(out, "JPEG", quality=90)
    return out.getvalue()


def tiff_16bit() -> bytes:
    """A 16-bit greyscale TIFF, mid-grey (40000 of 65535)."""
    out = io.BytesIO()
    Image.new("I;16", (800, 600), 40000).save(out, "TIFF")
    return out.getvalue()


def multipage_tiff(pages=3) -> bytes:
    """A TIFF with one page per shade."""
    frames = [Image.new("RGB", (500, 700), (60 * i, 100, 100)) for i in range(pages)]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate")
    return out.getvalue()


def png_bytes(size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 10)).save(out, "PNG")
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("P", (20, 20)).save(out, "GIF")
    return out.getvalue()


def png_bomb(width=40_000, height=40_000) -> bytes:
    """A tiny PNG whose header claims a huge image: Pillow's bomb check fires on open."""
    data = bytearray(png_bytes((2, 2)))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def truncated_jpeg() -> bytes:
    data = jpeg_with_exif(size=(1200, 900))
    return data[: len(data) // 2]


def corpus_english_lines(count=3) -> list[str]:
    """ASCII lines of the English part of the programme's decision 1079."""
    text = (CORPUS / "qd-1079-ttg-2022-de-an.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if "human rights" in line.lower() and line.isascii()]
    return [line[:90] for line in lines[:count]]


def text_pdf(lines: list[str]) -> bytes:
    """A born-digital one-page PDF with a text layer (Helvetica), written by hand."""

    def escape(s):
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = "BT /F1 11 Tf 50 780 Td 14 TL " + " ".join(f"({escape(line)}) '" for line in lines) + " ET"
    stream = ops.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def scanned_pdf(words="HUMAN RIGHTS") -> bytes:
    """A PDF holding only an image of printed words, as a scanner makes."""
    page = Image.new("L", (1240, 600), 255)
    ImageDraw.Draw(page).text((80, 220), words, fill=0, font=ImageFont.load_default(size=110))
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150)
    return out.getvalue()
