"""The print catalogue (PDF text, contents, QR codes that scan, images as made, cache) and the offline package
(every page, links that stay inside the ZIP, images and e-book as built, languages)."""

import io
import posixpath
import subprocess
import unicodedata
import zipfile
from contextlib import contextmanager
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pypdf
import pypdfium2 as pdfium
import pytest
from flask_babel import force_locale
from markupsafe import escape

from archive.imaging import render_demo_photo
from archive.media import Upload, attach_media, derivative_path, process_media
from archive.rights import statement
from archive.services import set_text
from archive.workflow import apply_transition
from core.i18n import _, language_in_sentence
from core.storage import get_storage
from exhibitions.composing import add_entry, add_section, archive, publish
from exhibitions.models import QrLink, QrTarget
from exhibitions.publications.catalogue import cached_catalogue, render_catalogue_pdf
from exhibitions.publications.epub import cached_epub
from exhibitions.publications.offline import cached_offline_package

# Files drawn from the reading view, whose queries test_reading_view checks on both databases.
pytestmark = pytest.mark.one_database

BASE = "http://vitrine.test"
A5 = (419.53, 595.28)  # points
TITLE = {"vi": "Quyền con người ở Việt Nam qua tư liệu lưu trữ", "en": "Human rights in Viet Nam through the archives",
         "fr": "Les droits de l'homme au Viêt Nam à travers les archives"}  # fmt: skip
INTRODUCTION = {
    "vi": "Qua ảnh và tài liệu lưu trữ, triển lãm giới thiệu nỗ lực bảo đảm quyền con người, để không ai bị bỏ lại.",
    "en": "Archival photos and documents show the efforts to ensure human rights, so that no one is left behind.",
    "fr": "Des photos et documents d'archives montrent les efforts pour garantir les droits de l'homme à chacun.",
}
SECTIONS = [
    {"vi": "Cam kết quốc tế về quyền con người", "en": "International human rights commitments",
     "fr": "Les engagements internationaux"},
    {"vi": "Bình đẳng và bảo vệ người dễ bị tổn thương", "en": "Equality and protection of the vulnerable",
     "fr": "Égalité et protection des plus vulnérables"},
]  # fmt: skip
DECLARATION = {
    "vi": ("Lễ đọc Tuyên ngôn Độc lập", "Ngày 2/9/1945, tại Quảng trường Ba Đình, Chủ tịch Hồ Chí Minh đọc Tuyên ngôn "
                                        "Độc lập, khẳng định quyền sống, quyền tự do và quyền mưu cầu hạnh phúc."),
    "en": ("Reading of the Declaration of Independence", "2 September 1945, Ba Đình Square: President Hồ Chí Minh "
                                                         "reads the Declaration of Independence."),
    "fr": ("Lecture de la Déclaration d'indépendance", "2 septembre 1945, place Ba Đình : le président Hô Chi Minh "
                                                       "lit la Déclaration d'indépendance."),
}  # fmt: skip
# No French text: the French catalogue shows it in Vietnamese, and says so.
LITERACY = {
    "vi": ("Lớp học chữ ở Cao Bằng", "Đồng bào Tày, Nùng, H'Mông ở Cao Bằng học chữ trong lớp bình dân học vụ."),
    "en": ("Literacy class in Cao Bằng", "Tày, Nùng and H'Mông villagers learn to read in a people's literacy class."),
}
POSTER = {
    "vi": ("Tranh cổ động phòng, chống mua bán người", "Tranh cổ động kêu gọi cảnh giác trước thủ đoạn mua bán người."),
    "en": ("Poster against human trafficking", "A poster calls for vigilance against traffickers' tricks."),
    "fr": ("Affiche contre la traite des êtres humains", "Une affiche appelle à la vigilance face aux trafiquants."),
}


def _flat(text: str) -> str:
    """Text as a reader meets it: NFC, line breaks and runs of spaces made single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture(autouse=True)
def in_request(app):
    """A request context, as in the views; nothing here searches, so the index waits for a worker."""
    app.config["SEARCH_APPLY"] = "worker"  # saves a tenth of a second a commit
    with app.test_request_context():
        yield


@pytest.fixture(scope="session")
def made_derivatives() -> dict:
    """Derivatives by sha256, as the pipeline made them the first time: later tests copy them into place
    rather than start its sandboxed worker again (the demo photos are the same bytes every time)."""
    return {}


def _item_with_image(db_session, curator, published_item, made: dict, number: int, texts: dict, **fields):
    item = published_item(texts={lang: {"title": title, "caption": caption, "state": "reviewed"}
                                 for lang, (title, caption) in texts.items()}, **fields)  # fmt: skip
    photo = Upload(f"{number}.jpg", io.BytesIO(render_demo_photo(number, item.reference_code)))
    [attached] = attach_media(db_session, get_storage(), curator, item, [photo])
    db_session.commit()
    sha256 = attached.media.sha256
    if sha256 not in made:
        process_media(db_session, get_storage(), [attached.media], read_text=False)
        db_session.commit()
        made[sha256] = {kind: derivative_path(sha256, kind).read_bytes() for kind in ("web", "thumb")}
    for kind, data in made[sha256].items():
        derivative_path(sha256, kind).parent.mkdir(parents=True, exist_ok=True)
        derivative_path(sha256, kind).write_bytes(data)
    return item


@pytest.fixture
def exhibition(db_session, curator, make_exhibition, published_item, made_derivatives):
    """Vietnamese first, then English, French and Tày; two sections, three images; one item without French."""
    texts = {lang: {"title": TITLE[lang], "introduction": INTRODUCTION[lang], "state": "reviewed"} for lang in TITLE}
    exhibition = make_exhibition(sections=0, code="TL26", languages=["en", "fr", "tyz"], texts=texts)
    first, second = (
        add_section(
            db_session, curator, exhibition, {lang: {"title": title, "state": "reviewed"} for lang, title in s.items()}
        )
        for s in SECTIONS
    )
    for section, number, texts in ((first, 1, DECLARATION), (first, 2, LITERACY), (second, 3, POSTER)):
        item = _item_with_image(db_session, curator, published_item, made_derivatives, number, texts,
                                rights="CC BY 4.0", source_archive="Trung tâm Lưu trữ quốc gia III")  # fmt: skip
        add_entry(db_session, curator, section, item.id)
    publish(db_session, curator, exhibition)
    db_session.commit()
    return exhibition


def _pages(data: bytes) -> list[str]:
    return [_flat(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _page_of(pages: list[str], text: str, start: int = 2) -> int:
    """The index of the first page from `start` that holds the text."""
    return next(index for index, page in enumerate(pages) if index >= start and _flat(text) in page)


def _short_url(db_session, exhibition, entry_id: int, lang: str) -> str:
    """The short URL printed for an entry in `lang`: the language's own link, the primary one's for the primary."""
    printed = None if lang == exhibition.primary_language else lang
    link = db_session.query(QrLink).filter_by(exhibition_id=exhibition.id, target=QrTarget.ENTRY, target_id=entry_id,
                                              lang=printed).one()  # fmt: skip
    return f"{BASE}/q/{link.code}"


def test_the_catalogue_reads_in_its_language(exhibition):
    for lang in ("vi", "en", "fr"):
        _check_catalogue_text(render_catalogue_pdf(exhibition, lang), lang)


def _check_catalogue_text(data: bytes, lang: str) -> None:
    pages = _pages(data)
    assert _flat(TITLE[lang]) in pages[0] and _flat(INTRODUCTION[lang]) in pages[0]
    contents = pages[1]
    for number, section in enumerate(SECTIONS, 1):
        # The contents line gives the page of the section's opener.
        opener = _page_of(pages, section[lang])
        assert f"{number}. {_flat(section[lang])} {opener + 1}" in contents
    for texts in (DECLARATION, POSTER):
        title, caption = texts[lang]
        page = pages[_page_of(pages, title)]
        assert _flat(caption) in page and "CC BY 4.0" in page
    title, caption = LITERACY.get(lang, LITERACY["vi"])
    literacy = pages[_page_of(pages, title)]
    assert _flat(caption) in literacy
    with force_locale(lang):
        note = _("(not yet translated: shown in %(language)s)", language=language_in_sentence("vi"))
    assert (_flat(note) in literacy) == (lang == "fr"), lang


def test_the_catalogue_is_an_a5_booklet_with_its_metadata_and_the_images_as_made(exhibition):
    data = render_catalogue_pdf(exhibition, "fr")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) % 4 == 0  # folded sheets
    assert all((round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) == A5 for p in reader.pages)
    assert reader.metadata.title == TITLE["fr"] and reader.metadata.creator == "Vitrine"
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    # fpdf embeds each web derivative's own bytes: nothing decoded and re-encoded.
    for entry in exhibition.entries:
        assert derivative_path(entry.item.media[0].sha256, "web").read_bytes() in data
    pages = _pages(data)
    # Page numbers in the footer from the section opener on (the contents are drawn last: their text comes after).
    assert [page.split()[-1] for page in pages[2:6]] == ["3", "4", "5", "6"] and pages[0].split()[-1] != "1"


def test_an_entry_qr_code_scans_to_its_short_url_in_the_language(exhibition, db_session, tmp_path):
    entry = exhibition.entries[0]
    for lang in ("vi", "fr"):
        data = render_catalogue_pdf(exhibition, lang)
        index = _page_of(_pages(data), DECLARATION[lang][0])
        document = pdfium.PdfDocument(data)
        try:
            page = document[index]
            page.render(scale=3).to_pil().save(tmp_path / "page.png")
            page.close()
        finally:
            document.close()
        done = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "page.png")], capture_output=True, text=True,
                              timeout=30)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == [_short_url(db_session, exhibition, entry.id, lang)]
        assert f"TL26-{int(entry.panel_number):03d}" in _pages(data)[index]  # to type when the camera fails


CC_BY = "http://creativecommons.org/licenses/by/4.0/"


def test_rights_are_named_in_each_publications_language_and_linked_to_their_uri(client, exhibition):
    """One exhibition for every medium (its fixture is the costly part): the public page, the PDF catalogue and
    the e-books name the statement in their reader's language, or the first of its chain the catalogs name it in."""
    entry, tay = exhibition.entries[0], "Creative Commons Ghi công 4.0 Quốc tế (CC BY 4.0)"
    page = client.get(f"/exhibitions/{exhibition.id}/entries/{entry.id}?lang=tyz").get_data(as_text=True)
    assert f'<dd lang="vi"><a href="{CC_BY}" rel="license">{tay}</a></dd>' in page
    data = render_catalogue_pdf(exhibition, "fr")
    french = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    assert french in " ".join(_pages(data))
    annotations = (a.get_object() for p in pypdf.PdfReader(io.BytesIO(data)).pages for a in p.get("/Annots") or [])
    assert CC_BY in {annotation.get("/A", {}).get("/URI") for annotation in annotations}
    for lang, shown, tagged in (("fr", french, ""), ("tyz", tay, ' lang="vi" xml:lang="vi"')):
        with zipfile.ZipFile(cached_epub(exhibition, lang)) as book:
            xhtml = unicodedata.normalize("NFC", book.read(f"EPUB/entry-{entry.id}.xhtml").decode())
            opf = unicodedata.normalize("NFC", book.read("EPUB/content.opf").decode())
        assert f'<a href="{CC_BY}"{tagged}>{escape(shown)}</a>' in xhtml
        assert f"{escape(shown)} ({CC_BY})</dc:rights>" in opf


def test_contents_over_several_pages_give_the_right_numbers(make_exhibition):
    many = make_exhibition(sections=40, entries=0)
    pages = _pages(render_catalogue_pdf(many, "vi"))
    assert pages[3].startswith("Phần 1 Phần 1 ")  # two pages of contents, then the first opener
    listed = f"{pages[1]} {pages[2]}"
    for number in range(1, 41):
        opener = next(i for i, page in enumerate(pages) if page.startswith(f"Phần {number} Phần {number} "))
        assert f"{number}. Phần {number} {opener + 1}" in listed
    assert len(pages) % 4 == 0


def test_the_catalogue_is_cached_per_version(exhibition, db_session, curator):
    first = cached_catalogue(exhibition, "vi")
    assert first.name.startswith("vi-") and first.suffix == ".pdf" and first.parent.name == str(exhibition.id)
    built = first.stat().st_mtime_ns
    assert cached_catalogue(exhibition, "vi") == first and first.stat().st_mtime_ns == built  # not built again
    caption = "Chú thích đã sửa: ngày 2/9/1945."
    set_text(
        db_session,
        curator,
        exhibition.entries[0].item,
        "vi",
        {"title": "Tuyên ngôn Độc lập", "caption": caption},
        exhibition.entries[0].item.version,
    )
    db_session.commit()
    second = cached_catalogue(exhibition, "vi")
    assert second != first and not first.exists()  # the older version is dropped
    assert caption in " ".join(_pages(second.read_bytes()))
    assert not list(second.parent.glob(".*.part"))


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    """What the checks need of a page: every address with its tag, the lang of <html>, scripts, texts by lang."""

    def __init__(self):
        super().__init__()
        self.addresses, self.langs, self.scripts, self.html_lang = [], [], 0, None
        self.texts: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        self.html_lang = values.get("lang") if tag == "html" else self.html_lang
        self.scripts += tag == "script"
        self.addresses += [(tag, name, value) for name, value in attrs if name in ("href", "src") and value]
        if tag not in VOID:  # no end tag will pop them
            self.langs.append(values.get("lang"))

    def handle_endtag(self, tag):
        self.langs and self.langs.pop()

    def handle_data(self, data):
        lang = next((tag for tag in reversed(self.langs) if tag), None)
        if data.strip():
            self.texts.setdefault(lang, []).append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@contextmanager
def _package(path):
    """The open ZIP and the one folder everything in it sits in."""
    with zipfile.ZipFile(path) as package:
        [folder] = {name.split("/")[0] for name in package.namelist()}
        yield package, folder


def test_the_offline_package_is_whole_and_self_contained(exhibition):
    for lang in ("fr", "tyz"):
        with _package(cached_offline_package(exhibition, lang)) as (package, folder):
            _check_package(exhibition, package, folder, lang)


def _check_package(exhibition, package: zipfile.ZipFile, folder: str, lang: str) -> None:
    names = set(package.namelist())
    assert f"{folder}/index.html" in names
    assert "url(" not in package.read(f"{folder}/style.css").decode()  # no web font, no remote image
    assert {f"{folder}/entry-{entry.id}.html" for entry in exhibition.entries} <= names
    for name in (n for n in names if n.endswith(".html")):
        page = _parse(package.read(name).decode())
        assert page.scripts == 0
        # Interface words in the book's language when the interface has it, else in Vietnamese.
        assert page.html_lang == ("fr" if lang == "fr" else "vi"), name
        for tag, _attribute, address in page.addresses:
            if urlsplit(address).scheme:
                # Only plain links go outside, to the online exhibition or a rights statement: nothing is loaded
                # from the network.
                assert tag == "a" and (address.startswith(f"{BASE}/q/") or statement(address)), (name, address)
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(address)))
            assert target in names, (name, address)


def test_the_package_holds_the_images_and_the_book_as_made(exhibition):
    path = cached_offline_package(exhibition, "fr")
    with _package(path) as (package, folder):
        for entry in exhibition.entries:
            sha256 = entry.item.media[0].sha256
            for kind in ("web", "thumb"):
                info = package.getinfo(f"{folder}/images/{sha256}-{kind}.jpg")
                assert info.compress_type == zipfile.ZIP_STORED
                assert package.read(info) == derivative_path(sha256, kind).read_bytes()
        [book] = [info for info in package.infolist() if info.filename.endswith(".epub")]
        assert book.compress_type == zipfile.ZIP_STORED
        assert package.read(book) == cached_epub(exhibition, "fr").read_bytes()
    assert cached_offline_package(exhibition, "fr") == path
    assert path.name.startswith("fr-") and path.name.endswith("-offline.zip")


def test_texts_in_another_language_say_so(exhibition):
    declaration, literacy = exhibition.entries[0], exhibition.entries[1]
    with force_locale("fr"):
        note = _("Not yet translated into %(wanted)s: shown in %(shown)s.", wanted=language_in_sentence("fr"),
                 shown=language_in_sentence("vi"))  # fmt: skip
    with _package(cached_offline_package(exhibition, "fr")) as (package, folder):
        literacy_html = package.read(f"{folder}/entry-{literacy.id}.html").decode()
        declaration_html = package.read(f"{folder}/entry-{declaration.id}.html").decode()
        index = package.read(f"{folder}/index.html").decode()
    literacy_page = _parse(literacy_html)
    assert _flat(LITERACY["vi"][1]) in [_flat(text) for text in literacy_page.texts["vi"]]
    assert _flat(note) in [_flat(text) for text in literacy_page.texts["fr"]]
    assert _flat(DECLARATION["fr"][1]) in [_flat(text) for text in _parse(declaration_html).texts["fr"]]
    # The French caption stands alone, and so does the link to the next, untranslated panel: no note on that page.
    assert f'<span lang="fr">{escape(DECLARATION["fr"][1])}</span></figcaption>' in declaration_html
    assert 'class="fallback-note"' not in declaration_html and literacy_html.count('class="fallback-note"') == 1
    assert f'href="entry-{declaration.id}.html"' in index and SECTIONS[1]["fr"] in index


def test_an_archived_exhibition_prints_what_was_frozen(exhibition, db_session, curator):
    archive(db_session, curator, exhibition)
    db_session.commit()
    set_text(
        db_session,
        curator,
        exhibition.entries[0].item,
        "vi",
        {"title": "Tiêu đề đã sửa sau khi đóng"},
        exhibition.entries[0].item.version,
    )
    db_session.commit()
    text = " ".join(_pages(cached_catalogue(exhibition, "vi").read_bytes()))
    assert _flat(DECLARATION["vi"][0]) in text and "Tiêu đề đã sửa sau khi đóng" not in text
    with _package(cached_offline_package(exhibition, "vi")) as (package, folder):
        page = package.read(f"{folder}/entry-{exhibition.entries[0].id}.html").decode()
    assert DECLARATION["vi"][0] in page and "Tiêu đề đã sửa" not in page


def test_a_withdrawn_item_is_left_out(exhibition, db_session, curator):
    poster = exhibition.entries[2]
    apply_transition(db_session, curator, poster.item, "withdraw", comment="Rights unclear")
    db_session.commit()
    pages = _pages(render_catalogue_pdf(exhibition, "vi"))
    assert not any(_flat(POSTER["vi"][0]) in page for page in pages)
    with _package(cached_offline_package(exhibition, "vi")) as (package, _folder):
        names = " ".join(package.namelist())
    assert f"entry-{poster.id}.html" not in names and poster.item.media[0].sha256 not in names


def test_a_missing_derivative_leaves_the_page_without_its_image(exhibition, caplog):
    entry = exhibition.entries[0]
    sha256 = entry.item.media[0].sha256
    derivative_path(sha256, "thumb").unlink()
    derivative_path(sha256, "web").unlink()
    with _package(cached_offline_package(exhibition, "vi")) as (package, folder):
        page = package.read(f"{folder}/entry-{entry.id}.html").decode()
        assert DECLARATION["vi"][0] in page and "<img" not in page and sha256 not in " ".join(package.namelist())
    assert _flat(DECLARATION["vi"][1]) in " ".join(_pages(render_catalogue_pdf(exhibition, "vi")))
    assert any(sha256 in record.getMessage() for record in caplog.records)
