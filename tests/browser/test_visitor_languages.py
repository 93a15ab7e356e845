"""The language policy and the item page in a real phone-sized browser: a French phone scanning a code
printed for Tày, a German browser, a typed panel code, and the page viewer of a multi-page file.
Screenshots of each step go to the run's output folder (the `shots` fixture)."""

import io

import pytest

from archive.media import Upload, attach_media
from core.storage import get_storage
from exhibitions.composing import publish, update_entry
from exhibitions.models import QrTarget
from exhibitions.qr import link_for
from tests.archive import samples
from tests.browser.helpers import PHONE


@pytest.fixture
def cao_bang(db_session, curator, make_exhibition):
    """Published in Vietnamese, Tày, French and English; panel 2 has no French caption."""
    exhibition = make_exhibition(
        sections=1, entries=2, code="LT26", languages=["tyz", "fr", "en"], fallback_chain=["vi"],
        texts={"vi": {"title": "Quyền con người ở Cao Bằng"}, "tyz": {"title": "Slư quyền cần ở Cao Bằng"},
               "fr": {"title": "Les droits humains à Cao Bang"}, "en": {"title": "Human rights in Cao Bang"}},
    )  # fmt: skip
    first, second = exhibition.entries
    update_entry(db_session, curator, first, {"captions": {"tyz": "Tày 1", "fr": "Légende 1", "en": "Caption 1"}})
    update_entry(db_session, curator, second, {"captions": {"vi": "Chú thích 2", "tyz": "Tày 2", "en": "Caption 2"}})
    publish(db_session, curator, exhibition)
    db_session.commit()
    return exhibition


@pytest.fixture
def visitor(browser):
    """Factory: a new phone-sized browser context speaking `locale` (its Accept-Language too)."""
    contexts = []

    def open_page(locale):
        context = browser.new_context(locale=locale, viewport=PHONE)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def test_a_french_phone_scans_a_code_printed_for_tay(live_server, visitor, db_session, cao_bang, shots):
    first, second = cao_bang.entries
    code = link_for(db_session, cao_bang, QrTarget.ENTRY, first.id, "tyz").code
    db_session.commit()
    page = visitor("fr-FR")
    page.goto(f"{live_server}/q/{code}")
    shots(page, "tay-printed")
    assert page.evaluate("document.documentElement.lang") == "vi" and page.is_visible("span[lang=tyz] >> text=Tày 1")
    offer = page.locator(".language-offer a")
    assert offer.inner_text() == "Lire en français" and offer.bounding_box()["height"] >= 24

    offer.click()
    shots(page, "french-chosen")
    assert page.evaluate("document.documentElement.lang") == "fr" and page.is_visible("text=Légende 1")
    page.click("a[rel=next]")
    shots(page, "next-panel")
    # No French caption on this panel: the Vietnamese one, with one marker under the title.
    assert page.evaluate("document.documentElement.lang") == "fr" and page.is_visible(
        "span[lang=vi] >> text=Chú thích 2"
    )
    assert page.locator(".fallback-note").count() == 1 and page.locator("h1 .fallback").count() == 0
    assert [c["value"] for c in page.context.cookies() if c["name"] == "vitrine_lang"] == ["fr"]


def test_a_german_browser_and_a_typed_panel_code_land_in_english(live_server, visitor, cao_bang, shots):
    page = visitor("de-DE")
    page.goto(f"{live_server}/exhibitions/{cao_bang.id}")
    assert page.evaluate("document.documentElement.lang") == "en" and page.is_visible("h1 >> text=Human rights")
    page.fill("#panel-code", "LT26-002")
    page.click(".code-box button")
    page.wait_for_url(f"{live_server}/exhibitions/{cao_bang.id}/entries/{cao_bang.entries[1].id}")
    shots(page, "typed-code")
    assert page.is_visible("span[lang=en] >> text=Caption 2")
    assert not [c for c in page.context.cookies() if c["name"] == "vitrine_lang"]


def test_the_page_viewer_shows_one_page_at_a_time(live_server, visitor, db_session, curator, published_item,
                                                   shots):  # fmt: skip
    item = published_item(texts={"vi": {"title": "Sổ đăng ký"}, "en": {"title": "A register"}})
    attach_media(
        db_session, get_storage(), curator, item, [Upload("register.tiff", io.BytesIO(samples.multipage_tiff(3)))]
    )
    db_session.commit()
    page = visitor("en-GB")
    page.goto(f"{live_server}/items/{item.id}")
    shots(page, "viewer-1")
    image = page.locator("[data-viewer-image]")
    assert image.get_attribute("src").endswith("/book-1.jpg") and page.is_visible("[data-viewer-turn]")
    page.click("[data-viewer-page='3']")
    assert image.get_attribute("src").endswith("/book-3.jpg") and page.is_visible("text=Page 3 of 3")
    assert page.get_attribute("[data-viewer-page='3']", "aria-current") == "page"
    assert page.is_disabled("[data-viewer-step='1']") and page.url.endswith(f"/items/{item.id}")
    page.click("[data-viewer-step='-1']")
    shots(page, "viewer-2")
    assert image.get_attribute("src").endswith("/book-2.jpg")
    assert page.evaluate("document.querySelector('[data-viewer-image]').naturalWidth") > 0
