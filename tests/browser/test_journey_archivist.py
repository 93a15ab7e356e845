"""An archivist's journey, clicked through in Chromium as she would: she signs in, describes a new item with
texts in Vietnamese and Tày, uploads its photo, and submits it for review. She never sees a control to publish
it; the staff item page shows every field she filled. Each step is checked (language, fit, axe) and shot: the
`step` fixture."""

import io

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from archive.models import Item
from tests.browser.helpers import DEVICES, LOCALES, journey_forms, say
from tests.conftest import PASSWORD

REFERENCE = "VTR-PH-1993-101"
SOURCE_ARCHIVE = "Trung tâm Lưu trữ quốc gia III"
FONDS = "Phông Ủy ban nhân dân tỉnh Cao Bằng"
RIGHTS = "http://rightsstatements.org/vocab/InC-NC/1.0/"
RIGHTS_NOTE = "© Ủy ban nhân dân tỉnh Cao Bằng. Sử dụng cho mục đích phi thương mại, ghi rõ nguồn."
TITLES = {"vi": "Lớp học cắm bản ở xã Quang Trung", "tyz": "Hỏng slư tẳng bản Quang Trung"}


def _photo() -> bytes:
    """A small JPEG as a scanner would give one: a grey sky, a green hill, a school house with a red roof."""
    image = Image.new("RGB", (640, 480), (200, 208, 214))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 330), (220, 210), (460, 300), (640, 240), (640, 480), (0, 480)], fill=(70, 120, 60))
    draw.rectangle((250, 270, 420, 380), fill=(230, 220, 190))
    draw.polygon([(235, 272), (335, 200), (435, 272)], fill=(170, 50, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.parametrize(("lang", "size"), journey_forms("vi"))
def test_an_archivist_describes_an_item_and_submits_it_for_review(live_server, open_page, make_user, db_session,
                                                                  step, lang, size):  # fmt: skip
    archivist = make_user("archivist")
    page = open_page(DEVICES[size], locale=LOCALES[lang])
    page.goto(f"{live_server}/")
    page.get_by_role("link", name=say(lang, "Staff sign-in")).click()
    page.fill("#email", archivist.email)
    page.fill("#password", PASSWORD)
    step(page, lang, "sign-in")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(f"{live_server}/staff/items")
    step(page, lang, "workspace")

    page.locator("main").get_by_role("link", name=say(lang, "New item")).click()
    page.fill("#reference_code", REFERENCE)
    page.select_option("#type", "photo")
    page.fill("#date", "1993-09")
    page.select_option("#place", "vn-cao-bang")
    page.select_option("#body", "ubnd-cao-bang")
    page.fill("#source_archive", SOURCE_ARCHIVE)
    page.fill("#fonds", FONDS)
    page.select_option("#rights", RIGHTS)
    page.fill("#rights_note", RIGHTS_NOTE)
    page.fill("#texts-vi-title", TITLES["vi"])
    page.fill("#texts-vi-description", "Giáo viên dạy chữ cho trẻ em người Tày trong lớp học cắm bản.")
    page.fill("#add-lang", "tyz")
    page.locator("[data-add-language]").click()
    page.fill("#texts-tyz-title", TITLES["tyz"])
    page.check("input[name=terms][value=CRC]")
    step(page, lang, "new-item")
    page.locator("#item-form > p button[type=submit]").click()
    page.wait_for_url(f"{live_server}/staff/items/*")
    step(page, lang, "saved", seen=True)

    page.set_input_files("#media-files", files=[{"name": "lop-hoc.jpg", "mimeType": "image/jpeg",
                                                  "buffer": _photo()}])  # fmt: skip
    with page.expect_navigation():  # the upload script reloads the page once the file is stored
        page.get_by_role("button", name=say(lang, "Upload")).click()
    thumbnail = page.locator(".media-list img")
    thumbnail.wait_for()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    step(page, lang, "uploaded")

    # An archivist submits; publishing is a curator's decision, and no control offers it to her.
    workflow = page.locator("section.workflow")
    assert workflow.get_by_role("button", name=say(lang, "Publish")).count() == 0
    workflow.get_by_role("button", name=say(lang, "Submit for review")).click()
    page.wait_for_selector(".flash")
    step(page, lang, "submitted")
    assert page.locator("input[name=action][value=publish]").count() == 0
    assert page.get_by_role("button", name=say(lang, "Publish")).count() == 0

    facts = page.locator("section dl.facts").first.inner_text()
    assert all(value in facts for value in (SOURCE_ARCHIVE, FONDS, RIGHTS_NOTE, "1993-09")), facts
    assert page.locator(f'section dl.facts a[href="{RIGHTS}"]').count() == 1
    for text_lang, title in TITLES.items():
        assert page.locator(f".item-texts > li > span[lang={text_lang}]").inner_text() == title

    db_session.rollback()
    item = db_session.scalar(select(Item).where(Item.reference_code == REFERENCE))
    assert item.status == "review" and item.created_by_id == archivist.id
    assert {text.lang: text.title for text in item.texts} == TITLES
    assert (item.source_archive, item.fonds, item.rights, item.rights_note) == (SOURCE_ARCHIVE, FONDS, RIGHTS,
                                                                                RIGHTS_NOTE)  # fmt: skip
    assert [(m.original_name, m.width, m.height) for m in item.media] == [("lop-hoc.jpg", 640, 480)]
