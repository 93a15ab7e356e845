"""Publications of an exhibition in one language: the EPUB 3 e-book, the printable A5 catalogue, the
offline package (static pages, images and the e-book in a ZIP) and the panel labels (print view and
PDF). Each renders the exhibition's reading view, read once per build (`gather`, `labels_for`); built
files are cached by content version. Downloads are counted per day, language and kind.
"""

from exhibitions.publications.book import BookContent, book_content, book_version, gather
from exhibitions.publications.cache import forget_built
from exhibitions.publications.catalogue import cached_catalogue, catalogue_file, catalogue_pdf, render_catalogue_pdf
from exhibitions.publications.downloads import count_download
from exhibitions.publications.epub import (
    EPUB_MIMETYPE,
    cached_epub,
    download_name,
    epub_file,
    write_book,
    write_epub,
)
from exhibitions.publications.labels import FORMATS as LABEL_FORMATS
from exhibitions.publications.labels import Label, LabelText, labels_for, labels_of
from exhibitions.publications.labels_pdf import render_labels_pdf
from exhibitions.publications.offline import cached_offline_package, offline_file, write_package

__all__ = [
    "EPUB_MIMETYPE",
    "LABEL_FORMATS",
    "BookContent",
    "book_content",
    "Label",
    "LabelText",
    "book_version",
    "cached_catalogue",
    "cached_epub",
    "cached_offline_package",
    "catalogue_file",
    "catalogue_pdf",
    "count_download",
    "download_name",
    "epub_file",
    "forget_built",
    "gather",
    "labels_for",
    "labels_of",
    "offline_file",
    "render_catalogue_pdf",
    "render_labels_pdf",
    "write_book",
    "write_epub",
    "write_package",
]
