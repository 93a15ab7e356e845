"""Behaviours from static scripts reading data- attributes, in a real browser: confirm dialogs in
French (whose apostrophes broke the old inline handlers), a venue filter that sends itself, and
the labels' print button."""

import io

from flask_babel import force_locale, gettext
from PIL import Image

from archive.media import Upload, attach_media
from archive.models import Item
from core.storage import get_storage
from exhibitions.composing import publish
from exhibitions.models import Exhibition
from tests.browser.helpers import axe_problems, sign_in


def _french(message: str) -> str:
    with force_locale("fr"):
        return gettext(message)


def _answer_next_dialog(page, accept: bool) -> list:
    """Answer the next dialog (accept or dismiss) and note what it asked."""
    seen = []

    def answer(dialog):
        seen.append((dialog.type, dialog.message))
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)
    return seen


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(out, "PNG")
    return out.getvalue()


def test_removing_a_file_asks_in_french_with_its_apostrophes(live_server, page, make_item, db_session):
    item = make_item()
    attach_media(db_session, get_storage(), item.created_by, item, [Upload("tuyen-ngon.png", io.BytesIO(_png()))])
    db_session.commit()
    question = _french("Remove this file from the item? The original stays in storage.")
    assert "l'" in question  # the apostrophe the inline handler used to choke on
    sign_in(page, live_server, item.created_by.email)
    page.goto(f"{live_server}/staff/items/{item.id}?lang=fr")
    remove = "form[action$='/delete'] button"

    seen = _answer_next_dialog(page, accept=False)
    page.click(remove)
    assert seen == [("confirm", question)]
    page.reload()  # nothing was sent: the file is still there
    db_session.rollback()
    assert [m.original_name for m in db_session.get(Item, item.id).media] == ["tuyen-ngon.png"]

    seen = _answer_next_dialog(page, accept=True)
    with page.expect_navigation():
        page.click(remove)
    assert seen == [("confirm", question)]
    db_session.rollback()
    assert db_session.get(Item, item.id).media == []
    assert page.locator(remove).count() == 0


def test_removing_a_section_asks_first_in_french(live_server, page, make_user, make_exhibition, db_session):
    curator = make_user("curator")
    exhibition = make_exhibition(sections=2, entries=1, user=curator)
    first, second = (s.id for s in exhibition.sections)
    sign_in(page, live_server, curator.email)
    page.goto(f"{live_server}/staff/exhibitions/{exhibition.id}?lang=fr")
    remove = f"#section-{first} form[action$='/delete'] button"

    seen = _answer_next_dialog(page, accept=False)
    page.click(remove)
    assert seen == [("confirm", _french("Remove this section and its panels?"))]
    page.reload()
    db_session.rollback()
    assert [s.id for s in db_session.get(Exhibition, exhibition.id).sections] == [first, second]

    seen = _answer_next_dialog(page, accept=True)
    with page.expect_navigation():
        page.click(remove)
    assert len(seen) == 1
    db_session.rollback()
    assert [s.id for s in db_session.get(Exhibition, exhibition.id).sections] == [second]
    assert page.locator(f"#section-{first}").count() == 0


def test_choosing_a_venue_filters_the_list_at_once(live_server, page, make_exhibition, db_session, curator):
    cao_bang = make_exhibition(sections=1, entries=1)
    geneva = make_exhibition(sections=1, entries=1, venue="geneva", code="GE26",
                             texts={"vi": {"title": "Quyền con người ở Giơ-ne-vơ"},
                                    "en": {"title": "Human rights in Geneva"}})  # fmt: skip
    for exhibition in (cao_bang, geneva):
        publish(db_session, curator, exhibition)
    db_session.commit()
    page.goto(f"{live_server}/exhibitions?lang=en")
    assert page.is_visible("text=Human rights in Cao Bang") and page.is_visible("text=Human rights in Geneva")
    assert not page.is_visible(".filters button[type=submit]")  # the <noscript> button: scripts run here
    with page.expect_navigation():
        page.select_option("select[name=venue]", "geneva")
    assert "venue=geneva" in page.url
    assert page.is_visible("text=Human rights in Geneva") and not page.is_visible("text=Human rights in Cao Bang")


def test_the_print_button_shows_and_prints(live_server, page, make_user, make_exhibition):
    curator = make_user("curator")
    exhibition = make_exhibition(sections=1, entries=1, user=curator)
    sign_in(page, live_server, curator.email)
    page.goto(f"{live_server}/staff/exhibitions/{exhibition.id}/labels?format=a5&lang=en")
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    assert page.is_visible("button[data-print]")
    page.click("button[data-print]")
    assert page.evaluate("window.printed") == 1


def test_an_import_page_follows_its_job_and_shows_the_report(live_server, page, app, make_user):
    from archive import import_jobs

    app.config["IMPORT_JOBS"] = "worker"  # queued by the test's app: it waits for the test to run it
    archivist = make_user("archivist")
    csv = "reference_code,type,title_vi\nIJB-001,photo,Ảnh một\nIJB-002,painting,Loại sai\n"
    with app.test_request_context("/?lang=en"):
        job_id = import_jobs.queue_import(archivist.id, ("items.csv", io.BytesIO(csv.encode())), None, False, app)
    sign_in(page, live_server, archivist.email)
    page.goto(f"{live_server}/staff/import/{job_id}?lang=en")
    assert page.locator("[data-import-status]").count() == 1
    assert axe_problems(page) == []
    import_jobs.run_pending(app)  # a worker takes it; the page notices without being reloaded by hand
    page.wait_for_selector(".import-report", timeout=10_000)
    assert "1 item imported." in page.content() and "IJB-002" in page.content()
    assert axe_problems(page) == []
