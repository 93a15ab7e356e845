"""A live server, headless Chromium (Debian's, driven by Playwright) and screenshots for browser tests."""

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.browser.helpers import axe_problems, overflow
from tests.conftest import TEST_DB

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the machine notes advise: no background traffic, which this closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture
def live_server(app_config):
    """The app served over HTTP on a free local port, CSRF protection on."""
    from app import create_app
    from core.db import db

    app = create_app(app_config | {"WTF_CSRF_ENABLED": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


# What Chromium refused under the site's Content-Security-Policy (core.security_headers) during the current test.
_REFUSED: list[str] = []


def _note_refusal(message) -> None:
    # Chromium reports each violation on the console: "Refused to load the image '…' because it violates the
    # following Content Security Policy directive: …".
    if "Content Security Policy" in message.text:
        _REFUSED.append(f"{message.page.url if message.page else '?'}: {message.text}")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; every context it opens reports CSP violations."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        new_context = chromium.new_context

        def watched_context(**options):
            context = new_context(**options)
            context.on("console", _note_refusal)
            return context

        chromium.new_context = watched_context
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def no_csp_violation():
    """A browser test fails when the site's content policy refused anything its pages asked for."""
    _REFUSED.clear()
    yield
    refused, _REFUSED[:] = list(_REFUSED), []
    assert refused == [], "the Content-Security-Policy refused:\n" + "\n".join(refused)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def open_page(browser):
    """Factory: a page of a new browser context (a device of helpers.DEVICES, a locale, scripts on or off)."""
    contexts = []

    def open_page(device: dict, javascript: bool = True, locale: str = "en-GB"):
        context = browser.new_context(locale=locale, java_script_enabled=javascript, **device)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shots(request, tmp_path_factory):
    """Save a screenshot (the full page unless told), numbered in the order taken, in a folder of the test's
    own under the run's output folder: VITRINE_SCREENSHOTS (then one folder per database, as both run side by
    side), else pytest's basetemp, which keeps the last three runs."""
    chosen = os.environ.get("VITRINE_SCREENSHOTS")
    root = Path(chosen) / TEST_DB if chosen else tmp_path_factory.getbasetemp() / "screenshots"
    folder = root / re.sub(r"[^\w.\[\]-]+", "-", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)  # a test run again starts its folder afresh
    folder.mkdir(parents=True)
    taken = []

    def shoot(page, name: str, full_page: bool = True) -> Path:
        path = folder / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page, scale="css")
        taken.append(path)
        return path

    return shoot


@pytest.fixture
def step(request, shots):
    """Check a step of a journey, then shoot it: the page speaks `lang`, fits its window without sideways
    scrolling, and axe-core finds no serious or critical violation. The long form runs axe at every step; the
    short one (`make test`) skips it where `seen`: a page of a kind checked at another step of the journey, or
    by another short test, in the same language."""
    full = request.node.get_closest_marker("long") is not None

    def check(page, lang: str, name: str, seen: bool = False) -> None:
        assert page.evaluate("document.documentElement.lang") == lang, name
        assert overflow(page) <= 0, (name, overflow(page))
        if full or not seen:
            assert axe_problems(page) == [], name
        shots(page, name)

    return check
