"""What the browser tests share: window sizes, signing in, and the checks a page gets (axe-core with the
WCAG 2.2 AA rules, tap targets, sideways scrolling)."""

from urllib.parse import urlsplit

import pytest
from flask import has_app_context
from flask_babel import force_locale, gettext

from tests.conftest import PASSWORD
from tests.npm_tools import AXE_JS, ROOT, require

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Browser contexts (keyword arguments of `browser.new_context`): a phone has touch and a dense screen.
DEVICES = {
    "phone": {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
    "desktop": {"viewport": DESKTOP},
}
# The interface's languages, and the browser locale of a person who reads each.
LOCALES = {"vi": "vi-VN", "en": "en-GB", "fr": "fr-FR"}
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Every control a visitor may tap: links, buttons, summaries and fields, outside running text.
SMALL_TARGETS = """() => [...document.querySelectorAll('a[href], button, summary, select, input:not([type=hidden])')]
  .filter((el) => el.offsetParent !== null && !el.closest('p, .visually-hidden, .skip'))
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([el, box]) => box.width < 24 || box.height < 24)
  .map(([el, box]) => `${el.tagName} "${el.textContent.trim().slice(0, 40)}" ${box.width}×${box.height}`)"""
# Only violations are gathered in full: axe then checks one node per passing rule, twice as fast.
RUN_AXE = "tags => axe.run({runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"


def journey_forms(short: str) -> list:
    """Parameters (lang, size) of a journey: in `short` on a phone for `make test`; in every language on a phone
    and a desktop for `make test-all` (marked long), the short one not run twice."""
    long = pytest.mark.long
    return [pytest.param(lang, size, id=f"{lang}-{size}", marks=() if (lang, size) == (short, "phone") else long)
            for lang in LOCALES for size in DEVICES]  # fmt: skip


def say(lang: str, message: str, **values) -> str:
    """`message` as the interface shows it in `lang`."""
    # Outside an app context Flask-Babel would answer the message itself, in English, in every language.
    assert has_app_context(), "say() needs the test's app context: ask for the `app` fixture"
    with force_locale(lang):
        return gettext(message, **values)


def axe_problems(page) -> list[str]:
    """Serious and critical violations axe-core finds in the page with the WCAG 2.2 AA rules (target size too)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        # The vendored file as the app serves it from static/vendor/: the browser then keeps it compiled in its
        # cache from one page to the next (a fifth of a second a page, against reading it in afresh).
        address, served = urlsplit(page.url), require(AXE_JS).relative_to(ROOT).as_posix()
        if address.scheme.startswith("http"):
            page.add_script_tag(url=f"{address.scheme}://{address.netloc}/{served}")
        else:  # a page written by the test itself
            page.add_script_tag(path=str(require(AXE_JS)))
    result = page.evaluate(RUN_AXE, WCAG_22_AA)
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]
            if v["impact"] in ("serious", "critical")]  # fmt: skip


def overflow(page) -> int:
    """How far the page is wider than the window (a phone would scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def sign_in(page, server: str, email: str, lang: str = "en", password: str = PASSWORD) -> None:
    """Sign in through the login form; the page ends on the staff's first page."""
    page.goto(f"{server}/login?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{server}/staff/items")
