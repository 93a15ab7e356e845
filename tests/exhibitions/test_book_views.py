"""The public e-book page and downloads: EPUB, printable catalogue, offline package."""

import io
import zipfile
from urllib.parse import quote

import pytest

from exhibitions.composing import publish
from exhibitions.models import QrLink, QrTarget

# Downloads of built books; the records behind them are read by queries checked on both databases.
pytestmark = pytest.mark.one_database


@pytest.fixture
def shown(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=2)
    publish(db_session, curator, exhibition)
    db_session.commit()
    return exhibition


def test_book_page_works_on_a_phone_and_links_every_format(client, db_session, shown):
    code = db_session.query(QrLink).filter_by(exhibition_id=shown.id, target=QrTarget.EBOOK, lang="en").one().code
    page = client.get(f"/exhibitions/{shown.id}/book?lang=en").get_data(as_text=True)
    assert f'href="/exhibitions/{shown.id}/book-en.epub"' in page
    assert f'href="/exhibitions/{shown.id}/catalogue-en.pdf"' in page
    assert f'href="/exhibitions/{shown.id}/offline-en.zip"' in page
    assert f'src="/q/{code}.svg"' in page and 'data-share="zalo"' in page and "viber://forward" in page
    assert 'name="viewport"' in page
    landing = client.get(f"/exhibitions/{shown.id}?lang=vi").get_data(as_text=True)
    assert f'href="/exhibitions/{shown.id}/book-vi.epub"' in landing and "/book?lang=en" in landing
    assert client.get(f"/q/{code}").headers["Location"] == f"/exhibitions/{shown.id}/book?link_lang=en"


def test_epub_download_has_its_type_and_a_readable_name(client, shown):
    response = client.get(f"/exhibitions/{shown.id}/book-vi.epub")
    assert response.status_code == 200 and response.mimetype == "application/epub+zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and quote("Quyền con người ở Cao Bằng") in disposition
    data = response.data
    response.close()  # send_file streams the cached file: close it as a browser would
    book = zipfile.ZipFile(io.BytesIO(data))
    assert book.namelist()[0] == "mimetype" and book.read("mimetype") == b"application/epub+zip"
    again = client.get(f"/exhibitions/{shown.id}/book-vi.epub", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    again.close()


def test_catalogue_and_offline_package_download(client, shown):
    pdf = client.get(f"/exhibitions/{shown.id}/catalogue-en.pdf")
    data = pdf.data
    pdf.close()
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and data.startswith(b"%PDF")
    package = client.get(f"/exhibitions/{shown.id}/offline-en.zip")
    data = package.data
    package.close()
    assert package.status_code == 200 and package.mimetype == "application/zip"
    assert f"{shown.code}-en/index.html" in zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_books_of_unknown_languages_and_drafts_are_not_found(client, make_exhibition, shown):
    assert client.get(f"/exhibitions/{shown.id}/book-fr.epub").status_code == 404
    assert client.get(f"/exhibitions/{shown.id}/catalogue-xx.pdf").status_code == 404
    draft = make_exhibition(sections=1, entries=1, code="DR26")
    assert client.get(f"/exhibitions/{draft.id}/book-vi.epub").status_code == 404
    assert client.get(f"/exhibitions/{draft.id}/book").status_code == 404
