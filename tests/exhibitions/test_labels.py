"""Panel labels: their data per language, the PDF in each format (text, fonts, QR codes that scan), the print view."""

import io
import math
import subprocess
import unicodedata

import pypdf
import pypdfium2 as pdfium
import pytest
from markupsafe import escape

from archive.services import set_text
from core.errors import NotFound
from exhibitions import composing as publishing
from exhibitions.composing import add_entry, add_section
from exhibitions.models import QrLink, QrTarget
from exhibitions.publications.labels import FORMATS, Label, LabelText, labels_for
from exhibitions.publications.labels_pdf import LAYOUTS, render_labels_pdf
from exhibitions.qr import qr_matrix
from exhibitions.reading import Rights

# Labels drawn from the reading view, whose queries test_reading_view checks on both databases.
pytestmark = pytest.mark.one_database

BASE = "http://vitrine.test"
MM = 72 / 25.4  # PDF points in a millimetre
DECLARATION = "Lễ đọc Tuyên ngôn Độc lập tại Quảng trường Ba Đình, Hà Nội, ngày 2 tháng 9 năm 1945"
MINORITIES = (
    "Quyền của người dân tộc thiểu số — đồng bào Tày, Nùng, H'Mông ở Cao Bằng học chữ trong lớp bình dân học vụ"
)
CC_BY = "http://creativecommons.org/licenses/by/4.0/"
CC_BY_VI = Rights(CC_BY, "Creative Commons Ghi công 4.0 Quốc tế (CC BY 4.0)", "vi", True)
DECLARATION_EN = "The Declaration of Independence is read on Ba Đình Square, Hà Nội, 2 September 1945"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _flat(text: str) -> str:
    """Text as a reader meets it: NFC, with line breaks and runs of spaces made single spaces."""
    return " ".join(_nfc(text).split())


@pytest.fixture(autouse=True)
def in_request(app):
    """A request context: labels carry absolute QR URLs, built with url_for."""
    with app.test_request_context():
        yield


@pytest.fixture
def exhibition(db_session, curator, make_exhibition, published_item):
    """Cao Bằng, vi + en: panel 1 translated into English, panel 2 with an English title only."""
    exhibition = make_exhibition(sections=0)
    section = add_section(
        db_session, curator, exhibition, {"vi": {"title": "Độc lập"}, "en": {"title": "Independence"}}
    )
    declaration = published_item(
        creator="Văn Lương", source_archive="Trung tâm Lưu trữ quốc gia III", rights="CC BY 4.0",
        texts={"vi": {"title": "Tuyên ngôn Độc lập", "caption": DECLARATION, "state": "reviewed"},
               "en": {"title": "Declaration of Independence", "caption": DECLARATION_EN, "state": "reviewed"}},
    )  # fmt: skip
    minorities = published_item(
        date="c. 1954", source_archive="Thông tấn xã Việt Nam",
        texts={"vi": {"title": "Lớp học chữ ở Cao Bằng", "caption": MINORITIES, "state": "reviewed"},
               "en": {"title": "Literacy class in Cao Bang", "state": "reviewed"}},
    )  # fmt: skip
    add_entry(db_session, curator, section, declaration.id)
    add_entry(db_session, curator, section, minorities.id)
    db_session.commit()
    return exhibition


def _entry_code(db_session, entry_id: int) -> str:
    link = db_session.query(QrLink).filter_by(target=QrTarget.ENTRY, target_id=entry_id, lang=None).one()
    return link.code


def _label(n: int, caption: str = DECLARATION, **changes) -> Label:
    """A label built by hand, for the renderer alone."""
    texts = [LabelText("vi", f"Ảnh tư liệu số {n}", caption, "vi", "vi", False),
             LabelText("en", f"Archival photo {n}", caption, "en", "vi", True)]  # fmt: skip
    values = {"entry_id": n, "panel_number": str(n), "panel_code": f"CB26-{n:03d}", "reference_code": f"TEST-{n:04d}",
              "date": "1945-09-02", "credit": "Trung tâm Lưu trữ quốc gia III", "rights": CC_BY_VI,
              "qr_code": f"QR{n:04d}", "qr_url": f"{BASE}/q/QR{n:04d}", "texts": texts}  # fmt: skip
    return Label(**(values | changes))


def _page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _scan(png_path) -> list[str]:
    """What zbarimg reads in an image, one decoded symbol a line."""
    done = subprocess.run(["zbarimg", "--raw", "-q", str(png_path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, f"zbarimg found no code (exit {done.returncode}): {done.stderr[-300:]}"
    return done.stdout.split()


def _render(data: bytes, index: int, scale: float):
    """One page of the PDF as a PIL image, `scale` pixels a point."""
    document = pdfium.PdfDocument(data)
    try:
        page = document[index]
        image = page.render(scale=scale).to_pil()
        page.close()
    finally:
        document.close()
    return image


def _scan_pdf_page(data: bytes, index: int, tmp_path, scale: float = 2.5) -> list[str]:
    path = tmp_path / f"page-{index}.png"
    _render(data, index, scale).save(path)
    return _scan(path)


def _char_boxes(data: bytes, index: int) -> list[tuple[float, float, float, float]]:
    """The box of each printed glyph in points (left, bottom, right, top)."""
    document = pdfium.PdfDocument(data)
    try:
        page = document[index]
        textpage = page.get_textpage()
        boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
        # Spaces and line ends that pdfium infers have no box of their own.
        boxes = [(left, bottom, right, top) for left, bottom, right, top in boxes if right > left and top > bottom]
        textpage.close()
        page.close()
    finally:
        document.close()
    return boxes


def _content_boxes(fmt: str) -> list[tuple[float, float, float, float]]:
    """The inside of every label on a page, in points from the bottom left, as the layout defines it."""
    layout = LAYOUTS[fmt]
    (page_w, page_h), (columns, rows), (label_w, label_h) = layout.page, layout.grid, layout.label
    x0, y0 = (page_w - columns * label_w) / 2, (page_h - rows * label_h) / 2
    boxes = []
    for row in range(rows):
        for col in range(columns):
            left, top = x0 + col * label_w + layout.pad, y0 + row * label_h + layout.pad
            right, bottom = left + label_w - 2 * layout.pad, top + label_h - 2 * layout.pad
            boxes.append((left * MM, (page_h - bottom) * MM, right * MM, (page_h - top) * MM))
    return boxes


# --- The data of a label ----------------------------------------------------------------------


def test_labels_give_each_language_primary_first_with_fallback_marked(db_session, exhibition):
    declaration, minorities = labels_for(exhibition)
    entries = exhibition.entries
    assert [t.lang for t in declaration.texts] == ["vi", "en"]
    vi, en = declaration.texts
    assert (vi.title, vi.caption, vi.fallback) == ("Tuyên ngôn Độc lập", DECLARATION, False)
    assert (en.title, en.caption, en.caption_lang, en.fallback) == ("Declaration of Independence", DECLARATION_EN,
                                                                    "en", False)  # fmt: skip
    vi, en = minorities.texts
    assert vi.caption == MINORITIES and not vi.fallback
    assert (en.title, en.caption, en.title_lang, en.caption_lang, en.fallback) == (
        "Literacy class in Cao Bang", MINORITIES, "en", "vi", True)  # fmt: skip
    assert [lab.panel_number for lab in (declaration, minorities)] == ["1", "2"]
    assert [lab.panel_code for lab in (declaration, minorities)] == [f"{exhibition.code}-001", f"{exhibition.code}-002"]
    for label, entry in zip((declaration, minorities), entries, strict=True):
        assert label.entry_id == entry.id
        assert label.qr_code == _entry_code(db_session, entry.id)
        assert label.qr_url == f"{BASE}/q/{label.qr_code}"
    assert declaration.credit == "Văn Lương · Trung tâm Lưu trữ quốc gia III" and declaration.rights == CC_BY_VI
    not_evaluated = Rights("http://rightsstatements.org/vocab/CNE/1.0/", "Chưa đánh giá tình trạng quyền tác giả", "vi")
    assert (minorities.date, minorities.rights) == ("c. 1954", not_evaluated)


def test_labels_of_one_entry_and_of_an_entry_not_shown(exhibition):
    second = exhibition.entries[1]
    [label] = labels_for(exhibition, entry_id=second.id)
    assert label.entry_id == second.id and label.panel_code.endswith("-002")
    with pytest.raises(NotFound):
        labels_for(exhibition, entry_id=second.id + 1000)


# --- The PDF --------------------------------------------------------------------------------------


def test_pdf_prints_every_text_diacritics_intact_with_the_fonts_embedded(exhibition):
    code = exhibition.code
    labels = labels_for(exhibition)
    expected_texts = ("Tuyên ngôn Độc lập", DECLARATION, "Declaration of Independence", DECLARATION_EN,
                      "Lớp học chữ ở Cao Bằng", MINORITIES, f"{code}-001", f"{code}-002", "1945-09-02", "c. 1954",
                      "Văn Lương · Trung tâm Lưu trữ quốc gia III", "Ghi công 4.0 Quốc tế (CC BY 4.0)",
                      "Thông tấn xã Việt Nam")  # fmt: skip
    for fmt, pages in (("a4", 2), ("a5", 2), ("sheet", 1)):
        reader = pypdf.PdfReader(io.BytesIO(render_labels_pdf(labels, fmt, title=code)))
        assert len(reader.pages) == pages
        printed = _flat(" ".join(page.extract_text() for page in reader.pages))
        for expected in expected_texts:
            assert _flat(expected) in printed, (fmt, expected)
        # Panel 2 has no English: its English slot says so, in English; panel 1's does not.
        assert printed.count("EN · (not yet translated: shown in Vietnamese)") == 1 and printed.count("EN") >= 2
        assert (reader.metadata.title, reader.metadata.creator) == (code, "Vitrine")
        _assert_fonts_embedded(reader.pages[0])


def _assert_fonts_embedded(page) -> None:
    fonts = page["/Resources"]["/Font"]
    assert len(fonts) == 2  # regular and bold
    for ref in fonts.values():
        font = ref.get_object()
        assert str(font["/BaseFont"]).split("+")[-1].startswith("DejaVuSans")
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # the TrueType program is in the file, not looked up on the printer


def test_every_label_format_has_a_layout_and_no_label_gives_a_blank_page(app):
    assert set(LAYOUTS) == set(FORMATS)
    assert len(pypdf.PdfReader(io.BytesIO(render_labels_pdf([], "a4", title="CB26"))).pages) == 1
    with pytest.raises(ValueError, match="letter"):
        render_labels_pdf([], "letter", title="CB26")


def test_pdf_text_is_nfc_even_from_decomposed_input(app):
    decomposed = unicodedata.normalize("NFD", MINORITIES)
    assert decomposed != MINORITIES
    data = render_labels_pdf([_label(1, caption=decomposed)], "a5", title="CB26")
    assert _flat(MINORITIES) in _flat(_page_texts(data)[0])


@pytest.mark.parametrize(("fmt", "per_page"), [("a4", 1), ("a5", 1), ("sheet", 8)])
def test_pdf_page_count_and_page_size_follow_the_format(app, fmt, per_page):
    labels = [_label(n) for n in range(1, 10)]
    reader = pypdf.PdfReader(io.BytesIO(render_labels_pdf(labels, fmt, title="CB26")))
    assert len(reader.pages) == math.ceil(9 / per_page)
    width, height = (float(v) / MM for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == LAYOUTS[fmt].page
    last = _flat(reader.pages[-1].extract_text())
    assert "CB26-009" in last and "CB26-008" not in last


@pytest.mark.parametrize("fmt", ["a4", "a5", "sheet"])
def test_long_captions_stay_inside_their_label_and_end_with_an_ellipsis(app, fmt):
    endless = " ".join([MINORITIES] * 60)
    columns, rows = LAYOUTS[fmt].grid
    labels = [_label(n, caption=endless) for n in range(1, columns * rows + 1)]  # one full page
    data = render_labels_pdf(labels, fmt, title="CB26")
    text = _flat(_page_texts(data)[0])
    assert "…" in text
    assert "TEST-0001 · 1945-09-02" in text and "CC BY 4.0" in text  # the details are never pushed out
    boxes = _content_boxes(fmt)
    slack = 0.5 * MM
    glyphs = _char_boxes(data, 0)
    assert len(glyphs) > 500
    outside = [
        (left, bottom, right, top)
        for left, bottom, right, top in glyphs
        if not any(
            bl - slack <= left and right <= br + slack and bb - slack <= bottom and top <= bt + slack
            for bl, bb, br, bt in boxes
        )  # fmt: skip
    ]
    assert outside == []


def test_pdf_qr_codes_scan_to_the_short_links(db_session, exhibition, tmp_path):
    labels = labels_for(exhibition)
    expected = sorted(f"{BASE}/q/{_entry_code(db_session, e.id)}" for e in exhibition.entries)
    for fmt, scale in (("a4", 1.5), ("a5", 2), ("sheet", 3)):
        data = render_labels_pdf(labels, fmt, title=exhibition.code)
        pages = range(1) if fmt == "sheet" else range(len(labels))
        assert sorted(url for index in pages for url in _scan_pdf_page(data, index, tmp_path, scale)) == expected, fmt


def test_qr_is_big_enough_and_keeps_its_quiet_zone(app, tmp_path):
    assert LAYOUTS["a4"].qr >= 25 and LAYOUTS["a5"].qr >= 25 and LAYOUTS["sheet"].qr >= 18
    # A full sheet: eight codes on one page, each read back at a printer's resolution.
    labels = [_label(n) for n in range(1, 9)]
    data = render_labels_pdf(labels, "sheet", title="CB26")
    scale = 200 / 72
    assert sorted(_scan_pdf_page(data, 0, tmp_path, scale)) == sorted(lab.qr_url for lab in labels)
    # The first label's symbol sits in the top right corner inside the padding; its 4-module ring is blank.
    layout = LAYOUTS["sheet"]
    modules = len(qr_matrix(labels[0].qr_url))
    module = layout.qr / modules
    left = (layout.page[0] - 2 * layout.label[0]) / 2 + layout.label[0] - layout.pad - layout.qr
    top = (layout.page[1] - 4 * layout.label[1]) / 2 + layout.pad
    image = _render(data, 0, scale).convert("L")
    px = scale * MM  # pixels a millimetre
    outer = [round(v * px) for v in (left + module / 2, top + module / 2, left + layout.qr - module / 2,
                                     top + layout.qr - module / 2)]  # fmt: skip
    inner = [round(v * px) for v in (left + 3.5 * module, top + 3.5 * module, left + layout.qr - 3.5 * module,
                                     top + layout.qr - 3.5 * module)]  # fmt: skip
    ring = [image.getpixel((x, y)) for x in range(outer[0], outer[2]) for y in range(outer[1], outer[3])
            if not (inner[0] <= x < inner[2] and inner[1] <= y < inner[3])]  # fmt: skip
    assert ring and min(ring) > 240
    assert min(image.crop(tuple(inner)).getdata()) < 20  # and the symbol itself is there, in black


def test_qr_png_route_scans_to_the_short_link(db_session, login_as, exhibition, tmp_path):
    code = _entry_code(db_session, exhibition.entries[0].id)
    staff, _curator = login_as("curator")  # a draft's: the staff's (public ones: tests/exhibitions/test_qr_links.py)
    response = staff.get(f"/q/{code}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    path = tmp_path / "qr.png"
    path.write_bytes(response.data)
    assert _scan(path) == [f"{BASE}/q/{code}"]


def test_archived_exhibition_prints_the_frozen_captions(db_session, curator, exhibition):
    publishing.publish(db_session, curator, exhibition)
    db_session.commit()
    publishing.archive(db_session, curator, exhibition)
    db_session.commit()
    item = exhibition.entries[0].item
    edited = {"title": "Tuyên ngôn Độc lập (sửa)", "caption": "Chú thích mới, viết sau", "state": "reviewed"}
    set_text(db_session, curator, item, "vi", edited, item.version)
    db_session.commit()
    label = labels_for(exhibition)[0]
    assert (label.texts[0].title, label.texts[0].caption) == ("Tuyên ngôn Độc lập", DECLARATION)
    printed = _flat(" ".join(_page_texts(render_labels_pdf([label], "a4", title=exhibition.code))))
    assert _flat(DECLARATION) in printed and "Chú thích mới" not in printed


# --- The print view and the PDF route ---------------------------------------------------------------


def test_print_view_shows_labels_with_languages_codes_and_format_switch(db_session, login_as, exhibition):
    client, _user = login_as("curator")
    response = client.get(f"/staff/exhibitions/{exhibition.id}/labels?format=sheet&lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    code = _entry_code(db_session, exhibition.entries[0].id)
    assert f'src="/q/{code}.svg"' in page and f"{BASE}/q/{code}" in page  # the image, and the URL in its alt text
    assert f"{exhibition.code}-001" in page and f"{exhibition.code}-002" in page
    assert all(str(escape(text)) in page for text in (DECLARATION, MINORITIES, DECLARATION_EN))
    assert '<p class="label-caption" lang="en">' in page and '<p class="label-caption" lang="vi">' in page
    assert "not yet translated" in page  # panel 2's English slot
    assert 'class="labels labels-sheet"' in page and "labels.css" in page
    for fmt in ("a4", "a5"):
        assert f"/staff/exhibitions/{exhibition.id}/labels?format={fmt}" in page
    assert f"/staff/exhibitions/{exhibition.id}/labels.pdf?format=sheet" in page
    assert 'aria-current="page">Sheet' in page
    # The button appears only with JavaScript, shown by a static script (no inline script on the page).
    assert "data-print hidden" in page and "/static/print-button.js" in page
    with client.get("/static/print-button.js") as script:
        assert script.status_code == 200 and "window.print()" in script.get_data(as_text=True)


def test_print_view_of_one_entry_keeps_the_entry_in_its_links(login_as, exhibition):
    client, _user = login_as("curator")
    entry = exhibition.entries[1]
    page = client.get(f"/staff/exhibitions/{exhibition.id}/labels?format=a5&entry={entry.id}").get_data(as_text=True)
    assert str(escape(MINORITIES)) in page and DECLARATION not in page
    assert f"labels.pdf?format=a5&amp;entry={entry.id}" in page
    assert f"labels?format=a4&amp;entry={entry.id}" in page


def test_print_view_refuses_bad_arguments(login_as, exhibition):
    client, _user = login_as("curator")
    for query, message in (
        ("format=letter", "Unknown label format: letter."),
        ("format=a4&entry=first", "The entry must be a whole number."),
    ):
        for path in ("labels", "labels.pdf"):
            response = client.get(f"/staff/exhibitions/{exhibition.id}/{path}?{query}&lang=en")
            assert response.status_code == 422, (path, query)
            assert message in response.get_data(as_text=True)


def test_labels_are_for_curators_only(client, login_as, exhibition):
    archivist, _user = login_as("archivist")
    for path in ("labels", "labels.pdf"):
        assert archivist.get(f"/staff/exhibitions/{exhibition.id}/{path}").status_code == 403
        response = client.get(f"/staff/exhibitions/{exhibition.id}/{path}")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_pdf_route_sends_a_named_download(login_as, exhibition):
    client, _user = login_as("curator")
    entry = exhibition.entries[0]
    response = client.get(f"/staff/exhibitions/{exhibition.id}/labels.pdf?format=a5&entry={entry.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and f"{exhibition.code}-labels-a5-{entry.id}.pdf" in disposition
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1 and _flat(DECLARATION) in _flat(reader.pages[0].extract_text())


def test_a_language_with_no_text_of_its_own_is_not_printed_again(make_exhibition):
    # Items in Vietnamese only, in a vi + en exhibition: the English slot would repeat the Vietnamese.
    labels = labels_for(make_exhibition(sections=1, entries=2))
    assert [[t.lang for t in label.texts] for label in labels] == [["vi"], ["vi"]]


# --- What a label says, in its language --------------------------------------------------------------------


def test_a_caption_that_repeats_a_title_is_not_printed_again(db_session, curator, make_exhibition, published_item):
    # Many items are captioned with their title alone; a French slot without a caption of its own would fall back
    # to the Vietnamese one, which is the Vietnamese title again.
    exhibition = make_exhibition(sections=1, entries=0, languages=["en", "fr"])
    item = published_item(texts={"vi": {"title": "Lớp học cắm bản", "caption": "Lớp học  cắm bản", "state": "reviewed"},
                                 "en": {"title": "A village class", "caption": "A Village Class", "state": "reviewed"},
                                 "fr": {"title": "Une classe au village", "state": "reviewed"}})  # fmt: skip
    entry = add_entry(db_session, curator, exhibition.sections[0], item.id)
    publishing.update_entry(db_session, curator, entry, {"titles": {"fr": "Classe de village à Cao Bằng"}})
    db_session.commit()
    [label] = labels_for(exhibition)
    assert [(t.lang, t.title, t.caption, t.fallback) for t in label.texts] == [
        ("vi", "Lớp học cắm bản", None, False), ("en", "A village class", None, False),
        ("fr", "Classe de village à Cao Bằng", None, False)]  # fmt: skip
    printed = _flat(" ".join(_page_texts(render_labels_pdf([label], "a5", title=exhibition.code))))
    assert printed.count("Lớp học cắm bản") == 1 and printed.lower().count("a village class") == 1
    assert "Classe de village à Cao Bằng" in printed and "not yet translated" not in printed


def test_credit_names_bodies_and_archives_in_the_labels_language(db_session, curator, make_exhibition,
                                                                  published_item, login_as):  # fmt: skip
    geneva = make_exhibition(sections=1, entries=0, venue="geneva", primary_language="fr", languages=["en"],
                             fallback_chain=["fr", "en", "vi"], texts={"fr": {"title": "Exposition"}})  # fmt: skip
    cao_bang = make_exhibition(sections=1, entries=0)
    known = published_item(creator="Thông tấn xã Việt Nam", body="ttxvn", rights="CC BY 4.0",
                           source_archive="Trung tâm Lưu trữ quốc gia III")  # fmt: skip
    unknown = published_item(creator="Văn Lương", body="ttxvn", source_archive="Lưu trữ tỉnh Cao Bằng")
    for exhibition in (geneva, cao_bang):
        for item in (known, unknown):
            add_entry(db_session, curator, exhibition.sections[0], item.id)
    db_session.commit()
    french = labels_for(geneva)
    assert [label.credit for label in french] == [
        "Agence vietnamienne d'information · Centre des archives nationales III",
        "Văn Lương · Agence vietnamienne d'information · Lưu trữ tỉnh Cao Bằng",
    ]  # names it does not know: as written
    assert {label.lang for label in french} == {"fr"}
    assert [label.credit for label in labels_for(cao_bang)] == [
        "Thông tấn xã Việt Nam · Trung tâm Lưu trữ quốc gia III",
        "Văn Lương · Thông tấn xã Việt Nam · Lưu trữ tỉnh Cao Bằng"]  # fmt: skip
    client, _user = login_as("curator")
    page = client.get(f"/staff/exhibitions/{geneva.id}/labels?lang=vi").get_data(as_text=True)
    assert '<p class="label-details" lang="fr">' in page
    assert str(escape("Agence vietnamienne d'information · Centre des archives nationales III")) in page
    # The rights in the labels' language, French, whatever the curator's.
    shown = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    assert f'<span class="label-rights" lang="fr">{shown}</span>' in page


def test_the_print_views_notes_speak_their_slots_language_not_the_curators(login_as, exhibition):
    client, _user = login_as("curator")
    page = client.get(f"/staff/exhibitions/{exhibition.id}/labels?lang=fr").get_data(as_text=True)
    # Panel 2's English slot, read by an English reader whatever the curator's interface.
    assert '<span class="fallback" lang="en">(not yet translated: shown in Vietnamese)</span>' in page
    assert "pas encore traduit" not in page


@pytest.mark.parametrize("lang", ["vi", "en", "fr"])
def test_the_composer_names_the_label_formats_in_words(login_as, exhibition, lang):
    client, _user = login_as("curator")
    page = client.get(f"/staff/exhibitions/{exhibition.id}?lang={lang}").get_data(as_text=True)
    assert "SHEET" not in page
    sheet = {"vi": "tờ nhãn nhỏ", "en": "sheet of small labels", "fr": "planche de petites étiquettes"}[lang]
    assert f'format=sheet">{sheet}</a>' in page
