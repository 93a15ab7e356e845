"""Addresses: one id converter for every route, and the short address a QR code holds."""

import pytest
from flask_babel import force_locale
from werkzeug.routing import IntegerConverter

from core.urls import MAX_ID, IdConverter, base_url_warning, leads_nowhere, qr_url

HUGE = "99999999999999999999"  # more than any id column holds: a database error before the converter


@pytest.mark.parametrize("path", [
    f"/items/{HUGE}", f"/media/{HUGE}", f"/media/{HUGE}/thumb-1.jpg", f"/items/{MAX_ID + 1}",
    f"/exhibitions/{HUGE}", f"/exhibitions/1/entries/{HUGE}", f"/exhibitions/{HUGE}/book-vi.epub",
])  # fmt: skip
def test_an_id_no_column_can_hold_is_an_unknown_page(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", [
    f"/staff/items/{HUGE}", f"/staff/items/{HUGE}/edit", f"/staff/exhibitions/{HUGE}",
    f"/staff/exhibitions/1/sections/{HUGE}",
])  # fmt: skip
def test_staff_pages_answer_404_for_such_ids_too(login_as, path):
    client, _user = login_as("curator")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/items/{HUGE}",
        f"/api/v1/items/1/media/{HUGE}",
        f"/api/v1/exhibitions/{HUGE}",
        f"/api/v1/exhibitions/1/sections/{HUGE}/entries",
    ],
)
def test_the_api_answers_such_ids_with_its_json_404(client, path):
    method = "DELETE" if "/media/" in path else "POST" if path.endswith("/entries") else "GET"
    response = client.open(path, method=method)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_the_largest_id_is_still_a_page_to_look_for(client):
    response = client.get(f"/items/{MAX_ID}")
    assert response.status_code == 404 and "2147483647" in response.get_data(True)  # the item's own 404


def test_the_converter_is_documented_as_a_bounded_integer(app, client):
    assert issubclass(IdConverter, IntegerConverter)
    parameters = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/items/{item_id}"]["parameters"]
    assert parameters == [{"in": "path", "name": "item_id", "required": True,
                           "schema": {"type": "integer", "maximum": MAX_ID, "minimum": 0}}]  # fmt: skip


def test_every_numeric_route_uses_the_id_converter(app):
    """A route with a plain `int` record id would be the defect again; `int:page` of a file is a page number."""
    plain = [str(rule) for rule in app.url_map.iter_rules()
             for name, converter in rule._converters.items()  # noqa: SLF001 - the only place Werkzeug keeps them
             if type(converter) is IntegerConverter and name.endswith("_id")]  # fmt: skip
    assert plain == []


def test_qr_url_is_the_base_url_and_the_short_path(app):
    assert qr_url("abc234") == "http://vitrine.test/q/abc234"
    assert qr_url("abc234", "https://hue.example.vn") == "https://hue.example.vn/q/abc234"


@pytest.mark.parametrize(("base_url", "nowhere"), [
    ("http://127.0.0.1:5000", True), ("http://127.9.9.9", True), ("http://localhost:8080", True),
    ("http://vitrine.localhost", True), ("http://[::1]:5000", True), ("http://0.0.0.0:5000", True), ("", True),
    ("vitrine.example.vn", True), ("https://vitrine.example.vn", False), ("http://192.168.1.20:5000", False),
    ("http://10.0.0.5", False), ("http://[2001:db8::1]", False),
])  # fmt: skip
def test_a_base_url_that_no_phone_can_reach_is_told_apart(base_url, nowhere):
    # A private LAN address can serve a venue's own network: only this computer's own addresses are refused.
    assert leads_nowhere(base_url) is nowhere


def test_the_warning_says_why_in_the_readers_language(app):
    with app.test_request_context("/?lang=en"):
        assert base_url_warning() is None  # the tests' http://vitrine.test
        app.config.update(BASE_URL="http://localhost:5000")
        assert "is http://localhost:5000, which only this computer can open" in base_url_warning()
        app.config.update(BASE_URL="http://127.0.0.1:5000", BASE_URL_IS_DEFAULT=True)
        assert base_url_warning().startswith("No public address is set (VITRINE_BASE_URL)")
    with app.test_request_context(), force_locale("fr"):
        assert "Aucune adresse publique n'est définie" in base_url_warning()
