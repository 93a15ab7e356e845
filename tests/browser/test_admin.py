"""The admin pages in a real browser: an invited person signs in through the link the admin passes on;
a revoked session and a disabled account are refused at their next page; every admin page fits a
phone and passes axe-core (WCAG 2.2 AA) in each language. Screenshots of each step go to the run's
output folder."""

import re

import pytest

from tests.browser.helpers import DESKTOP, PHONE, axe_problems, overflow, sign_in
from tests.conftest import PASSWORD

NEW_PASSWORD = "chiều mưa bên hồ Gươm"


def _signed_out(page, server) -> bool:
    page.goto(f"{server}/staff/items?lang=fr")
    return page.url.startswith(f"{server}/login")


def test_an_invited_person_signs_in_through_the_link(live_server, browser, page, make_user, shots):
    admin = make_user("admin")
    sign_in(page, live_server, admin.email)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/staff/admin/users?lang=fr")
    page.fill("#email", "ngoc.anh@vitrine.test")
    page.select_option("#role", "curator")
    shots(page, "invite-form")
    page.click("form.admin-form button[type=submit]")
    page.wait_for_selector("#account-link")
    assert overflow(page) <= 0 and axe_problems(page) == []
    shots(page, "invitation-link")
    link = page.input_value("#account-link")
    assert link.startswith("http://vitrine.test/account/link/")  # under the configured base URL
    page.click("button[data-copy]")
    page.wait_for_function("() => document.querySelector('.copy-status').textContent.length > 0")

    # The invited person, in a browser of their own, on a phone.
    context = browser.new_context(locale="vi-VN", viewport=PHONE)
    invited = context.new_page()
    invited.goto(live_server + link.removeprefix("http://vitrine.test"))
    assert invited.url == f"{live_server}/account/password/new"  # the token is gone from the address bar
    assert "ngoc.anh@vitrine.test" in invited.content() and overflow(invited) <= 0
    assert axe_problems(invited) == []
    shots(invited, "set-password")
    invited.fill("#password", NEW_PASSWORD)
    invited.fill("#confirmation", NEW_PASSWORD)
    invited.click("form.stack button[type=submit]")
    invited.wait_for_url(f"{live_server}/staff/items")
    assert "ngoc.anh@vitrine.test" in invited.inner_text("header.site")
    shots(invited, "signed-in")

    # The link worked once.
    again = context.new_page()
    again.goto(live_server + link.removeprefix("http://vitrine.test"))
    assert "/account/password/new" not in again.url and again.locator(".error-message").count() == 1
    context.close()


def test_a_revoked_session_and_a_disabled_account_are_refused_at_once(live_server, browser, page, make_user, shots):
    admin, archivist = make_user("admin"), make_user("archivist")
    context = browser.new_context(locale="fr-FR", viewport=PHONE)
    other = context.new_page()
    other.goto(f"{live_server}/login?lang=fr")
    other.fill("#email", archivist.email)
    other.fill("#password", PASSWORD)
    other.check("input[name=remember]")
    other.click("form.stack button[type=submit]")
    other.wait_for_url(f"{live_server}/staff/items")

    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/staff/admin/users/{archivist.id}?lang=fr")
    assert "Firefox" not in page.inner_text(".admin-table") and "Chrome" in page.inner_text(".admin-table")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[action$='/revoke'] button")
    page.wait_for_selector(".flash.success")
    shots(page, "revoked")
    assert _signed_out(other, live_server)  # the very next page: remember-me cookie or not
    shots(other, "refused-after-revoke")

    other.fill("#email", archivist.email)
    other.fill("#password", PASSWORD)
    other.click("form.stack button[type=submit]")
    other.wait_for_url(f"{live_server}/staff/items?lang=fr")  # back where the refusal found it
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[action$='/disable'] button")
    page.wait_for_selector(".flash.success")
    assert "désactivé" in page.inner_text(".facts")
    assert _signed_out(other, live_server)
    other.fill("#email", archivist.email)
    other.fill("#password", PASSWORD)
    other.click("form.stack button[type=submit]")
    assert other.url.startswith(f"{live_server}/login")
    shots(other, "refused-after-disable")
    context.close()


# The short form (make test): a phone in French, the longest words, on the pages with tables and
# forms; the full form (make test-all): every admin page, its lists and its forms, and the figures,
# on a phone and a desktop in each language. On each: no sideways scrolling, and axe finds nothing.
SWEEPS = [
    pytest.param(("fr",), ("phone",), ("/staff/admin/users", "{user}", "/staff/admin/vocabularies", "{term}"),
                 id="short"),
    pytest.param(("vi", "en", "fr"), ("phone", "desktop"),
                 ("/staff/admin", "/staff/admin/users", "{user}", "/staff/admin/vocabularies", "{term}",
                  "/staff/admin/vocabularies/new", "{scheme}", "{new term}", "/staff/admin/venues",
                  "/staff/admin/venues/new", "{venue}", "/staff/admin/bodies", "/staff/admin/bodies/new", "{body}",
                  "/staff/admin/provinces", "/account", "/staff/figures"),
                 id="full", marks=pytest.mark.long),
]  # fmt: skip


def _first_links(page, server: str) -> dict[str, str]:
    """The addresses of a record of each kind, as the admin reaches them from the lists."""
    found = {}
    for name, path, link in [("{term}", "/staff/admin/vocabularies", "table.admin-table a"),
                             ("{scheme}", "/staff/admin/vocabularies", "a[href*='/vocabularies/']:not([href$='/new'])"),
                             ("{new term}", "/staff/admin/vocabularies", "a[href$='/terms/new']"),
                             ("{venue}", "/staff/admin/venues", "table.admin-table a"),
                             ("{body}", "/staff/admin/bodies", "table.admin-table a")]:  # fmt: skip
        if page.url != server + path:
            page.goto(server + path)
        found[name] = page.locator(link).first.get_attribute("href")
    return found


@pytest.mark.parametrize(("langs", "sizes", "paths"), SWEEPS)
def test_the_admin_pages_fit_a_phone_and_a_desktop_and_pass_axe(live_server, page, make_user, shots, langs, sizes,
                                                                paths):  # fmt: skip
    admin = make_user("admin")
    sign_in(page, live_server, admin.email)
    known = _first_links(page, live_server) | {"{user}": f"/staff/admin/users/{admin.id}"}
    for lang in langs:
        for size in sizes:
            page.set_viewport_size(PHONE if size == "phone" else DESKTOP)
            for path in (known.get(p, p) for p in paths):
                page.goto(f"{live_server}{path}?lang={lang}")
                assert page.evaluate("document.documentElement.lang") == lang
                assert overflow(page) <= 0, (lang, size, path, overflow(page))
                assert axe_problems(page) == [], (lang, size, path)
                shots(page, f"{lang}-{size}-{re.sub(r'[^a-z0-9]+', '-', path.strip('/'))}")
