"""The item form in a real browser: language tabs, keyboard, "add a language", CSRF."""

from sqlalchemy import select

from archive.models import Item
from tests.browser.helpers import sign_in


def test_archivist_adds_a_language_tab_and_saves_texts_in_two_languages(live_server, page, make_user, db_session):
    user = make_user("archivist")
    sign_in(page, live_server, user.email)
    page.goto(f"{live_server}/staff/items/new?lang=en")

    # Only the selected language's panel is shown; arrow keys move between tabs.
    assert page.is_visible("#panel-vi")
    page.fill("#add-lang", "fr")
    page.click("[data-add-language]")
    assert page.get_attribute("#tab-fr", "aria-selected") == "true"
    assert page.is_visible("#panel-fr") and not page.is_visible("#panel-vi")
    assert page.get_attribute("#panel-fr", "lang") == "fr"
    page.fill("#texts-fr-title", "Jour de l'indépendance")
    page.focus("#tab-fr")
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("#tab-vi", "aria-selected") == "true" and page.is_visible("#panel-vi")
    page.fill("#texts-vi-title", "Ngày Độc lập")

    page.fill("#reference_code", "VTR-BR-1")
    page.fill("#date", "1945-09-02")
    page.check("input[name=terms][value=ICCPR]")
    page.click("#item-form > p button[type=submit]")
    page.wait_for_url(f"{live_server}/staff/items/*")
    assert "VTR-BR-1" in page.content()

    db_session.rollback()
    item = db_session.scalar(select(Item).where(Item.reference_code == "VTR-BR-1"))
    assert {t.lang: t.title for t in item.texts} == {"vi": "Ngày Độc lập", "fr": "Jour de l'indépendance"}
    assert [t.code for t in item.terms] == ["ICCPR"]


def test_errors_are_shown_beside_the_fields_without_losing_input(live_server, page, make_user):
    user = make_user("archivist")
    sign_in(page, live_server, user.email)
    page.goto(f"{live_server}/staff/items/new?lang=fr")
    page.fill("#reference_code", "VTR-BR-2")
    page.fill("#date", "1945-13")
    page.fill("#texts-vi-title", "Tiêu đề giữ lại")
    page.click("#item-form > p button[type=submit]")
    assert "n'a pas de mois 13" in page.inner_text(".errors")
    assert page.input_value("#texts-vi-title") == "Tiêu đề giữ lại"
    assert page.input_value("#date") == "1945-13"
