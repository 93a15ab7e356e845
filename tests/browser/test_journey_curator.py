"""A curator's journey, clicked through in Chromium: she makes a French exhibition for Geneva (no Vietnamese
title asked for), adds a section and two panels with items found by search, gives a panel a French title of
its own, publishes, opens the labels (warned that the base URL is this computer's), moves a panel and
renumbers. Each step is checked (language, fit, axe) and shot: the `step` fixture."""

import pytest
from sqlalchemy import select

from exhibitions.models import Exhibition
from tests.browser.helpers import DEVICES, LOCALES, journey_forms, say
from tests.conftest import PASSWORD

OWN_TITLE = "Une classe au village, à Cao Bằng"


@pytest.fixture
def app_config(app_config):
    """No public base URL configured: the built-in default, which the staff pages must warn about."""
    return {name: value for name, value in app_config.items() if name != "BASE_URL"}


@pytest.fixture
def archive_items(published_item):
    """Two published items: one with a French title, one without (its panel gets a title of its own)."""
    upr = published_item(reference_code="VTR-PH-2019-021", place="geneva", texts={
        "vi": {"title": "Báo cáo quốc gia UPR chu kỳ III"}, "en": {"title": "Third-cycle UPR national report"},
        "fr": {"title": "Rapport national du troisième cycle de l'EPU"}})  # fmt: skip
    village = published_item(reference_code="VTR-PH-1993-006", place="vn-cao-bang", texts={
        "vi": {"title": "Lớp học cắm bản ở Cao Bằng"}, "en": {"title": "A village class in Cao Bang"}})  # fmt: skip
    return upr, village


def _add_found_item(page, lang: str, query: str, reference_code: str) -> None:
    """Search the archive from the composer and add the result with this reference code to the first section."""
    page.fill("#item-q", query)
    page.locator("#add-items").get_by_role("button", name=say(lang, "Search")).click()
    found = page.locator(".search-results li", has=page.locator("code", has_text=reference_code))
    with page.expect_navigation():
        found.get_by_role("button", name=say(lang, "Add")).click()


def _panels(page) -> list[tuple[str, str]]:
    """(panel heading, reference code) of each panel, in the composer's order."""
    entries = page.locator(".composer-entries > li")
    return [(entries.nth(n).locator("strong").inner_text(), entries.nth(n).locator("code").first.inner_text())
            for n in range(entries.count())]  # fmt: skip


@pytest.mark.parametrize(("lang", "size"), journey_forms("fr"))
def test_a_curator_makes_a_french_exhibition_publishes_prints_and_renumbers(live_server, open_page, make_user,
                                                                            db_session, archive_items, step, lang,
                                                                            size):  # fmt: skip
    curator = make_user("curator")
    page = open_page(DEVICES[size], locale=LOCALES[lang])
    page.goto(f"{live_server}/login")
    page.fill("#email", curator.email)
    page.fill("#password", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(f"{live_server}/staff/items")
    page.locator("nav.main").get_by_role("link", name=say(lang, "Curate")).click()
    page.wait_for_url(f"{live_server}/staff/exhibitions")  # the check below reads the page it leads to
    step(page, lang, "exhibitions")

    # A French exhibition for Geneva: its title in French only.
    page.locator("main").get_by_role("link", name=say(lang, "New exhibition")).click()
    page.select_option("#venue", "geneva")
    page.fill("#code", "GE26")
    page.fill("#opens_on", "2026-06-15")
    page.fill("#closes_on", "2026-07-10")
    page.fill("#primary_language", "fr")
    page.fill("#languages", "en")
    page.fill("#fallback_chain", "en, vi")
    page.fill("#texts-primary-title", "Le Viêt Nam et les droits de l'homme")
    page.fill("#texts-primary-introduction", "Photos et documents d'archives présentés à Genève.")
    step(page, lang, "new-exhibition")
    page.get_by_role("button", name=say(lang, "Save")).click()
    page.wait_for_url(f"{live_server}/staff/exhibitions/*")
    assert page.locator("h1 span[lang=fr]").inner_text() == "Le Viêt Nam et les droits de l'homme"
    step(page, lang, "composer", seen=True)

    page.fill("#section-fr-title", "Les engagements internationaux")
    page.get_by_role("button", name=say(lang, "Add the section")).click()
    page.wait_for_selector(".composer-section")
    _add_found_item(page, lang, "EPU", "VTR-PH-2019-021")
    step(page, lang, "found-and-added")
    _add_found_item(page, lang, "Cao Bang", "VTR-PH-1993-006")
    assert [code for _heading, code in _panels(page)] == ["VTR-PH-2019-021", "VTR-PH-1993-006"]

    # The second item has no French title: this panel gets one, for this exhibition only.
    page.locator(".composer-entries > li").nth(1).get_by_role("link", name=say(lang, "Edit"), exact=True).click()
    page.fill("#title-fr-text", OWN_TITLE)
    step(page, lang, "panel-title")
    page.get_by_role("button", name=say(lang, "Save")).click()
    page.wait_for_url(f"{live_server}/staff/exhibitions/*")
    assert page.locator(".composer-entries > li").nth(1).locator("span[lang=fr]").inner_text() == OWN_TITLE

    page.get_by_role("link", name=say(lang, "Check and publish")).click()
    page.wait_for_url(f"{live_server}/staff/exhibitions/*/publish")  # a check during the navigation finds no page
    step(page, lang, "before-publishing")
    page.get_by_role("button", name=say(lang, "Publish the exhibition")).click()
    page.wait_for_selector(".flash")
    step(page, lang, "published", seen=True)

    # The labels: printed codes would lead nowhere while the base URL is this computer's, and the page says so.
    page.locator("nav.actions").get_by_role("link", name="A5", exact=True).click()
    page.wait_for_selector(".base-url-warning", state="visible")
    assert "127.0.0.1:5000" in page.locator(".base-url-warning").inner_text()
    assert page.locator(".label h2[lang=fr]").all_inner_texts() == [
        "Rapport national du troisième cycle de l'EPU", OWN_TITLE]  # fmt: skip
    step(page, lang, "labels")

    # The second panel first, then new numbers: those printed on the labels stay with their panels.
    page.get_by_role("link", name=say(lang, "Back to the exhibition")).click()
    second = page.locator(".composer-entries > li").nth(1)
    with page.expect_navigation():
        second.get_by_role("button", name=say(lang, "Up"), exact=True).click()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name=say(lang, "Renumber the panels")).click()
    step(page, lang, "renumbered")
    panel = say(lang, "Panel %(number)s", number="{}")
    assert _panels(page) == [(panel.format(2), "VTR-PH-1993-006"), (panel.format(3), "VTR-PH-2019-021")]
    db_session.rollback()
    exhibition = db_session.scalar(select(Exhibition).where(Exhibition.code == "GE26"))
    assert exhibition.status == "published" and [t.lang for t in exhibition.texts] == ["fr"]
    upr = next(entry for entry in exhibition.entries if entry.item.reference_code == "VTR-PH-2019-021")
    page.goto(f"{live_server}/q/GE26-001")  # the code printed on its first label
    assert page.url.endswith(f"/exhibitions/{exhibition.id}/entries/{upr.id}")
