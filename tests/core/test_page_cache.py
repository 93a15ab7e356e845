"""The cache of public answers (core.page_cache): kept for the anonymous public and answered again with an ETag,
replaced at the next request after any change of public content — on a second app instance sharing the database
too —, never mixing languages, never kept for staff or with a visitor's own cookie or form token; its bound."""

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from app import create_app
from archive.services import set_text
from archive.workflow import apply_transition
from core.db import db
from core.page_cache import PageCache, content_generation, page_cache, public_page
from core.search import apply_pending, search_index
from exhibitions import qr, takedown
from exhibitions.composing import publish
from exhibitions.models import QrScanDay, QrTarget
from tests.conftest import VitrineTestClient, app_settings, data_dir

CACHE = {"PAGE_CACHE_BYTES": 4 * 1024 * 1024, "PAGE_CACHE_SECONDS": 300}


@pytest.fixture
def app_config(app_config):
    return app_config | CACHE


@pytest.fixture
def item(published_item):
    return published_item(texts={"vi": {"title": "Ảnh Cao Bằng 1954"}, "en": {"title": "Cao Bang photo, 1954"},
                                 "fr": {"title": "Photo de Cao Bang, 1954"}})  # fmt: skip


def _get(client, path, **headers):
    return client.get(path, headers={"Accept-Language": "vi", **headers})


def test_an_answer_is_kept_for_the_public_and_answered_again_with_its_etag(app, client, item):
    cache = page_cache(app)
    first = _get(client, f"/items/{item.id}")
    assert first.status_code == 200 and first.headers["ETag"] and "Set-Cookie" not in first.headers
    again = _get(app.test_client(), f"/items/{item.id}")
    assert cache.hits == 1 and again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert "Accept-Language" in again.headers["Vary"]
    unchanged = _get(client, f"/items/{item.id}", **{"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and not unchanged.get_data()
    assert client.head(f"/items/{item.id}", headers={"Accept-Language": "vi"}).status_code == 200
    api = [client.get(f"/api/v1/items/{item.id}") for _ in range(2)]
    assert api[0].get_json() == api[1].get_json() and cache.hits == 4


def test_a_change_publish_or_withdrawal_shows_at_the_next_request(app, client, db_session, curator, item,
                                                                  published_item):  # fmt: skip
    path = f"/items/{item.id}"
    assert "Ảnh Cao Bằng 1954" in _get(client, path).get_data(as_text=True)
    generation = content_generation(db_session)
    set_text(db_session, curator, item, "vi", {"title": "Ảnh Cao Bằng, sửa lại"}, item.version)
    db_session.commit()
    assert content_generation(db_session) == generation + 1
    assert "Ảnh Cao Bằng, sửa lại" in _get(client, path).get_data(as_text=True)
    listed = _get(client, "/api/v1/items").get_json()["total"]
    published_item()
    assert _get(client, "/api/v1/items").get_json()["total"] == listed + 1
    apply_transition(db_session, curator, item, "withdraw", "Tranh chấp quyền tác giả")
    db_session.commit()
    assert _get(client, path).status_code == 410


def test_a_search_page_made_before_the_index_caught_up_is_made_again_once_it_has(app, db_session, published_item):
    app.config["SEARCH_APPLY"] = "worker"  # the outbox waits, as it does between a commit and its application
    search_index(app).ensure()
    published_item(texts={"vi": {"title": "Tranh cổ động Điện Biên"}})
    path = "/api/v1/search?q=dien+bien"
    assert _get(app.test_client(), path).get_json()["total"] == 0  # the index has not caught up: kept so
    assert _get(app.test_client(), path).get_json()["total"] == 0 and page_cache(app).hits == 1
    apply_pending(app)  # no public table changes: only the index's version says so
    assert _get(app.test_client(), path).get_json()["total"] == 1


def test_writes_that_change_no_public_page_keep_the_generation(app, client, db_session, item, login_as):
    generation = content_generation(db_session)
    login_as("archivist")  # a user, a session record, an audit event
    db_session.commit()
    assert content_generation(db_session) == generation


def test_a_takedown_on_another_instance_shows_at_the_next_request(app, request, tmp_path, db_session, curator,
                                                                  make_user, make_exhibition):  # fmt: skip
    exhibition = make_exhibition(sections=1, entries=1)
    publish(db_session, curator, exhibition)
    db_session.commit()
    # A second web machine: its own data folder and cache, the same database.
    other = create_app(app_settings(data_dir(tmp_path / "other"), app.config["SQLALCHEMY_DATABASE_URI"]) | CACHE)
    other.test_client_class = VitrineTestClient
    try:
        there = other.test_client()
        for _ in range(2):
            assert _get(there, f"/exhibitions/{exhibition.id}").status_code == 200
        assert page_cache(other).hits == 1
        takedown.take_down(db_session, make_user("admin"), exhibition, "Chưa có sự đồng ý của gia đình")
        db_session.commit()
        assert _get(there, f"/exhibitions/{exhibition.id}").status_code == 410
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_qr_code_remembered_counts_every_scan_and_follows_a_takedown_at_once(app, db_session, curator, make_user,
                                                                              make_exhibition):  # fmt: skip
    exhibition = make_exhibition(sections=1, entries=1)
    publish(db_session, curator, exhibition)
    db_session.commit()
    code = qr.link_for(db_session, exhibition, QrTarget.EXHIBITION, None).code
    db_session.commit()
    for phone in ("one", "two", "three", "three"):
        scan = app.test_client().get(f"/q/{code}", headers={"User-Agent": phone})
        assert scan.headers["Location"] == f"/exhibitions/{exhibition.id}?link_lang=vi"
    assert page_cache(app).memos["qr"][1][code].link_id  # where it leads was read once
    db_session.rollback()
    assert db_session.scalar(select(func.sum(QrScanDay.count))) == 3
    takedown.take_down(db_session, make_user("admin"), exhibition, "Chưa có sự đồng ý của gia đình")
    db_session.commit()
    assert app.test_client().get(f"/q/{code}").status_code == 410


@pytest.mark.one_database
def test_languages_are_never_served_to_each_other(app, client, item):
    path = f"/items/{item.id}"
    titles = {"vi": "Ảnh Cao Bằng 1954", "en": "Cao Bang photo, 1954", "fr": "Photo de Cao Bang, 1954"}
    for _round in range(2):  # the second round from the cache
        for lang, title in titles.items():
            assert title in _get(app.test_client(), path, **{"Accept-Language": lang}).get_data(as_text=True)
            assert title in _get(app.test_client(), f"{path}?lang={lang}").get_data(as_text=True)
    # A code printed for French: the visit keeps its language (in the session), no other visitor gets it.
    scanned = app.test_client()
    assert titles["fr"] in _get(scanned, f"{path}?link_lang=fr").get_data(as_text=True)
    assert titles["fr"] in _get(scanned, path).get_data(as_text=True)
    assert titles["vi"] in _get(app.test_client(), path).get_data(as_text=True)
    # A remembered choice is the visitor's own cookie, set on a cached answer too.
    chooser = app.test_client()
    assert "vitrine_lang=en" in _get(chooser, f"{path}?lang=en").headers["Set-Cookie"]
    assert titles["en"] in _get(chooser, path).get_data(as_text=True)


@pytest.mark.one_database
def test_staff_and_visitors_with_a_flash_or_a_form_token_get_their_own_answer(app, client, item, login_as):
    @public_page
    def with_a_token():
        return render_template_string("<p>{{ csrf_token() }}</p>")

    app.add_url_rule("/token-test", view_func=with_a_token)  # before the first request
    path = f"/items/{item.id}"
    staff, _user = login_as("curator")
    for _ in range(2):
        assert "Sign out" in _get(staff, path, **{"Accept-Language": "en"}).get_data(as_text=True)
    assert page_cache(app).hits == 0
    assert "Sign out" not in _get(client, path, **{"Accept-Language": "en"}).get_data(as_text=True)
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Đã lưu")]
    assert "Đã lưu" in _get(client, path, **{"Accept-Language": "en"}).get_data(as_text=True)
    assert "Đã lưu" not in _get(app.test_client(), path, **{"Accept-Language": "en"}).get_data(as_text=True)

    tokens = {_get(app.test_client(), "/token-test").get_data(as_text=True) for _ in range(2)}
    assert len(tokens) == 2 and page_cache(app).hits == 1  # only the item page above, never the token


def test_the_cache_holds_to_its_bound_least_recently_used_out_first():
    cache = PageCache(max_bytes=64 * 1024, max_seconds=60)
    for n in range(40):
        cache.put(("/p", n), (1, ""), 200, [("Content-Type", "text/html")], b"x" * 4000, f"e{n}")
        if n > 0:
            cache.get(("/p", 0), (1, ""))  # kept in use
    assert cache.size <= 64 * 1024 and cache.get(("/p", 0), (1, "")) is not None
    assert cache.get(("/p", 1), (1, "")) is None and cache.get(("/p", 39), (1, "")) is not None
    assert cache.get(("/p", 39), (2, "")) is None and cache.get(("/p", 39), (1, "")) is None  # made from another
    cache.put(("/big",), (1, ""), 200, [], b"x" * 9000, "big")  # over an eighth of the bound: not kept
    assert cache.get(("/big",), (1, "")) is None
    assert PageCache(max_bytes=1024, max_seconds=0).get(("/p",), (1, "")) is None
