"""The search page as served: results first, facets with their counts in a drawer (a sidebar on wide
screens), the chosen filters shown and kept, cards with sized thumbnails; the staff list likewise."""

import io
import re

import pytest
from flask_babel import force_locale
from PIL import Image

from archive.media import Upload, attach_media
from archive.models import MediaFile
from archive.searching import search_items
from archive.workflow import apply_transition
from core.storage import get_storage

# The search page's rendering; the search behind it is checked on both databases by test_search.
pytestmark = pytest.mark.one_database


@pytest.fixture
def publish(db_session, make_user):
    curator = make_user("curator")

    def publish(item):
        apply_transition(db_session, curator, item, "submit")
        apply_transition(db_session, curator, item, "publish")
        db_session.commit()
        return item

    return publish


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 90, 60)).save(out, "JPEG")
    return out.getvalue()


def test_facets_come_after_the_search_box_in_a_drawer_and_before_nothing_else(client, make_item, publish):
    publish(make_item(reference_code="HN-1", place="vn-ha-noi", type="photo"))
    publish(make_item(reference_code="YB-1", place="vn-yen-bai", type="poster"))
    html = client.get("/items?lang=en").get_data(True)
    drawer = html.index('<details class="facets" id="facets" data-open-wide="(min-width: 56rem)">')
    assert html.index('id="search-q"') < drawer < html.index('<ol class="cards hits">')
    assert 'id="site-q"' not in html  # the page's own search box replaces the header's
    facets = html[drawer : html.index("</details>", html.index('<div class="facet-panel">'))]
    photo = r'href="/items\?lang=en&amp;type=photo"[^>]*><span>Photo</span> <span class="count">1</span>'
    assert re.search(photo, facets)
    assert re.search(r"Hanoi</span> <span class=\"count\">1</span>", facets)
    assert "facets.js" in html and "<summary>" in html


def test_chosen_filters_stay_shown_and_kept_even_when_nothing_is_left(client, make_item, publish):
    publish(make_item(reference_code="HN-1", place="vn-ha-noi", terms=["CRC"]))
    html = client.get("/items", query_string={"lang": "en", "place": "vn-ha-noi", "term": "CAT"}).get_data(True)
    assert "0 items" in html and "No item matches." in html
    chips = html[html.index('<ul class="chosen"') : html.index("</ul>", html.index('<ul class="chosen"'))]
    assert "Place: Hanoi" in chips and "Subject: Convention against Torture" in chips
    assert 'href="/items?lang=en&amp;place=vn-ha-noi"' in chips  # removing the subject keeps the place
    # A new search keeps both filters: the form carries them.
    form = html[html.index('<form id="search-form"') : html.index("</form>", html.index('<form id="search-form"'))]
    assert '<input type="hidden" name="place" value="vn-ha-noi">' in form
    assert '<input type="hidden" name="term" value="CAT">' in form
    assert "2 chosen" in html


def test_the_chosen_filters_of_the_page_object(db_session, make_item, publish):
    publish(make_item(reference_code="HN-1", place="vn-ha-noi"))
    page = search_items(db_session, {"place": ["vn-ha-noi", "vn-hue"], "status": "draft"}, "fr", public=True)
    assert [(name, f.value, f.label, f.count) for name, f in page.chosen] == [
        ("place", "vn-ha-noi", "Hanoï", 0), ("place", "vn-hue", "Hué", 0)]  # fmt: skip
    with force_locale("en"):
        staff = search_items(db_session, {"status": "published"}, "en", public=False)
    assert [(name, f.label, f.count) for name, f in staff.chosen] == [("status", "published", 1)]


def test_cards_carry_sized_thumbnails_and_the_first_ones_load_at_once(client, db_session, make_item, publish):
    first = make_item(reference_code="IMG-0", date="2000")
    upload = Upload("0.jpg", io.BytesIO(_jpeg(1200, 800)))
    [attached] = attach_media(db_session, get_storage(), first.created_by, first, [upload])
    db_session.commit()
    publish(first)
    stored = first.media[0]
    for n in range(1, 6):  # the same file again: its previews exist already, no decoding needed
        item = make_item(reference_code=f"IMG-{n}", date=f"200{n}")
        item.media.append(MediaFile(sha256=stored.sha256, size=stored.size, mime_type=stored.mime_type,
                                    width=stored.width, height=stored.height))  # fmt: skip
        db_session.commit()
        publish(item)
    html = client.get("/items?order=date&lang=en").get_data(True)
    thumb = r'<img class="thumb" src="(/media/\d+/thumb-1\.jpg)" alt="" width="(\d+)" height="(\d+)"( loading="lazy")?>'
    images = re.findall(thumb, html)
    assert len(images) == 6
    assert {(w, h) for _src, w, h, _lazy in images} == {("400", "267")}
    assert [bool(lazy) for *_rest, lazy in images] == [False] * 4 + [True] * 2
    with client.get(images[0][0]) as response:
        assert response.status_code == 200 and Image.open(io.BytesIO(response.get_data())).size == (400, 267)


def test_the_staff_search_uses_the_same_cards_with_status_and_staff_links(login_as, make_item):
    client, _user = login_as("archivist")
    item = make_item(reference_code="STAFF-1", texts={"vi": {"title": "Đồng bào dân tộc thiểu số"}})
    html = client.get("/staff/items", query_string={"q": "dong bao", "lang": "en"}).get_data(True)
    assert f'href="/staff/items/{item.id}"' in html and "status-draft" in html
    assert re.search(r'href="/staff/items\?q=dong\+bao&amp;lang=en&amp;status=draft"', html)
