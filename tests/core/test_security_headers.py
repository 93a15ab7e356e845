"""Security headers by kind of page (core.security_headers): public, staff, API, media, sign-in, exhibition
pages partners may frame; HSTS and Secure cookies only on an HTTPS site; SameSite on every cookie."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from archive.media import Upload, attach_media
from core.auth import issue_token
from core.security_headers import OPENSEADRAGON_STYLE, content_policy, is_origin
from core.storage import get_storage
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
# Headers depend on the kind of page, not on how records are stored: one database in `make test`.
pytestmark = pytest.mark.one_database
PARTNER = "https://museum.partner.example"


def policy(response) -> dict[str, str]:
    """The response's Content-Security-Policy as {directive: sources}."""
    found = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, _sep, sources = directive.strip().partition(" ")
        found[name] = sources
    return found


def assert_strict_scripts(response) -> None:
    rules = policy(response)
    assert rules["script-src"] == "'self'" and rules["object-src"] == "'none'" and rules["base-uri"] == "'none'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 90, 160)).save(out, "PNG")
    return out.getvalue()


def test_public_pages_have_a_strict_policy_and_are_never_framed(client, published_item):
    item = published_item()
    for url in ("/", "/items", f"/items/{item.id}", "/q", "/sitemap.xml", "/oai?verb=Identify"):
        response = client.get(url)
        assert response.status_code in (200, 503), url  # /oai waits for its identifier
        assert_strict_scripts(response)
        rules = policy(response)
        assert rules["frame-ancestors"] == "'none'" and response.headers["X-Frame-Options"] == "DENY", url
        # The base URL's origin is the site's own, whatever name the page was asked by.
        assert rules["img-src"] == rules["connect-src"] == "'self' http://vitrine.test", url
        assert rules["style-src"] == f"'self' {OPENSEADRAGON_STYLE}", url
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", url
        assert "no-store" not in response.headers.get("Cache-Control", ""), url
        assert "Strict-Transport-Security" not in response.headers, url  # the test site is http://


def test_staff_and_sign_in_pages_are_never_framed_nor_kept(client, login_as):
    for url in ("/login", "/staff/items"):  # the second one, anonymous, sends to sign in
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert_strict_scripts(response)
        assert policy(response)["frame-ancestors"] == "'none'" and response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store", url
    staff, _user = login_as("admin")
    for url in ("/staff/items", "/staff/review", "/staff/admin/users", "/staff/figures", "/account",
                "/staff/figures/items-by-type.csv"):  # fmt: skip
        response = staff.get(url)
        assert response.status_code == 200, url
        assert_strict_scripts(response)
        assert response.headers["X-Frame-Options"] == "DENY" and "no-store" in response.headers["Cache-Control"]
        assert "public" not in response.headers["Cache-Control"] and "max-age" not in response.headers["Cache-Control"]


def test_a_public_page_seen_signed_in_is_kept_by_no_cache(login_as, published_item):
    item = published_item()
    staff, user = login_as("archivist")
    response = staff.get(f"/items/{item.id}")
    assert user.email in response.get_data(True)  # the sign-out button names them, beside a CSRF token
    assert response.headers["Cache-Control"] == "no-store"


def test_api_answers_to_a_token_are_kept_by_no_cache_and_public_ones_may_be(client, db_session, make_user,
                                                                             published_item):  # fmt: skip
    item = published_item()
    for url in ("/api/v1/items", f"/api/v1/items/{item.id}", "/api/v1/schemes", "/api/v1/openapi.json"):
        public = client.get(url)
        assert public.status_code == 200, url
        assert "no-store" not in public.headers.get("Cache-Control", "") and "Authorization" in public.headers["Vary"]
        assert policy(public) == {"default-src": "'none'", "frame-ancestors": "'none'", "base-uri": "'none'",
                                  "form-action": "'none'"}  # fmt: skip
        assert public.headers["X-Content-Type-Options"] == "nosniff"
    signed = {"Authorization": f"Bearer {issue_token(db_session, make_user('archivist'))}"}
    db_session.commit()
    for url in ("/api/v1/items", f"/api/v1/items/{item.id}", f"/api/v1/items/{item.id}/history", "/api/v1/items/0"):
        response = client.get(url, headers=signed)
        assert response.headers["Cache-Control"] == "no-store", url
    refused = client.get("/api/v1/items", headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401 and refused.headers["Cache-Control"] == "no-store"


# A file name an attacker would upload: markup, and a line break to add a header of its own.
HOSTILE_NAME = '"><img src=x onerror=alert(1)>\r\nSet-Cookie: x=1.html'


def test_uploads_are_served_inert_whatever_their_name(client, db_session, published_item, curator):
    """The type read from the bytes (never the name), nosniff, a sandboxing policy, the name unable to break
    the header; PDF and TIFF go as downloads (tests/archive/test_media.py)."""
    item = published_item()
    attach_media(db_session, get_storage(), curator, item, [Upload(HOSTILE_NAME, io.BytesIO(_png()))])
    db_session.commit()
    media = item.media[0]
    with client.get(f"/media/{media.id}") as original:
        assert original.status_code == 200 and original.mimetype == "image/png"
        assert original.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert original.headers["X-Content-Type-Options"] == "nosniff"
        disposition = original.headers["Content-Disposition"]
        assert disposition == 'inline; filename="\\"><img src=x onerror=alert(1)>Set-Cookie: x=1.html"'
        assert "Set-Cookie" not in original.headers
    for derived in (f"/media/{media.id}/thumb-1.jpg", f"/iiif/image/{media.id}-1/full/max/0/default.jpg"):
        with client.get(derived) as preview:
            assert preview.status_code == 200 and preview.mimetype == "image/jpeg", derived
            assert preview.headers["X-Content-Type-Options"] == "nosniff", derived


@pytest.fixture
def app_config(app_config, request):
    """The usual settings, and those a test names with `parametrize("app_config", [...], indirect=True)`."""
    return app_config | getattr(request, "param", {})


EMBEDDING = {"EMBED_ORIGINS": [PARTNER, "https://embed.example:8443"]}
HTTPS = {"BASE_URL": "https://vitrine.example.vn"}


@pytest.mark.parametrize("app_config", [EMBEDDING], indirect=True)
def test_exhibition_pages_may_be_framed_by_the_configured_origins_only(client, db_session, make_exhibition):
    from exhibitions.composing import publish

    exhibition = make_exhibition(sections=1, entries=1)
    publish(db_session, exhibition.created_by, exhibition)
    db_session.commit()
    for url in ("/exhibitions", f"/exhibitions/{exhibition.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy(response)["frame-ancestors"] == f"{PARTNER} https://embed.example:8443", url
        assert "X-Frame-Options" not in response.headers, url  # it cannot name origins: the policy does
    for url in ("/", "/login", "/items"):
        assert policy(client.get(url))["frame-ancestors"] == "'none'", url


def test_exhibition_pages_are_never_framed_without_configured_origins(client):
    response = client.get("/exhibitions")
    assert policy(response)["frame-ancestors"] == "'none'" and response.headers["X-Frame-Options"] == "DENY"


def test_an_embedding_origin_must_be_an_origin():
    from app import create_app

    for wrong in ("https://partner.example/path", "partner.example", "https://a.example; script-src *", "*"):
        with pytest.raises(ValueError, match="VITRINE_EMBED_ORIGINS"):
            create_app({"EMBED_ORIGINS": [wrong], "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "t"})


def test_a_page_allows_the_image_origins_it_was_given_and_nothing_else():
    rules = dict(d.split(" ", 1) for d in content_policy("public", ["https://iiif.source.example"]).split("; "))
    assert rules["img-src"] == rules["connect-src"] == "'self' https://iiif.source.example"
    assert rules["script-src"] == "'self'" and rules["default-src"] == "'self'"
    assert [is_origin(value) for value in ("https://a.example", "http://a.example:8080", "https://a.example/x",
                                           "https://a.example 'unsafe-inline'", "data:", None)] == [
        True, True, False, False, False, False]  # fmt: skip


def _cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def _sign_in_cookies(client, user) -> list[str]:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302, response.get_data(True)
    return _cookies(response)


def test_an_http_site_sends_no_hsts_and_cookies_without_secure(app, client, make_user):
    cookies = _sign_in_cookies(client, make_user("archivist"))
    cookies += _cookies(client.get("/items?lang=fr"))
    names = {cookie.split("=", 1)[0] for cookie in cookies}
    assert {"session", "remember_token", "vitrine_lang"} <= names, names
    for cookie in cookies:
        assert re.search(r"; SameSite=(Lax|Strict)", cookie, re.IGNORECASE) and "Secure" not in cookie, cookie
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.mark.parametrize("app_config", [HTTPS], indirect=True)
def test_an_https_site_sends_hsts_and_secure_samesite_cookies(client, make_user):
    cookies = _sign_in_cookies(client, make_user("archivist"))
    cookies += _cookies(client.get("/items?lang=fr"))
    names = {cookie.split("=", 1)[0] for cookie in cookies}
    assert {"session", "remember_token", "vitrine_lang"} <= names, names
    for cookie in cookies:
        assert re.search(r"; SameSite=(Lax|Strict)", cookie, re.IGNORECASE) and "; Secure" in cookie, cookie
    for url in ("/", "/login", "/api/v1/items", "/staff/items"):
        response = client.get(url)
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000", url
    assert "upgrade-insecure-requests" in policy(client.get("/"))


def test_a_cookie_set_without_samesite_gets_it(app):
    @app.route("/test-cookie")
    def set_a_cookie():
        from flask import make_response

        response = make_response("ok")
        response.set_cookie("device", "x")
        return response

    cookie = app.test_client().get("/test-cookie").headers["Set-Cookie"]
    assert cookie.startswith("device=x") and cookie.endswith("; SameSite=Lax")


def test_the_openseadragon_style_hash_is_that_of_the_vendored_viewer():
    """OpenSeadragon adds one <style> element; the policy's hash must be that text's, or zooming breaks."""
    import base64
    import hashlib

    script = ROOT / "static/vendor/openseadragon/openseadragon.min.js"
    if not script.exists():
        pytest.skip("static/vendor is built by `make vendor`")
    text = re.search(r'mobile-css","true"\);\w+\.textContent="([^"]*)"', script.read_text(encoding="utf-8"))
    assert text, "OpenSeadragon no longer adds its style element this way: look again at core.security_headers"
    digest = base64.b64encode(hashlib.sha256(text.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" == OPENSEADRAGON_STYLE
