"""The home page and browsing, as a visitor sees them in Chromium on the demo: on a phone (390×844) the
first result is on the first screen and the facets are a drawer; on a wide screen they are a sidebar; every
control is at least 24×24 CSS px (WCAG 2.2, 2.5.8)."""

import re

import pytest
from flask_babel import force_locale, gettext

from tests.npm_tools import AXE_JS, require

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# Every control a visitor may tap: links, buttons, summaries and fields, outside running text.
SMALL_TARGETS = """() => [...document.querySelectorAll('a[href], button, summary, select, input:not([type=hidden])')]
  .filter((el) => el.offsetParent !== null && !el.closest('p, .visually-hidden, .skip'))
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([el, box]) => box.width < 24 || box.height < 24)
  .map(([el, box]) => `${el.tagName} "${el.textContent.trim().slice(0, 40)}" ${box.width}×${box.height}`)"""


@pytest.fixture
def database_url(demo_database_url):
    return demo_database_url


@pytest.fixture
def open_page(browser):
    """Factory: a page of a new browser context (phone or desktop, scripts on or off)."""
    contexts = []

    def open_page(device: dict, javascript: bool = True):
        context = browser.new_context(locale="en-GB", java_script_enabled=javascript, **device)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def _in(lang: str, message: str) -> str:
    with force_locale(lang):
        return gettext(message)


def _every_image_loads(page) -> None:
    """Scroll each image into view (the lazy ones load then) and wait until it has been decoded."""
    images = page.locator("img")
    for n in range(images.count()):
        images.nth(n).scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=images.nth(n).element_handle())


def _axe_problems(page) -> list[str]:
    """Serious and critical violations axe-core finds in the page with the WCAG 2.2 AA rules (target size too)."""
    page.add_script_tag(path=str(require(AXE_JS)))
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
    result = page.evaluate("tags => axe.run({runOnly: {type: 'tag', values: tags}})", tags)
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]
            if v["impact"] in ("serious", "critical")]  # fmt: skip


def _first_result_top(page) -> float:
    return page.locator("ol.hits > li").first.bounding_box()["y"]


def test_the_home_page_on_a_phone_in_each_language(app, live_server, open_page, tmp_path):
    page = open_page(PHONE)
    for lang in ("vi", "en", "fr"):
        page.goto(f"{live_server}/?lang={lang}")
        assert page.locator("h1").inner_text() == _in(lang, "Human rights in the archives")
        assert page.locator(".exhibition-card").count() >= 2
        assert page.locator(".exhibition-card .where").first.is_visible()
        assert page.locator(".home-featured .item-card").count() == 8
        if lang == "vi":
            _every_image_loads(page)
        # Every image has its size in the markup: nothing moves when it arrives.
        assert page.evaluate("[...document.images].filter((i) => !i.getAttribute('width')).length") == 0
        assert page.evaluate(SMALL_TARGETS) == [], lang
        assert _axe_problems(page) == [], lang
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        assert page.evaluate("(t) => t.scrollWidth <= t.clientWidth", page.locator(".timeline").element_handle())
        page.screenshot(path=tmp_path / f"home-phone-{lang}.png", full_page=True)
    # A decade of the timeline leads to its items, first on the screen.
    page.goto(f"{live_server}/?lang=en")
    page.locator('.timeline a[href$="decade=1940"]').click()
    page.wait_for_url(re.compile(r"/items\?decade=1940"))
    assert page.locator(".results-bar .count").inner_text() == "2 items"
    assert _first_result_top(page) < 844 / 2


def test_the_facets_are_a_drawer_on_a_phone_with_or_without_scripts(app, live_server, open_page, tmp_path):
    for javascript in (True, False):
        page = open_page(PHONE, javascript)
        page.goto(f"{live_server}/items?lang=fr")
        top = _first_result_top(page)
        assert top < 844 / 2, top  # it was 2,677 px down before the drawer
        panel = page.locator(".facet-panel")
        assert not panel.is_visible()
        page.locator(".facets > summary").click()
        assert panel.is_visible()
        page.screenshot(path=tmp_path / f"drawer-open-{javascript}.png")
        photo = panel.locator("a.facet-value", has_text=_in("fr", "Photo")).first
        count = photo.locator(".count").inner_text()
        photo.click()
        page.wait_for_url(re.compile(r"type=photo"))
        assert page.locator(".results-bar .count").inner_text().startswith(count)
        chip = _in("fr", "%(facet)s: %(value)s") % {"facet": _in("fr", "Type"), "value": _in("fr", "Photo")}
        assert page.locator(".chosen a").inner_text().endswith(f"{chip} ✕")
        assert not page.locator(".facet-panel").is_visible() and _first_result_top(page) < 844 / 2
        if javascript:
            assert page.evaluate(SMALL_TARGETS) == []
            assert _axe_problems(page) == []
        # The chip takes the filter off again.
        page.locator(".chosen a").click()
        page.wait_for_url(re.compile(r"/items\?lang=fr$"))


def test_the_facets_are_a_sidebar_beside_the_results_on_a_wide_screen(live_server, open_page, tmp_path):
    for javascript in (True, False):  # without scripts CSS (::details-content) shows the sidebar
        page = open_page(DESKTOP, javascript)
        page.goto(f"{live_server}/items?lang=en")
        panel, first = page.locator(".facet-panel"), page.locator("ol.hits > li").first
        assert panel.is_visible()
        assert panel.bounding_box()["x"] + panel.bounding_box()["width"] <= first.bounding_box()["x"]
        assert first.bounding_box()["y"] < 400
        assert page.evaluate(SMALL_TARGETS) == []
        if javascript:
            assert _axe_problems(page) == []
        page.screenshot(path=tmp_path / f"sidebar-{javascript}.png")
