"""The visitor's item page (portal/items.py): texts along the visitor's language chain with one marker,
`lang` on every text, terms as links, the exhibitions showing it, related items, a citation, share links,
images sized with srcset, and a page viewer for files of several pages."""

import io
import re

import pytest
from PIL import Image

from archive import imaging
from archive.media import DERIVATIVE_SIDES, Upload, attach_media, derivative_path
from archive.workflow import apply_transition
from core.storage import get_storage
from exhibitions.composing import add_entry, publish
from tests.archive import samples

# What a visitor's item page shows; its queries are checked on both databases by the archive's tests.
pytestmark = pytest.mark.one_database

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


@pytest.fixture
def declaration(db_session, published_item):
    """A published item in Vietnamese and English (title only), with creator, source, rights and two terms."""
    return published_item(
        texts={"vi": {"title": "Lễ đọc Tuyên ngôn Độc lập", "description": "Quảng trường Ba Đình, 2/9/1945."},
               "en": {"title": "Reading of the Declaration of Independence"}},
        creator="Võ An Ninh", source_archive="Trung tâm Lưu trữ quốc gia III", fonds="Phông Bộ Tuyên truyền",
        rights="InC-NC", rights_note="© Cục Văn thư và Lưu trữ nhà nước", terms=["ICCPR", "CRC"], body="bngg",
    )  # fmt: skip


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _heading(page: str) -> str:
    return page[page.index("<h1") : page.index("</h1>")]


def _attach(db_session, curator, item, name, data):
    """A file added to a published item (a curator may), its previews made."""
    attached = attach_media(db_session, get_storage(), curator, item, [Upload(name, io.BytesIO(data))])
    db_session.commit()  # the tests' inline runner makes the previews after the commit
    return attached[0].media


def test_texts_follow_the_visitors_chain_with_one_marker_outside_the_heading(client, declaration):
    french = _page(client.get(f"/items/{declaration.id}?lang=fr"))
    # No French: the English title, then the Vietnamese description, each in its own language.
    assert '<html lang="fr">' in french
    assert '<span lang="en">Reading of the Declaration of Independence</span>' in _heading(french)
    assert '<div lang="vi" class="description pre">Quảng trường Ba Đình, 2/9/1945.</div>' in french
    assert french.count('class="fallback-note"') == 1 and "fallback" not in _heading(french)
    assert "Pas encore traduit en français : affiché en anglais et vietnamien." in french
    english = _page(client.get(f"/items/{declaration.id}?lang=en"))
    assert "Not yet translated into English: shown in Vietnamese." in english  # the description only
    vietnamese = _page(client.get(f"/items/{declaration.id}?lang=vi"))
    assert '<span lang="vi">Lễ đọc Tuyên ngôn Độc lập</span>' in vietnamese and "fallback-note" not in vietnamese


INC_NC = "http://rightsstatements.org/vocab/InC-NC/1.0/"


@pytest.mark.parametrize(("asked", "shown", "lang"), [
    ("vi", "Được bảo hộ quyền tác giả – Được phép sử dụng phi thương mại", "vi"),
    ("en", "In Copyright - Non-Commercial Use Permitted", "en"),
    ("fr", "Protégé par le droit d&#39;auteur - Utilisation non commerciale autorisée", "fr"),
    ("tyz", "Được bảo hộ quyền tác giả – Được phép sử dụng phi thương mại", "vi"),  # no Tày name: its chain's next
])  # fmt: skip
def test_rights_are_named_in_the_visitors_language_and_link_to_their_statement(client, declaration, asked, shown,
                                                                                lang):  # fmt: skip
    page = _page(client.get(f"/items/{declaration.id}?lang={asked}"))
    assert f'<dd><a href="{INC_NC}" lang="{lang}">{shown}</a></dd>' in page
    assert "© Cục Văn thư" not in page  # the note is for archivists


def test_a_licence_is_linked_as_the_pages_licence(client, published_item):
    item = published_item(rights="https://creativecommons.org/licenses/by-sa/4.0/legalcode")
    page = _page(client.get(f"/items/{item.id}?lang=en"))
    assert (
        '<a href="http://creativecommons.org/licenses/by-sa/4.0/" lang="en" rel="license">Creative Commons '
        "Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)</a>"
    ) in page


def test_a_german_browser_gets_english_and_a_tay_reader_a_vietnamese_interface(client, published_item):
    item = published_item(texts={"vi": {"title": "Lớp học chữ"}, "en": {"title": "A literacy class"},
                                 "tyz": {"title": "Hỏng slư tẳng bản"}})  # fmt: skip
    german = _page(client.get(f"/items/{item.id}", headers={"Accept-Language": "de-DE,de;q=0.9"}))
    assert '<html lang="en">' in german and '<span lang="en">A literacy class</span>' in german
    tay = _page(client.get(f"/items/{item.id}?lang=tyz"))
    assert '<html lang="vi">' in tay and '<span lang="tyz">Hỏng slư tẳng bản</span>' in _heading(tay)
    switcher = tay[tay.index('<nav class="languages"') : tay.index("</nav>", tay.index('<nav class="languages"'))]
    assert re.findall(r'hreflang="([^"]+)"', switcher) == ["vi", "en", "tyz", "fr"]


def test_facts_carry_their_language_and_terms_lead_to_the_search(client, declaration):
    page = _page(client.get(f"/items/{declaration.id}?lang=en"))
    assert '<dd lang="vi">Võ An Ninh</dd>' in page
    assert '<dd lang="vi">Trung tâm Lưu trữ quốc gia III — Phông Bộ Tuyên truyền</dd>' in page
    assert re.search(r'<a href="/items\?term=ICCPR" lang="en">[^<]+</a>', page)
    assert re.search(r'<a href="/items\?term=CRC" lang="en">[^<]+</a>', page)
    assert "<dd>English and Vietnamese</dd>" in page


def test_the_exhibitions_showing_the_item_are_listed_with_their_panel(client, db_session, curator, declaration,
                                                                       make_exhibition):  # fmt: skip
    shown = make_exhibition(sections=1, entries=0, code="TL26")
    hidden = make_exhibition(sections=1, entries=0, code="DR26", texts={"vi": {"title": "Bản nháp"}})
    entry = add_entry(db_session, curator, shown.sections[0], declaration.id)
    add_entry(db_session, curator, hidden.sections[0], declaration.id)
    publish(db_session, curator, shown)
    db_session.commit()
    page = _page(client.get(f"/items/{declaration.id}?lang=en"))
    assert f'href="/exhibitions/{shown.id}/entries/{entry.id}"' in page
    assert '<span lang="en">Human rights in Cao Bang</span>' in page and "Bản nháp" not in page


def test_related_items_share_terms_or_place_and_are_published(client, published_item, make_item, declaration):
    close = published_item(terms=["ICCPR", "CRC"], place="vn-cao-bang", texts={"vi": {"title": "Gần nhất"}})
    same_place = published_item(terms=["CAT"], place="vn-ha-noi", texts={"vi": {"title": "Cùng nơi"}})
    unrelated = published_item(terms=["CAT"], place="vn-cao-bang", texts={"vi": {"title": "Không liên quan"}})
    draft = make_item(terms=["ICCPR"], texts={"vi": {"title": "Bản nháp chưa công bố"}})
    page = _page(client.get(f"/items/{declaration.id}?lang=vi"))
    related = page[page.index('class="item-related"') :]
    assert related.index("Gần nhất") < related.index("Cùng nơi")
    assert f'href="/items/{close.id}"' in related and f'href="/items/{same_place.id}"' in related
    assert "Không liên quan" not in related and "Bản nháp chưa công bố" not in related
    assert f'href="/items/{unrelated.id}"' not in page and f'href="/items/{draft.id}"' not in page


def test_citation_and_share_links_use_the_permanent_address(client, declaration):
    page = _page(client.get(f"/items/{declaration.id}?lang=en"))
    citation = page[page.index('class="citation"') :]
    url = f"http://vitrine.test/items/{declaration.id}"
    assert f'<a href="{url}">{url}</a>' in citation and '<span lang="vi">Võ An Ninh</span>' in citation
    assert '<cite lang="en">Reading of the Declaration of Independence</cite>' in citation
    assert f"facebook.com/sharer/sharer.php?u={url.replace(':', '%3A').replace('/', '%2F')}%3Flink_lang%3Den" in page
    assert f'<link rel="canonical" href="{url}?lang=en">' in page


def test_images_come_in_every_size_with_their_own(client, db_session, curator, declaration):
    media = _attach(
        db_session, curator, declaration, "ba-dinh.jpg", samples.jpeg_with_exif(orientation=1, size=(2000, 1200))
    )
    page = _page(client.get(f"/items/{declaration.id}?lang=en"))
    base = f"/media/{media.id}"
    assert f'srcset="{base}/thumb-1.jpg 400w, {base}/book-1.jpg 1000w, {base}/web-1.jpg 1600w"' in page
    assert f'src="{base}/book-1.jpg"' in page and 'width="1000" height="600"' in page and "sizes=" in page
    assert f'<meta property="og:image" content="http://vitrine.test{base}/web-1.jpg">' in page
    assert "data-page-viewer" not in page and "page-viewer.js" not in page
    with client.get(f"{base}/book-1.jpg") as book:
        assert book.status_code == 200 and book.mimetype == "image/jpeg"


def _two_page_pdf() -> bytes:
    pages = [Image.new("L", (1240, 1754), 255 - 60 * n) for n in range(2)]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=150)
    return out.getvalue()


@pytest.mark.parametrize(("name", "data"), [
    ("large.jpg", lambda: samples.jpeg_with_exif(orientation=1, size=(2000, 1200))),
    ("small.png", lambda: samples.png_bytes((300, 200))),  # never enlarged
    ("two-pages.pdf", _two_page_pdf),  # pages measured in points, rendered to each size
])  # fmt: skip
def test_the_sizes_a_page_states_are_those_of_its_images(client, db_session, curator, declaration, name, data):
    media = _attach(db_session, curator, declaration, name, data())
    page = _page(client.get(f"/items/{declaration.id}?lang=en"))
    stated = dict(re.findall(rf"/media/{media.id}/(\w+)-1\.jpg (\d+)w", page))
    shown = re.search(rf'src="/media/{media.id}/book-1\.jpg" srcset="[^"]+" sizes="[^"]+" width="(\d+)" height="(\d+)"',
                      page)  # fmt: skip
    for kind in DERIVATIVE_SIDES:
        with Image.open(derivative_path(media.sha256, kind, 1)) as image:
            width, height = image.size
        # Exact for images; a PDF's page size is kept in whole points, so a pixel or two either way.
        assert abs(int(stated[kind]) - width) <= 2, kind
        if kind == "book":
            assert abs(int(shown.group(1)) - width) <= 2 and abs(int(shown.group(2)) - height) <= 2


def test_a_file_of_several_pages_gets_the_page_viewer(client, db_session, curator, declaration):
    media = _attach(db_session, curator, declaration, "register.tiff", samples.multipage_tiff(3))
    page = _page(client.get(f"/items/{declaration.id}?lang=en"))
    viewer = page[page.index("data-page-viewer") : page.index("</section>", page.index("data-page-viewer"))]
    # One page shown; every page a thumbnail linking to its image, so it works without scripts.
    assert viewer.count("data-viewer-image") == 1 and f'src="/media/{media.id}/book-1.jpg"' in viewer
    for number in (1, 2, 3):
        assert f'<a href="/media/{media.id}/web-{number}.jpg" data-viewer-page="{number}"' in viewer
        assert f'data-label="Page {number} of 3"' in viewer
    assert 'aria-current="page"' in viewer and "data-viewer-turn hidden" in viewer
    assert "/static/page-viewer.js" in page and f'href="/media/{media.id}" download' in viewer
    assert re.search(r"Download the original \(register\.tiff, \d+ kB\)", viewer)
    french = _page(client.get(f"/items/{declaration.id}?lang=fr"))
    assert re.search(r"Télécharger l’original \(register\.tiff, \d+\s?ko\)", french)  # CLDR: a no-break space


def test_previews_not_yet_made_are_announced(client, db_session, curator, declaration, app):
    app.config["MEDIA_JOBS"] = "worker"  # nobody makes them during the test
    _attach(db_session, curator, declaration, "later.png", samples.png_bytes())
    page = _page(client.get(f"/items/{declaration.id}?lang=en"))
    assert "The preview of 1 file is being made." in page and "/media/" not in page.split("item-main")[1][:400]


def test_only_published_items_have_a_page(client, db_session, make_item, curator, declaration):
    draft = make_item()
    assert client.get(f"/items/{draft.id}").status_code == 404
    apply_transition(db_session, curator, declaration, "withdraw", comment="Quyền chưa rõ")
    db_session.commit()
    gone = client.get(f"/items/{declaration.id}")  # it was public: its address says it is gone, not unknown
    assert gone.status_code == 410 and declaration.reference_code not in gone.get_data(True)


def test_the_staff_page_links_to_the_visitors_page(login_as, declaration):
    client, _user = login_as("archivist")
    page = _page(client.get(f"/staff/items/{declaration.id}?lang=en"))
    assert f'href="/items/{declaration.id}"' in page


def test_page_sizes_match_what_the_imaging_child_writes():
    assert DERIVATIVE_SIDES == imaging.DERIVATIVE_SIZES
