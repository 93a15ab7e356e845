"""Deep zoom on the public item page, in Chromium: OpenSeadragon opens in the image's place from its button,
loads tiles from the IIIF image service, zooms from labelled buttons and the keyboard, closes back to the image;
axe finds nothing serious with the viewer open. The IIIF manifest link leads to the item's manifest."""

import io

import pytest
from PIL import Image, ImageDraw

from app import create_app
from archive.media import Upload, attach_media
from core.storage import get_storage
from tests.browser.helpers import DEVICES, axe_problems
from tests.interop.iiif.site import LiveServer


@pytest.fixture
def served():
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config, served):
    """The app's addresses (the image service's ids, which the viewer follows) are the live server's."""
    return app_config | {"BASE_URL": served.url}


def _scan() -> bytes:
    """A 1600 × 1200 JPEG: three levels of tiles (512 px), enough for a zoom to ask for new ones."""
    image = Image.new("RGB", (1600, 1200), (235, 225, 205))
    draw = ImageDraw.Draw(image)
    for x in range(0, 1600, 100):
        draw.line((x, 0, x, 1200), fill=(60, 40, 30), width=3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def test_the_item_page_zooms_with_openseadragon_over_iiif_tiles(served, app_config, db_session, published_item,
                                                               curator, open_page, shots):  # fmt: skip
    item = published_item(texts={"vi": {"title": "Bản đồ Hà Nội"}, "en": {"title": "A map of Hanoi"}})
    attach_media(db_session, get_storage(), curator, item, [Upload("map.jpg", io.BytesIO(_scan()))])
    db_session.commit()
    served.start(create_app(app_config | {"WTF_CSRF_ENABLED": True}))
    page = open_page(DEVICES["desktop"])
    tiles = []  # the status of each image the page asked of the image service

    def seen(response):
        if "/iiif/image/" in response.url and response.url.endswith(".jpg"):
            tiles.append(response.status)

    page.on("response", seen)
    page.goto(f"{served.url}/items/{item.id}?lang=en")
    figure = page.locator("figure[data-zoom]")
    assert page.locator("[data-zoom-viewer]").is_hidden()
    assert page.evaluate("typeof OpenSeadragon") == "undefined"  # fetched only when a visitor zooms

    page.get_by_role("button", name="Zoom into the image").click()
    # A function, not an expression: Playwright evaluates an expression with eval, which the page's policy refuses.
    page.wait_for_function("() => Number(document.querySelector('[data-zoom]').dataset.zoomTiles || 0) > 0")
    assert figure.get_attribute("data-zoom-state") == "open"
    assert page.locator("[data-zoom-still]").is_hidden() and page.locator("[data-zoom-viewer]").is_visible()
    assert page.evaluate("document.activeElement.closest('[data-zoom-viewer]') !== null")  # keys work at once
    first = len(tiles)
    assert first and set(tiles) == {200}
    assert axe_problems(page) == []
    shots(page, "zoom-open", full_page=False)

    page.keyboard.press("+")
    page.get_by_role("button", name="Zoom in", exact=True).click()
    page.get_by_role("button", name="Zoom in", exact=True).click()
    page.wait_for_function(f"() => Number(document.querySelector('[data-zoom]').dataset.zoomTiles) > {first}")
    assert set(tiles) == {200}
    shots(page, "zoomed-in", full_page=False)

    page.get_by_role("button", name="Close the zoom").click()
    assert page.locator("[data-zoom-still]").is_visible() and page.locator("[data-zoom-viewer]").is_hidden()
    assert page.evaluate("document.activeElement.hasAttribute('data-zoom-open')")

    manifest = page.get_by_role("link", name="IIIF manifest")
    assert manifest.get_attribute("href") == f"{served.url}/iiif/items/{item.id}/manifest.json"
