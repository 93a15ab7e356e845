"""The language policy on the exhibitions' pages and short links, as visitors meet it (core.language_policy):
a German browser, a French phone scanning a code printed for Tày, a visitor who chose French, a typed
panel code; one switcher, one marker per record, and a link's language that is never remembered."""

import re

import pytest

from exhibitions.composing import publish, update_entry
from exhibitions.models import QrTarget
from exhibitions.qr import link_for

# Which language a page is shown in; the records behind it are read by queries checked on both databases.
pytestmark = pytest.mark.one_database

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}
GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}


@pytest.fixture
def cao_bang(db_session, curator, make_exhibition):
    """A published exhibition in Vietnamese, Tày, French and English; panel 3 has no French caption."""
    exhibition = make_exhibition(
        sections=1, entries=3, code="LT26", languages=["tyz", "fr", "en"], fallback_chain=["vi"],
        texts={"vi": {"title": "Quyền con người ở Cao Bằng"}, "tyz": {"title": "Slư quyền cần ở Cao Bằng"},
               "fr": {"title": "Les droits humains à Cao Bang"}, "en": {"title": "Human rights in Cao Bang"}},
    )  # fmt: skip
    for number, entry in enumerate(exhibition.entries, start=1):
        captions = {"vi": f"Chú thích {number}", "tyz": f"Tày {number}", "en": f"Caption {number}"}
        if number < 3:
            captions["fr"] = f"Légende {number}"
        update_entry(db_session, curator, entry, {"captions": captions})
    publish(db_session, curator, exhibition)
    db_session.commit()
    return exhibition


def _code(db_session, exhibition, entry, lang):
    code = link_for(db_session, exhibition, QrTarget.ENTRY, entry.id, lang).code
    db_session.commit()
    return code


def _cookie(client):
    return client.get_cookie("vitrine_lang")


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_german_browser_lands_in_english(client, cao_bang):
    page = _page(client.get(f"/exhibitions/{cao_bang.id}", headers=GERMAN))
    assert '<html lang="en">' in page and '<span lang="en">Human rights in Cao Bang</span>' in page
    entry = _page(client.get(f"/exhibitions/{cao_bang.id}/entries/{cao_bang.entries[0].id}", headers=GERMAN))
    assert '<html lang="en">' in entry and '<span lang="en">Caption 1</span>' in entry
    assert _cookie(client) is None  # nothing chosen, nothing remembered


def test_a_french_phone_scanning_a_code_printed_for_tay_reads_tay_with_french_one_tap_away(client, db_session,
                                                                                        cao_bang):  # fmt: skip
    first, second, third = cao_bang.entries
    scan = client.get(f"/q/{_code(db_session, cao_bang, first, 'tyz')}", headers=FRENCH)
    assert scan.status_code == 302 and scan.headers["Location"].endswith(f"/entries/{first.id}?link_lang=tyz")
    page = _page(client.get(scan.headers["Location"], headers=FRENCH))
    # Tày texts in a Vietnamese interface (no Tày catalogue), and French offered in French, in one tap.
    assert '<html lang="vi">' in page and '<span lang="tyz">Tày 1</span>' in page
    offer = re.search(r'<p class="language-offer"><a href="([^"]+)" hreflang="fr" lang="fr">([^<]+)</a>', page)
    assert offer and offer.group(2) == "Lire en français" and offer.group(1).endswith("?lang=fr")
    assert _cookie(client) is None  # the printed language is never the remembered choice
    # It holds for the rest of the visit: the next panel, reached by a link that carries no language.
    assert f'rel="next" href="/exhibitions/{cao_bang.id}/entries/{second.id}"' in page
    following = _page(client.get(f"/exhibitions/{cao_bang.id}/entries/{second.id}", headers=FRENCH))
    assert '<span lang="tyz">Tày 2</span>' in following and "Lire en français" in following
    assert _cookie(client) is None
    # The tap is a choice: remembered, and French from then on.
    chosen = _page(client.get(offer.group(1), headers=FRENCH))
    assert '<html lang="fr">' in chosen and '<span lang="fr">Légende 1</span>' in chosen
    assert _cookie(client).value == "fr" and 'class="language-offer"' not in chosen


def test_a_visitor_who_chose_french_reads_french_on_every_panel_that_has_it(client, db_session, cao_bang):
    first, second, third = cao_bang.entries
    _page(client.get(f"/exhibitions/{cao_bang.id}?lang=fr"))
    assert _cookie(client).value == "fr"
    for number, entry in enumerate((first, second), start=1):
        page = _page(client.get(f"/exhibitions/{cao_bang.id}/entries/{entry.id}"))
        assert '<html lang="fr">' in page and f'<span lang="fr">Légende {number}</span>' in page
    # Panel 3 has no French caption (and its item no French title): the exhibition's chain gives the Vietnamese
    # ones, marked once for the panel, under its title and not inside it.
    third_page = _page(client.get(f"/exhibitions/{cao_bang.id}/entries/{third.id}"))
    assert '<span lang="vi">Chú thích 3</span>' in third_page and third_page.count('class="fallback-note"') == 1
    heading = third_page[third_page.index("<h1") : third_page.index("</h1>")]
    assert "fallback" not in heading and "Pas encore traduit en français : affiché en vietnamien." in third_page
    # A code printed for Tày does not undo a choice: the remembered French wins.
    scanned = client.get(f"/q/{_code(db_session, cao_bang, first, 'tyz')}", follow_redirects=True)
    assert '<span lang="fr">Légende 1</span>' in _page(scanned) and _cookie(client).value == "fr"


@pytest.mark.parametrize(("headers", "interface", "caption"), [
    (FRENCH, "fr", '<span lang="fr">Légende 2</span>'),
    ({"Accept-Language": "en-GB,en;q=0.8"}, "en", '<span lang="en">Caption 2</span>'),
    ({"Accept-Language": "vi"}, "vi", '<span lang="vi">Chú thích 2</span>'),
])  # fmt: skip
def test_a_typed_panel_code_follows_the_browser(client, cao_bang, headers, interface, caption):
    second = cao_bang.entries[1]
    for typed in ("/q?code=lt26-002", "/q/LT26-002"):
        response = client.get(typed, headers=headers)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/entries/{second.id}")
        page = _page(client.get(response.headers["Location"], headers=headers))
        assert f'<html lang="{interface}">' in page and caption in page
    assert _cookie(client) is None


def test_one_switcher_lists_the_pages_languages_and_marks_the_visitors(client, cao_bang):
    page = _page(client.get(f"/exhibitions/{cao_bang.id}?lang=tyz"))
    assert page.count('<nav class="languages"') == 1 and "exhibit-languages" not in page
    switcher = page[page.index('<nav class="languages"') : page.index("</nav>", page.index('<nav class="languages"'))]
    assert re.findall(r'hreflang="([^"]+)"', switcher) == ["vi", "tyz", "fr", "en"]
    assert re.findall(r'hreflang="([^"]+)" aria-current', switcher) == ["tyz"]
    assert ">Tày<" in switcher and ">Français<" in switcher and ">Tiếng Việt<" in switcher


def test_share_links_carry_the_pages_language_as_a_links_not_as_a_choice(client, cao_bang):
    page = _page(client.get(f"/exhibitions/{cao_bang.id}/entries/{cao_bang.entries[0].id}?lang=tyz"))
    viber = re.search(r'href="viber://forward\?text=([^"]+)"', page).group(1)
    assert "link_lang%3Dtyz" in viber and "lang%3Dtyz" not in viber.replace("link_lang%3Dtyz", "")
    shared = client.get(f"/exhibitions/{cao_bang.id}/entries/{cao_bang.entries[0].id}?link_lang=tyz", headers=FRENCH)
    assert '<span lang="tyz">Tày 1</span>' in _page(shared)


def test_a_chosen_language_stays_in_the_switcher_of_pages_without_it(client, cao_bang):
    _page(client.get(f"/exhibitions/{cao_bang.id}?lang=tyz"))
    search = client.get("/items")
    page = _page(search)
    switcher = page[page.index('<nav class="languages"') : page.index("</nav>", page.index('<nav class="languages"'))]
    assert re.findall(r'hreflang="([^"]+)"', switcher) == ["vi", "en", "fr", "tyz"]
    assert re.findall(r'hreflang="([^"]+)" aria-current', switcher) == ["tyz"] and '<html lang="vi">' in page
    assert {"Accept-Language", "Cookie"} <= set(search.vary)
