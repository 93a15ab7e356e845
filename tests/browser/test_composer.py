"""The composer in a real browser: reordering panels from the keyboard and by drag and drop."""

from exhibitions.composing import publish
from exhibitions.models import Exhibition
from tests.browser.helpers import sign_in

SAVED = "() => document.querySelector('.order-status').textContent.includes('New order saved')"


def _then_saved(page, action):
    page.evaluate("document.querySelector('.order-status').textContent = ''")
    action()
    page.wait_for_function(SAVED)


def _order(db_session, exhibition_id):
    db_session.rollback()
    return [[e.id for e in s.entries] for s in db_session.get(Exhibition, exhibition_id).sections]


def test_keyboard_and_drag_and_drop_reorder_panels(live_server, page, make_user, make_exhibition, db_session):
    curator = make_user("curator")
    exhibition = make_exhibition(sections=2, entries=2, user=curator)
    (a, b), (c, d) = _order(db_session, exhibition.id)
    sign_in(page, live_server, curator.email)
    page.goto(f"{live_server}/staff/exhibitions/{exhibition.id}?lang=en")

    page.focus(f"#entry-{a}")
    _then_saved(page, lambda: page.keyboard.press("Alt+ArrowDown"))
    assert _order(db_session, exhibition.id) == [[b, a], [c, d]]
    assert page.evaluate("document.activeElement.id") == f"entry-{a}"
    _then_saved(page, lambda: page.keyboard.press("Alt+ArrowDown"))  # past the end: first of section 2
    assert _order(db_session, exhibition.id) == [[b], [a, c, d]]

    _then_saved(page, lambda: page.drag_and_drop(f"#entry-{d}", f"#entry-{b}"))
    order = _order(db_session, exhibition.id)
    assert d in order[0] and sorted(order[0] + order[1]) == sorted([a, b, c, d]) and len(order[1]) == 2


def test_public_entry_page_fits_a_phone(live_server, browser, make_exhibition, db_session, curator):
    exhibition = make_exhibition(sections=1, entries=2)
    publish(db_session, curator, exhibition)
    db_session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", is_mobile=True)
    phone = context.new_page()
    entry = exhibition.entries[0]
    phone.goto(f"{live_server}/exhibitions/{exhibition.id}/entries/{entry.id}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.is_visible("a[data-share=zalo]") and phone.is_visible("a[data-share=viber]")
    assert phone.is_visible("#panel-code")
    # The e-book's download page: the download is the first thing a thumb reaches.
    phone.goto(f"{live_server}/exhibitions/{exhibition.id}/book?lang=vi")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    download = phone.locator(".downloads a")
    assert download.is_visible() and download.get_attribute("href").endswith("/book-vi.epub")
    assert download.bounding_box()["y"] < 740
    context.close()
