"""The home page and browsing, as a visitor sees them in Chromium on the demo: on a phone (390×844) the
first result is on the first screen and the facets are a drawer; on a wide screen they are a sidebar; every
control is at least 24×24 CSS px (WCAG 2.2, 2.5.8)."""

import re

import pytest

from tests.browser.helpers import DEVICES, SMALL_TARGETS, axe_problems, say

PHONE, DESKTOP = DEVICES["phone"], DEVICES["desktop"]


@pytest.fixture
def database_url(demo_database_url):
    return demo_database_url


def _every_image_loads(page) -> None:
    """Scroll each image into view (the lazy ones load then) and wait until it has been decoded."""
    images = page.locator("img")
    for n in range(images.count()):
        images.nth(n).scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=images.nth(n).element_handle())


def _first_result_top(page) -> float:
    return page.locator("ol.hits > li").first.bounding_box()["y"]


def test_the_home_page_on_a_phone_in_each_language(app, live_server, open_page, shots):
    page = open_page(PHONE)
    for lang in ("vi", "en", "fr"):
        page.goto(f"{live_server}/?lang={lang}")
        assert page.locator("h1").inner_text() == say(lang, "Human rights in the archives")
        assert page.locator(".exhibition-card").count() >= 2
        assert page.locator(".exhibition-card .where").first.is_visible()
        assert page.locator(".home-featured .item-card").count() == 8
        if lang == "vi":
            _every_image_loads(page)
        # Every image has its size in the markup: nothing moves when it arrives.
        assert page.evaluate("[...document.images].filter((i) => !i.getAttribute('width')).length") == 0
        assert page.evaluate(SMALL_TARGETS) == [], lang
        assert axe_problems(page) == [], lang
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        assert page.evaluate("(t) => t.scrollWidth <= t.clientWidth", page.locator(".timeline").element_handle())
        shots(page, f"home-phone-{lang}")
    # A decade of the timeline leads to its items, first on the screen.
    page.goto(f"{live_server}/?lang=en")
    page.locator('.timeline a[href$="decade=1940"]').click()
    page.wait_for_url(re.compile(r"/items\?decade=1940"))
    assert page.locator(".results-bar .count").inner_text() == "2 items"
    assert _first_result_top(page) < 844 / 2


def test_the_facets_are_a_drawer_on_a_phone_with_or_without_scripts(app, live_server, open_page, shots):
    for javascript in (True, False):
        page = open_page(PHONE, javascript)
        page.goto(f"{live_server}/items?lang=fr")
        top = _first_result_top(page)
        assert top < 844 / 2, top  # it was 2,677 px down before the drawer
        panel = page.locator(".facet-panel")
        assert not panel.is_visible()
        page.locator(".facets > summary").click()
        assert panel.is_visible()
        shots(page, f"drawer-open-{javascript}", full_page=False)
        photo = panel.locator("a.facet-value", has_text=say("fr", "Photo")).first
        count = photo.locator(".count").inner_text()
        photo.click()
        page.wait_for_url(re.compile(r"type=photo"))
        assert page.locator(".results-bar .count").inner_text().startswith(count)
        chip = say("fr", "%(facet)s: %(value)s") % {"facet": say("fr", "Type"), "value": say("fr", "Photo")}
        assert page.locator(".chosen a").inner_text().endswith(f"{chip} ✕")
        assert not page.locator(".facet-panel").is_visible() and _first_result_top(page) < 844 / 2
        if javascript:
            assert page.evaluate(SMALL_TARGETS) == []
            assert axe_problems(page) == []
        # The chip takes the filter off again.
        page.locator(".chosen a").click()
        page.wait_for_url(re.compile(r"/items\?lang=fr$"))


def test_the_facets_are_a_sidebar_beside_the_results_on_a_wide_screen(live_server, open_page, shots):
    for javascript in (True, False):  # without scripts CSS (::details-content) shows the sidebar
        page = open_page(DESKTOP, javascript)
        page.goto(f"{live_server}/items?lang=en")
        panel, first = page.locator(".facet-panel"), page.locator("ol.hits > li").first
        assert panel.is_visible()
        assert panel.bounding_box()["x"] + panel.bounding_box()["width"] <= first.bounding_box()["x"]
        assert first.bounding_box()["y"] < 400
        assert page.evaluate(SMALL_TARGETS) == []
        if javascript:
            assert axe_problems(page) == []
        shots(page, f"sidebar-{javascript}")
