"""A visitor's journey through the demo, clicked through in Chromium by a browser speaking their language:
the home page, a way in (a theme, a place or a decade), the results, an item, the exhibition it is shown in,
a panel reached by scanning its QR code, and another by typing its panel code as people type it. Each step is
checked (language, fit, axe) and shot: the `step` fixture."""

import pytest
from sqlalchemy import select

from archive.models import Item
from exhibitions.models import Exhibition, QrTarget
from exhibitions.qr import links_of
from tests.browser.helpers import DEVICES, LOCALES, journey_forms

ITEM = "VTR-PH-1993-006"  # a village class in Cao Bằng: in the three demo exhibitions
# Each language goes in by another way and on to another exhibition: (the way's link, the exhibition's code).
WAYS = {
    "vi": (".browse-themes a[href$='term=ethnic-minorities']", "CB25"),
    "en": (".browse-places a[href$='place=vn-cao-bang']", "QG25"),
    "fr": (".timeline a[href$='decade=1990']", "GE27"),
}
# The panel's title in each language: Geneva's panel has a French title of its own.
TITLES = {"vi": "Lớp học cắm bản ở Cao Bằng", "en": "A village class in Cao Bang",
          "fr": "Une classe au village, à Cao Bằng"}  # fmt: skip


@pytest.fixture
def database_url(demo_database_url):
    return demo_database_url


def _scanned_code(db_session, exhibition: Exhibition, entry_id: int, lang: str) -> str:
    """The QR code printed on this panel's label in the visitor's language, else in the exhibition's primary one."""
    links = {link.lang: link.code for link in links_of(db_session, exhibition)
             if link.target == QrTarget.ENTRY and link.target_id == entry_id}  # fmt: skip
    return links.get(lang) or links[None]


@pytest.mark.parametrize(("lang", "size"), journey_forms("en"))
def test_a_visitor_finds_an_item_then_its_exhibition_and_its_panels(live_server, open_page, db_session, step, lang,
                                                                     size):  # fmt: skip
    way, code = WAYS[lang]
    item = db_session.scalar(select(Item).where(Item.reference_code == ITEM))
    exhibition = db_session.scalar(select(Exhibition).where(Exhibition.code == code))
    first, panel = exhibition.entries[0], next(e for e in exhibition.entries if e.item_id == item.id)
    scanned = _scanned_code(db_session, exhibition, first.id, lang)
    db_session.rollback()

    page = open_page(DEVICES[size], locale=LOCALES[lang])
    page.goto(f"{live_server}/")
    step(page, lang, "home", seen=True)
    page.locator(way).click()
    page.wait_for_url(f"{live_server}/items?*")
    step(page, lang, "results", seen=True)
    page.locator(f"ol.hits a[href$='/items/{item.id}']").first.click()
    page.wait_for_url(f"{live_server}/items/{item.id}")
    step(page, lang, "item")

    page.locator(f".item-exhibitions a[href*='/exhibitions/{exhibition.id}/']").click()
    page.wait_for_url(f"{live_server}/exhibitions/{exhibition.id}/entries/{panel.id}")
    page.locator(".breadcrumb a").first.click()
    page.wait_for_url(f"{live_server}/exhibitions/{exhibition.id}")
    step(page, lang, "exhibition")

    # At the exhibition: the phone scans the first panel's code, then the visitor types another panel's.
    page.goto(f"{live_server}/q/{scanned}")
    page.wait_for_url(f"{live_server}/exhibitions/{exhibition.id}/entries/{first.id}*")
    step(page, lang, "scanned")
    page.fill("#panel-code", f"{code.lower()} {int(panel.panel_number)}")
    page.locator(".code-box button").click()
    page.wait_for_url(f"{live_server}/exhibitions/{exhibition.id}/entries/{panel.id}")
    assert TITLES[lang] in page.locator("h1").inner_text()
    step(page, lang, "typed-code", seen=True)
