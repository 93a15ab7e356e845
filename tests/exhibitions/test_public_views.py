"""The public online exhibitions: list, landing, section and entry pages, images, languages."""

import io
from datetime import date, timedelta

import pytest

from archive.imaging import render_demo_photo
from archive.media import Upload, attach_media, process_media
from archive.services import set_text
from archive.workflow import apply_transition
from core.storage import get_storage
from exhibitions.composing import archive, publish, update_entry, update_exhibition

# Pages rendered from the reading view, whose queries test_reading_view checks on both databases.
pytestmark = pytest.mark.one_database


@pytest.fixture(autouse=True)
def english(client):
    """The interface in English unless a test asks for a language (assertions read English)."""
    client.set_cookie("vitrine_lang", "en")


@pytest.fixture
def geneva(db_session, curator, make_exhibition):
    """A published exhibition in French first, English second, falling back fr → en → vi."""
    exhibition = make_exhibition(
        sections=1, entries=2, venue="geneva", primary_language="fr", languages=["en"],
        fallback_chain=["fr", "en", "vi"],
        texts={"fr": {"title": "Les droits de l'homme au Viêt Nam", "introduction": "Photos d'archives."},
               "en": {"title": "Human rights in Viet Nam"}, "vi": {"title": "Quyền con người ở Việt Nam"}},
    )  # fmt: skip
    section = exhibition.sections[0]
    section.texts = {"fr": {"title": "Première partie"}, "en": {"title": "Part one"}}
    first, second = exhibition.entries
    update_entry(db_session, curator, first, {"captions": {"fr": "Lecture de la Déclaration d'indépendance"}})
    update_entry(db_session, curator, second, {"captions": {"en": "Only in English"}})
    set_text(db_session, curator, second.item, "fr", {"title": "Titre en français"}, second.item.version)
    publish(db_session, curator, exhibition)
    db_session.commit()
    return exhibition


def _h1(page: str) -> str:
    return page[page.index("<h1") : page.index("</h1>")]


def test_list_groups_by_time_and_hides_drafts(client, db_session, curator, make_exhibition, geneva):
    today = date.today()
    make_exhibition(sections=0, code="DRAFT1")
    upcoming = make_exhibition(sections=1, entries=1, code="UP1", opens_on=(today + timedelta(days=30)).isoformat(),
                               closes_on=(today + timedelta(days=60)).isoformat())  # fmt: skip
    publish(db_session, curator, upcoming)
    update_exhibition(db_session, curator, geneva, {"opens_on": (today - timedelta(days=1)).isoformat(),
                                                    "closes_on": (today + timedelta(days=9)).isoformat()})  # fmt: skip
    db_session.commit()
    page = client.get("/exhibitions?lang=en").get_data(as_text=True)
    assert "Quyền con người ở Cao Bằng" not in page  # the draft's title: drafts are never listed
    on_now, coming = page.index("On now"), page.index("Coming up")
    assert on_now < page.index("Human rights in Viet Nam") < coming < page.index("Human rights in Cao Bang")
    only_geneva = client.get("/exhibitions?venue=geneva&lang=en").get_data(as_text=True)
    assert "Human rights in Viet Nam" in only_geneva and "Human rights in Cao Bang" not in only_geneva


def test_landing_page_in_the_primary_language_with_og_tags(client, geneva):
    client.delete_cookie("vitrine_lang")  # a Vietnamese reader: not a language of this exhibition
    response = client.get(f"/exhibitions/{geneva.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<span lang="fr">Les droits de l&#39;homme au Viêt Nam</span>' in page
    assert 'property="og:title" content="Les droits de l&#39;homme au Viêt Nam"' in page
    assert f'property="og:url" content="http://vitrine.test/exhibitions/{geneva.id}?lang=fr"' in page
    assert 'hreflang="en"' in page and "Première partie" in page
    assert "viber://forward?text=" in page and "facebook.com/sharer/sharer.php?u=http%3A%2F%2Fvitrine.test" in page
    assert 'data-share="zalo"' in page and 'data-share="copy"' in page


def test_texts_fall_back_along_the_chain_and_are_marked(client, geneva):
    first, second = geneva.entries
    page = client.get(f"/exhibitions/{geneva.id}/entries/{second.id}?lang=fr").get_data(as_text=True)
    # No French caption: the chain fr → en → vi takes the English one, marked once, under the title.
    assert '<span lang="en">Only in English</span>' in page
    assert page.count('class="fallback-note"') == 1 and 'class="fallback"' not in _h1(page)
    assert page.index("</h1>") < page.index('class="fallback-note"') < page.index('<span lang="en">Only in English')
    english = client.get(f"/exhibitions/{geneva.id}/entries/{first.id}?lang=en").get_data(as_text=True)
    assert '<span lang="fr">Lecture de la Déclaration d&#39;indépendance</span>' in english


def test_entry_pages_link_previous_and_next(client, geneva):
    first, second = geneva.entries
    page = client.get(f"/exhibitions/{geneva.id}/entries/{first.id}?lang=fr").get_data(as_text=True)
    # The visitor's language holds from page to page without riding on the links.
    assert f'rel="next" href="/exhibitions/{geneva.id}/entries/{second.id}"' in page
    assert 'rel="prev"' not in page
    assert "CB26" not in page and f"{geneva.code}-001" in page
    section = client.get(f"/exhibitions/{geneva.id}/sections/{geneva.sections[0].id}?lang=en")
    assert section.status_code == 200 and "Part one" in section.get_data(as_text=True)


def test_drafts_and_unknown_pages_are_not_found_for_the_public(client, login_as, make_exhibition, geneva):
    draft = make_exhibition(sections=1, entries=1, code="DR26")
    assert client.get(f"/exhibitions/{draft.id}").status_code == 404
    assert client.get(f"/exhibitions/{geneva.id}/entries/999999").status_code == 404
    assert client.get(f"/exhibitions/{geneva.id}/sections/999999").status_code == 404
    assert client.get("/exhibitions/99999999999").status_code == 404
    staff, _user = login_as("curator")
    preview = staff.get(f"/exhibitions/{draft.id}?lang=en").get_data(as_text=True)
    assert "Preview: this exhibition is not published" in preview


def test_a_withdrawn_item_is_a_placeholder_on_public_pages(client, db_session, curator, geneva):
    first, second = geneva.entries
    apply_transition(db_session, curator, second.item, "withdraw", comment="Rights unclear")
    db_session.commit()
    page = client.get(f"/exhibitions/{geneva.id}?lang=fr").get_data(as_text=True)
    assert f'/entries/{first.id}"' in page and f'/entries/{second.id}"' not in page
    assert "Cet élément a été retiré de la consultation publique." in page and "Titre en français" not in page
    gone = client.get(f"/exhibitions/{geneva.id}/entries/{second.id}")
    assert gone.status_code == 410 and "Retiré de la consultation publique" in gone.get_data(True)  # the French chosen
    assert second.item.reference_code not in gone.get_data(True) and "Titre en français" not in gone.get_data(True)


def test_archived_exhibition_shows_what_was_frozen(client, db_session, curator, geneva):
    first = geneva.entries[0]
    archive(db_session, curator, geneva)
    db_session.commit()
    set_text(db_session, curator, first.item, "vi", {"title": "Tiêu đề đã sửa sau khi đóng"}, first.item.version)
    db_session.commit()
    page = client.get(f"/exhibitions/{geneva.id}/entries/{first.id}?lang=vi").get_data(as_text=True)
    assert "status-notice-archived" in page and "Tiêu đề đã sửa sau khi đóng" not in page
    assert "Lecture de la Déclaration" in client.get(f"/exhibitions/{geneva.id}/entries/{first.id}").get_data(True)


def test_images_are_served_only_for_shown_entries(client, db_session, curator, geneva, app):
    item = geneva.entries[0].item
    attached = attach_media(db_session, get_storage(), curator, item,
                            [Upload("photo.jpg", io.BytesIO(render_demo_photo(3, "Ba Đình")))])  # fmt: skip
    db_session.commit()
    process_media(db_session, get_storage(), [a.media for a in attached])
    db_session.commit()
    sha = attached[0].media.sha256
    response = client.get(f"/exhibitions/{geneva.id}/images/{sha}-web.jpg")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
    assert client.get(f"/exhibitions/{geneva.id}/images/{'0' * 64}-web.jpg").status_code == 404
    page = client.get(f"/exhibitions/{geneva.id}").get_data(as_text=True)
    assert f'property="og:image" content="http://vitrine.test/exhibitions/{geneva.id}/images/{sha}-web.jpg"' in page
