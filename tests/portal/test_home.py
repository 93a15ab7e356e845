"""The home page: exhibitions on now and coming, featured items, and the ways into the archive with counts
that match what the search page then finds; on the demo, as `flask demo load` leaves it."""

import re
from collections import Counter
from datetime import date

import pytest
from markupsafe import escape
from sqlalchemy import select

from archive.media import derivative_path
from archive.models import Item, ItemStatus, Place
from exhibitions.models import Exhibition
from exhibitions.reading import when
from portal.home import country_name, featured_items, home_page, timeline, unit_on

# The demo's home page (the demo runs on SQLite in `make test`, on both in `make test-all`).
pytestmark = pytest.mark.one_database

DAY = date(2026, 12, 7)  # QG25 and CB25 are on, GE27 (Geneva, March 2027) is coming


@pytest.fixture
def database_url(demo_database_url):
    return demo_database_url


@pytest.fixture
def published(db_session) -> list[Item]:
    return list(db_session.scalars(select(Item).where(Item.status == ItemStatus.PUBLISHED)))


def _codes(db_session, tiles) -> list[str]:
    return [db_session.get(Exhibition, tile.card.id).code for tile in tiles]


def test_exhibitions_on_now_and_coming_with_venue_dates_and_country_abroad(app, db_session):
    with app.test_request_context("/?lang=fr"):
        home = home_page(db_session, "fr", DAY)
    assert sorted(_codes(db_session, home.current)) == ["CB25", "QG25"]
    assert _codes(db_session, home.upcoming) == ["GE27"]
    [geneva] = home.upcoming
    assert geneva.abroad and geneva.where == "Genève, Suisse"
    assert (geneva.card.opens_on, geneva.card.closes_on) == (date(2027, 3, 1), date(2027, 4, 9))
    assert not any(tile.abroad for tile in home.current)
    assert {tile.where for tile in home.current} == {"Hanoï", "Cao Bang"}
    # Every tile has a cover, and no two share one although the adaptations open with the framework's item.
    covers = [tile.cover for tile in (*home.current, *home.upcoming)]
    assert all(covers) and len({c.id for c in covers}) == len(covers)
    assert all(derivative_path(c.sha256, "thumb", 1).is_file() for c in covers)


def test_featured_items_are_published_with_thumbnails_on_show_first_and_stable(app, db_session, published):
    with app.test_request_context():
        home = home_page(db_session, "en", DAY)
        again = home_page(db_session, "en", DAY)
    featured = home.featured
    assert len(featured) == 8 and [i.id for i in featured] == [i.id for i in again.featured]
    assert all(i.status == ItemStatus.PUBLISHED for i in featured)
    assert all(derivative_path(i.media[0].sha256, "thumb", 1).is_file() for i in featured)
    # Taken in turn from the exhibitions on now: the first two are the first entries of each.
    on_show = [{entry.item_id for entry in db_session.get(Exhibition, tile.card.id).entries} for tile in home.current]
    firsts = {db_session.get(Exhibition, tile.card.id).entries[0].item_id for tile in home.current}
    assert firsts <= {i.id for i in featured[:2]}
    assert all(i.id in set().union(*on_show) for i in featured[:4])


def test_featured_items_fill_up_with_the_most_recently_dated(app, db_session, published):
    with app.test_request_context():
        chosen = featured_items(db_session, [], limit=3)
    with_images = sorted((i for i in published if i.media), key=lambda i: (i.date_start, i.id), reverse=True)
    assert [i.id for i in chosen] == [i.id for i in with_images[:3]]


def test_counts_of_each_way_are_the_published_items_that_hold_it(app, db_session, published):
    with app.test_request_context():
        home = home_page(db_session, "en", DAY)
    assert home.total == len(published)
    terms = Counter(t.code for i in published for t in i.terms)
    assert {w.value: w.count for g in home.themes for w in g.ways} == dict(terms)
    assert [g.label for g in home.themes][0] == "UN human rights conventions"
    assert next(w for g in home.themes for w in g.ways if w.value == "CRC").note == "CRC"
    types = Counter(str(i.type) for i in published)
    assert {w.value: w.count for w in home.types} == dict(types)
    assert [w.value for w in home.types] == ["photo", "document", "poster", "publication"]  # the form's order
    places = Counter(i.place.code for i in published if i.place)
    shown = {w.value: w.count for g in (*home.provinces, *home.abroad) for w in g.ways}
    assert shown == dict(places)


def test_places_group_the_names_items_carry_under_todays_province(app, db_session):
    with app.test_request_context():
        home = home_page(db_session, "vi", DAY)
    groups = {g.label: g for g in home.provinces}
    # Yên Bái (2003) joined Lào Cai on 1 July 2025: its item keeps its name, under today's Lào Cai.
    lao_cai = groups["Lào Cai"]
    assert [(w.label, w.note) for w in lao_cai.ways] == [("Lào Cai", ""), ("Yên Bái", "đến 30 thg 6, 2025")]
    assert lao_cai.total == 2
    assert [w.label for w in groups["Khánh Hòa"].ways] == ["Ninh Thuận"]
    today = {p.names["vi"] for p in db_session.scalars(select(Place)) if p.kind != "abroad" and p.valid_on(DAY)}
    assert set(groups) <= today and "Yên Bái" not in groups
    abroad = {g.label: [w.label for w in g.ways] for g in home.abroad}
    assert abroad == {"Hoa Kỳ": ["New York"], "Thụy Sĩ": ["Giơ-ne-vơ"], "Thái Lan": ["Băng Cốc"]}


def test_a_unit_is_followed_to_its_successor_of_the_day(db_session):
    places = {p.id: p for p in db_session.scalars(select(Place))}
    by_code = {p.code: p for p in places.values()}
    assert unit_on(by_code["vn-thua-thien-hue"], places, DAY).code == "vn-hue"
    assert unit_on(by_code["vn-thua-thien-hue"], places, date(2024, 6, 1)).code == "vn-thua-thien-hue"
    assert unit_on(by_code["vn-ha-giang"], places, DAY).code == "vn-tuyen-quang"
    assert unit_on(by_code["vn-ha-noi"], places, DAY).code == "vn-ha-noi"


def test_the_timeline_has_every_decade_between_the_first_and_the_last():
    bars = timeline({"1940": 2, "1960": 1, "2020": 8, "2010": 4})
    assert [b.start for b in bars] == list(range(1940, 2030, 10))
    assert [b.count for b in bars][:3] == [2, 0, 1] and bars[-1].share == 1 and bars[-2].share == 0.5
    assert timeline({}) == []


def test_country_names_come_from_the_cldr_in_the_readers_language():
    assert [country_name("CH", lang) for lang in ("vi", "en", "fr")] == ["Thụy Sĩ", "Switzerland", "Suisse"]
    assert country_name("XX", "en") == "XX"
    assert country_name("CH", "tyz") == "Thụy Sĩ"  # no CLDR for Tày: the Vietnamese interface's name


def test_the_page_shows_it_all_and_each_count_is_what_the_link_finds(client, db_session, published):
    html = client.get("/?lang=en").get_data(True)
    today = date.today()
    for exhibition in db_session.scalars(select(Exhibition)):
        title = escape(exhibition.text_for("en").title)
        assert (title in html) == (when(exhibition, today) != "past"), exhibition.code
    assert "Featured items" in html and "By convention and theme" in html and "By decade" in html
    assert 'name="description"' in html and "favicon.svg" in html
    links = re.findall(r'<a href="(/items\?[^"]+)"><span>(?:<abbr>[^<]*</abbr> )?[^<]*(?:<small>[^<]*</small>)?</span> '
                       r'<span class="count">(\d+)</span>', html)  # fmt: skip
    assert len(links) >= 20
    for href, count in links[:: max(1, len(links) // 8)]:  # a sample of each kind: themes, places, types
        found = client.get(href.replace("&amp;", "&") + "&lang=en").get_data(True)
        assert f"{count} item" in found, href
    bar = re.search(r'<a href="(/items\?decade=1940)">', html)
    assert bar and "2 items" in client.get(bar.group(1) + "&lang=en").get_data(True)


def test_old_search_links_to_the_root_still_search(client):
    response = client.get("/?q=quyen&type=photo")
    assert response.status_code == 302
    assert response.headers["Location"] == "/items?q=quyen&type=photo"
    assert client.get("/?lang=fr").status_code == 200
