"""An online exhibition as a ZIP of static pages that opens in a browser without the server.

For venues with a poor connection and for kiosks: plain HTML and CSS (no script), the images and
the e-book inside, every link relative, so the folder works from a USB stick or a local disk.
"""

import logging
import zipfile
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from flask import render_template
from flask_babel import force_locale

from archive.media import derivative_path
from exhibitions.publications.book import BookContent, gather
from exhibitions.publications.cache import cached, chrome_language
from exhibitions.publications.epub import download_name, epub_file
from exhibitions.reading import EntryView, ExhibitionView, SectionView

log = logging.getLogger(__name__)
TEMPLATES = "exhibitions/offline/"


def cached_offline_package(exhibition, lang: str) -> Path:
    """The offline package's file, built once per content version of the exhibition in `lang`."""
    return offline_file(gather(exhibition, lang))


def offline_file(content: BookContent) -> Path:
    """The offline package of gathered content, built once per its content version (the book's)."""

    def write(out: BinaryIO) -> None:
        write_package(out, content.view, epub_file(content))

    return cached(content.view, "-offline.zip", write, content.digest)


def write_package(out: BinaryIO, view: ExhibitionView, epub: Path) -> None:
    """Write the package of the view, with the e-book `epub`, as a ZIP into `out`."""
    lang = view.lang
    folder = f"{view.code or view.id}-{lang}"  # one folder, so unzipping spills nothing around it
    images = _images(view)
    book = download_name(view, "epub")
    with force_locale(chrome_language(lang)), zipfile.ZipFile(out, "w") as package:
        site = _site(view, images, quote(book))
        for name, html in _pages(view, site):
            package.writestr(f"{folder}/{name}", html, compress_type=zipfile.ZIP_DEFLATED)
        package.writestr(f"{folder}/style.css", render_template(TEMPLATES + "stylesheet.html"),
                         compress_type=zipfile.ZIP_DEFLATED)  # fmt: skip
        # JPEG and EPUB are compressed already: deflating them again costs time and saves nothing.
        for (sha256, kind), name in images.items():
            package.write(derivative_path(sha256, kind), f"{folder}/{name}", compress_type=zipfile.ZIP_STORED)
        package.write(epub, f"{folder}/{book}", compress_type=zipfile.ZIP_STORED)


def section_page(section: SectionView) -> str:
    """The file name of a section's page in the package."""
    return f"section-{section.id}.html"


def entry_page(entry: EntryView) -> str:
    """The file name of an entry's page in the package."""
    return f"entry-{entry.id}.html"


def _images(view: ExhibitionView) -> dict[tuple[str, str], str]:
    """The file name in the package of each derivative the pages show, by (sha256, kind); missing ones are left
    out (and logged): their pages go without the picture."""
    images = {}
    for entry in view.entries:
        if not entry.image:
            continue
        for kind in ("web", "thumb"):
            sha256 = entry.image.sha256
            if derivative_path(sha256, kind).is_file():
                images[(sha256, kind)] = f"images/{sha256}-{kind}.jpg"
            else:
                log.warning("offline package: no %s derivative of %s for entry %s", kind, sha256, entry.id)
    return images


def _site(view: ExhibitionView, images: dict, book_href: str) -> dict:
    """What every page is rendered with: the view, where its files are, the online addresses."""
    return {
        "view": view,
        "ui_lang": chrome_language(view.lang),
        "image_href": lambda entry, kind: images.get((entry.image.sha256, kind)) if entry.image else None,
        "section_page": section_page,
        "entry_page": entry_page,
        "book_href": book_href,
        "online_exhibition": view.printed_qr.url if view.printed_qr else None,
        "online_entry": lambda entry: entry.printed_qr.url if entry.printed_qr else None,
    }


def _pages(view: ExhibitionView, site: dict):
    """Each page of the package as (file name, HTML): the landing page, the sections, the entries."""
    yield "index.html", render_template(TEMPLATES + "index.html", **site)
    sections = view.sections
    for number, section in enumerate(sections, 1):
        before = sections[number - 2] if number > 1 else None
        after = sections[number] if number < len(sections) else None
        yield section_page(section), render_template(TEMPLATES + "section.html", section=section, number=number,
                                                     before=before, after=after, **site)  # fmt: skip
    # A placeholder (an item taken down) has no page: its card on the section's page says so.
    flat = [(section, entry) for section in sections for entry in section.entries if not entry.withdrawn]
    for index, (section, entry) in enumerate(flat):
        before = flat[index - 1][1] if index else None
        after = flat[index + 1][1] if index + 1 < len(flat) else None
        yield entry_page(entry), render_template(TEMPLATES + "entry.html", entry=entry, section=section,
                                                 before=before, after=after, **site)  # fmt: skip
