"""E-book figures: the EPUB of a 200-entry exhibition against a plain ZIP of the same files.

    .venv/bin/python bench/ebook.py [--entries 200] [--runs 3]

Sets up a temporary data folder and SQLite database through create_app, makes a published
exhibition of `--entries` photos, each with a web derivative written directly where the media
pipeline puts it (a 1600 px JPEG with film grain, quality 85, as archive.imaging writes them;
running the sandboxed pipeline on 200 scans would time the pipeline, not the book). Then, best
of `--runs`: our writer on the assembled book, a plain ZIP of the same files (images stored,
the rest deflated) as the baseline, and ebooklib's default writer; the whole build end to end,
cold and warm; the book's size; and whether every image is the derivative's bytes. Not part
of the test run.
"""

import argparse
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ebooklib import epub  # noqa: E402

from archive import imaging  # noqa: E402
from archive.media import derivative_path  # noqa: E402
from archive.models import MediaFile  # noqa: E402
from archive.services import create_item  # noqa: E402
from archive.workflow import apply_transition  # noqa: E402
from bench.setup import migrated_app  # noqa: E402
from core.auth import create_user  # noqa: E402
from core.db import db  # noqa: E402
from core.storage import get_storage  # noqa: E402
from exhibitions.composing import (  # noqa: E402
    add_entry,
    add_section,
    create_exhibition,
    publish,  # noqa: E402
)
from exhibitions.publications import epub as ebooks  # noqa: E402

WEB = (1600, 1067)
SECTIONS = 4
CAPTION = "Lớp học bình dân học vụ ở vùng cao: đồng bào học chữ quốc ngữ"


def photo(base: Image.Image, number: int) -> bytes:
    """A distinct web-size JPEG: the grained base shifted and numbered."""
    image = base.rotate(number * 7 % 360, resample=Image.Resampling.NEAREST)
    ImageDraw.Draw(image).text((40, 40), f"VTR-BENCH-{number:04d}", fill=(250, 240, 220))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def reading_size(data: bytes) -> bytes:
    """The book derivative of a web image, as the media pipeline makes it (1000 px, quality 78)."""
    image = Image.open(io.BytesIO(data))
    image.thumbnail((imaging.BOOK_SIZE, imaging.BOOK_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=imaging.DERIVATIVE_QUALITY["book"])
    return out.getvalue()


def grained_base() -> Image.Image:
    # Grain a few pixels wide, like a scanned print: per-pixel noise would make JPEGs no scan gives.
    grain = Image.effect_noise((WEB[0] // 4, WEB[1] // 4), 40).resize(WEB, Image.Resampling.BICUBIC)
    return Image.merge("RGB", [Image.linear_gradient("L").resize(WEB), grain, Image.radial_gradient("L").resize(WEB)])


def make_exhibition(entries: int):
    """A published exhibition of `entries` published photo items, each with its web derivative on disk."""
    session, storage = db.session, get_storage()
    archivist = create_user(session, "archivist@bench.test", "correct horse battery", "archivist")
    curator = create_user(session, "curator@bench.test", "correct horse battery", "curator")
    base = grained_base()
    exhibition = create_exhibition(session, curator, {
        "venue": "vn-ha-noi", "opens_on": "2026-09-02", "closes_on": "2027-12-31", "primary_language": "vi",
        "languages": ["en"], "texts": {"vi": {"title": "Quyền con người ở Việt Nam qua tư liệu lưu trữ",
                                              "introduction": "Ảnh và tài liệu lưu trữ."}}})  # fmt: skip
    sections = [add_section(session, curator, exhibition, {"vi": {"title": f"Phần {n + 1}"}}) for n in range(SECTIONS)]
    for number in range(entries):
        item = create_item(session, archivist, {
            "reference_code": f"VTR-BENCH-{number:04d}", "type": "photo", "date": "1954", "place": "vn-ha-noi",
            "terms": ["ICCPR"], "rights": "CC BY 4.0", "source_archive": "Trung tâm Lưu trữ quốc gia III",
            "texts": {"vi": {"title": f"Ảnh tư liệu số {number}", "caption": f"{CAPTION} ({number})",
                             "state": "reviewed"}}})  # fmt: skip
        data = photo(base, number)
        sha256, size, _created = storage.save_bytes(data)
        item.media.append(MediaFile(sha256=sha256, size=size, mime_type="image/jpeg", width=WEB[0], height=WEB[1],
                                    original_name=f"{number}.jpg"))  # fmt: skip
        target = derivative_path(sha256, "web")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        derivative_path(sha256, "book").write_bytes(reading_size(data))
        apply_transition(session, curator, item, "submit")
        apply_transition(session, curator, item, "publish")
        add_entry(session, curator, sections[number * SECTIONS // entries], item.id)
    publish(session, curator, exhibition)
    session.commit()
    return exhibition


def best(runs: int, action) -> float:
    """The fastest of `runs` timings of `action()`, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def plain_zip(book_path: Path, images: dict[str, Path], target: Path):
    """The baseline: the book's files in a ZIP, entry images read from their derivatives and stored,
    the cover and QR codes stored, the rest deflated."""
    names = {f"EPUB/{ebooks.image_name(sha)}": path for sha, path in images.items()}
    with zipfile.ZipFile(book_path) as book:
        others = [(info.filename, book.read(info)) for info in book.infolist() if info.filename not in names]

    def write() -> None:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
            for name, data in others:
                stored = name == "mimetype" or name.endswith((".jpg", ".png"))
                out.writestr(name, data, zipfile.ZIP_STORED if stored else None)
            for name, path in names.items():  # read whole, as our writer does: the same I/O on both sides
                out.writestr(name, path.read_bytes(), zipfile.ZIP_STORED)

    return write


def same_bytes(book_path: Path, images: dict[str, Path]) -> int:
    """How many of the book's entry images are byte for byte their derivatives."""
    with zipfile.ZipFile(book_path) as book:
        return sum(book.read(f"EPUB/{ebooks.image_name(sha)}") == path.read_bytes() for sha, path in images.items())


def bench_writers(folder: Path, content: ebooks.BookContent, runs: int) -> float:
    """Our writer, the plain ZIP and ebooklib's default writer on the same assembled book; the ZIP's time."""
    book = ebooks.EpubExporter(content).book()
    ours_path = folder / "ours.epub"

    def ours() -> None:
        writer = ebooks.BookWriter(str(ours_path), book, {"epub3_pages": False, "raise_exceptions": True})
        writer.process()
        writer.write()

    ours_s = best(runs, ours)
    images = {sha: path for sha, path in content.images.items() if path}
    zip_s = best(runs, plain_zip(ours_path, images, folder / "plain.zip"))
    default_s = best(runs, lambda: epub.write_epub(str(folder / "default.epub"), book))
    size, plain_size = ours_path.stat().st_size, (folder / "plain.zip").stat().st_size
    default_size = (folder / "default.epub").stat().st_size
    print(f"writer, best of {runs}: ours {ours_s:.3f} s, plain ZIP {zip_s:.3f} s, ratio {ours_s / zip_s:.2f}× "
          f"(target ≤ 2); ebooklib's default writer {default_s:.3f} s ({default_s / zip_s:.1f}× the ZIP)")  # fmt: skip
    saved = (1 - default_size / size) * 100
    print(f"sizes: book {size / 2**20:.2f} MiB, plain ZIP {plain_size / 2**20:.2f} MiB, ebooklib's default "
          f"{default_size / 2**20:.2f} MiB ({saved:.1f} % smaller for deflating the JPEGs)")  # fmt: skip
    identical = same_bytes(ours_path, images)
    print(f"images identical to their derivatives: {identical} of {len(images)} (none re-encoded)")
    assert identical == len(images)
    return zip_s


def cold() -> None:
    """As in a fresh process and a new request: no QR code drawn yet, no font cut, nothing loaded."""
    ebooks._qr.cache_clear()
    ebooks.font_subset.cache_clear()
    db.session.expire_all()


def bench_build(folder: Path, exhibition, runs: int, zip_s: float) -> None:
    """The whole build from the database, cold and warm, and where its time goes."""
    target = folder / "build.epub"
    cold_s = best(runs, lambda: cold() or ebooks.write_epub(exhibition, "vi", target))
    warm_s = best(runs, lambda: db.session.expire_all() or ebooks.write_epub(exhibition, "vi", target))
    gather_s = best(runs, lambda: db.session.expire_all() or ebooks.gather(exhibition, "vi"))
    content = ebooks.gather(exhibition, "vi")
    assemble_s = best(runs, lambda: cold() or ebooks.EpubExporter(content).book())
    view = content.view
    codes = [code for code in (*(e.printed_qr for e in view.entries), view.printed_qr, view.book_qr) if code]
    start = time.perf_counter()
    [ebooks._qr(f"https://vitrine.example.vn/q/{n:06d}") for n in range(len(codes))]
    qr_s = time.perf_counter() - start
    print(f"whole build from the database, best of {runs}: cold {cold_s:.2f} s ({cold_s / zip_s:.0f}× the ZIP), "
          f"warm {warm_s:.2f} s ({warm_s / zip_s:.1f}×)")  # fmt: skip
    print(f"  cold parts: view and codes {gather_s:.3f} s; pages, cover, fonts and QR codes {assemble_s:.3f} s, "
          f"of which drawing {len(codes)} QR codes {qr_s:.3f} s")  # fmt: skip


def bench(folder: Path, entries: int, runs: int) -> None:
    start = time.perf_counter()
    exhibition = make_exhibition(entries)
    print(f"setup: {entries} published entries with web derivatives in {time.perf_counter() - start:.1f} s")
    zip_s = bench_writers(folder, ebooks.gather(exhibition, "vi"), runs)
    bench_build(folder, exhibition, runs, zip_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with migrated_app(folder / "data", BASE_URL="https://vitrine.example.vn"):
            bench(folder, args.entries, args.runs)


if __name__ == "__main__":
    main()
