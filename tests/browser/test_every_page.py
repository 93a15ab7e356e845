"""axe-core (WCAG 2.2 AA) on every page of the demo, public and staff, in each language on a phone and a desktop:
no serious or critical violation, and nothing wider than the phone. Long: its short forms are the journeys, the
admin sweep and the home page's tests, which check the pages they cross in `make test`."""

import re

import pytest
from sqlalchemy import select

from archive.demo import DEMO_PASSWORD
from archive.models import Item, ItemStatus
from exhibitions.models import Exhibition
from tests.browser.helpers import DESKTOP, PHONE, axe_problems, overflow, sign_in

PUBLIC = ["/", "/items", "/items?q=Cao+B%E1%BA%B1ng&type=photo", "{item}", "/exhibitions",
          "/exhibitions?venue=geneva", "{exhibition}", "{section}", "{entry}", "{book}", "/q", "/q/ZZ99-999",
          "/items/2147483647", "/login"]  # fmt: skip
STAFF = ["/staff/items", "/staff/items?status=draft", "{staff item}", "{draft item}", "{edit item}", "/staff/items/new",
         "/staff/review", "/staff/import", "/staff/exhibitions", "{composer}", "{settings}", "/staff/exhibitions/new",
         "{panel}", "{section form}", "{labels}", "{labels}?format=a4", "{labels}?format=sheet", "{publish}",
         "{history}", "{derive}", "{differences}"]  # fmt: skip


@pytest.fixture
def database_url(demo_database_url):
    return demo_database_url


def _addresses(db_session) -> dict[str, str]:
    """The demo's records behind the placeholders: Cao Bằng's exhibition (derived from the national framework),
    a published item, and a draft with its photo."""
    cao_bang = db_session.scalar(select(Exhibition).where(Exhibition.code == "CB25"))
    staff = f"/staff/exhibitions/{cao_bang.id}"
    item = db_session.scalar(select(Item).where(Item.status == ItemStatus.PUBLISHED, Item.media.any()).limit(1))
    draft = db_session.scalar(select(Item).where(Item.status == ItemStatus.DRAFT, Item.media.any()).limit(1))
    section, entry = cao_bang.sections[0], cao_bang.entries[0]
    addresses = {
        "{item}": f"/items/{item.id}", "{exhibition}": f"/exhibitions/{cao_bang.id}",
        "{section}": f"/exhibitions/{cao_bang.id}/sections/{section.id}",
        "{entry}": f"/exhibitions/{cao_bang.id}/entries/{entry.id}", "{book}": f"/exhibitions/{cao_bang.id}/book",
        "{staff item}": f"/staff/items/{item.id}", "{draft item}": f"/staff/items/{draft.id}",
        "{edit item}": f"/staff/items/{draft.id}/edit", "{composer}": staff, "{settings}": f"{staff}/edit",
        "{panel}": f"{staff}/entries/{entry.id}", "{section form}": f"{staff}/sections/{section.id}",
        "{labels}": f"{staff}/labels", "{publish}": f"{staff}/publish", "{history}": f"{staff}/history",
        "{derive}": f"/staff/exhibitions/{cao_bang.derived_from_id}/derive", "{differences}": f"{staff}/differences",
    }  # fmt: skip
    db_session.rollback()
    return addresses


def _address(addresses: dict[str, str], path: str, lang: str) -> str:
    path = re.sub(r"\{[^}]+\}", lambda match: addresses[match.group()], path)
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


@pytest.mark.long
def test_every_page_passes_axe_and_fits_a_phone(live_server, page, db_session, shots):
    addresses = _addresses(db_session)
    for signed_in, group in ((False, PUBLIC), (True, STAFF)):
        if signed_in:
            sign_in(page, live_server, "admin@vitrine.test", password=DEMO_PASSWORD)
        for lang in ("vi", "en", "fr"):
            for size in ("phone", "desktop"):
                page.set_viewport_size(PHONE if size == "phone" else DESKTOP)
                for path in group:
                    page.goto(live_server + _address(addresses, path, lang))
                    assert page.evaluate("document.documentElement.lang") == lang, (path, lang)
                    assert overflow(page) <= 0, (path, lang, size, overflow(page))
                    assert axe_problems(page) == [], (path, lang, size)
                    shots(page, f"{lang}-{size}-{re.sub(r'[^a-z0-9]+', '-', page.url.split('/', 3)[3])[:60]}")
