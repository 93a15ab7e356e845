"""Static files: their URLs carry a fingerprint of their content, and a browser keeps what such a URL names
for a year; an edited file gets a new URL, an old URL is asked for again each time."""

import hashlib
import os
import re
import time
from pathlib import Path

from flask import url_for

from core.static_files import copy_fingerprinted, fingerprint

YEAR = "max-age=31536000"


def _stylesheet_url(page: str) -> str:
    return re.search(r'<link rel="stylesheet" href="([^"]+)">', page).group(1)


def test_a_page_names_its_style_sheet_by_its_content_and_the_browser_keeps_it(app, client):
    url = _stylesheet_url(client.get("/").get_data(True))
    expected = hashlib.sha256((Path(app.static_folder) / "vitrine.css").read_bytes()).hexdigest()[:16]
    assert url == f"/static/vitrine.css?v={expected}"
    with client.get(url) as response:
        assert response.status_code == 200 and response.mimetype == "text/css"
        assert set(response.headers["Cache-Control"].split(", ")) == {"public", YEAR, "immutable"}
        etag = response.headers["ETag"]
    # A revalidation (a reload) keeps the long life too.
    with client.get(url, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304 and YEAR in again.headers["Cache-Control"]


def test_an_address_without_the_current_fingerprint_is_asked_for_again_each_time(client):
    for url in ("/static/vitrine.css", "/static/vitrine.css?v=0123456789abcdef"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "no-cache"


def test_an_edited_file_gets_a_new_address(app, tmp_path):
    app.static_folder = str(tmp_path)
    script = tmp_path / "behaviour.js"
    script.write_text("let a = 1;\n")
    with app.test_request_context():
        first = url_for("static", filename="behaviour.js")
        script.write_text("let a = 22;\n")
        later = time.time() + 5  # the edit seen even on a file system with coarse times
        os.utime(script, (later, later))
        second = url_for("static", filename="behaviour.js")
    assert first != second
    assert second == f"/static/behaviour.js?v={hashlib.sha256(script.read_bytes()).hexdigest()[:16]}"
    client = app.test_client()
    with client.get(first) as old, client.get(second) as new:
        assert old.get_data() == new.get_data() == b"let a = 22;\n"
        assert old.headers["Cache-Control"] == "no-cache" and YEAR in new.headers["Cache-Control"]


def test_no_fingerprint_outside_the_static_folder_or_for_a_missing_file(app):
    with app.test_request_context():
        assert fingerprint("../app.py") is None
        assert fingerprint("no-such-file.css") is None
        assert url_for("static", filename="no-such-file.css") == "/static/no-such-file.css"


def test_copies_by_fingerprint_for_the_proxy_are_made_once_and_kept(tmp_path):
    site, target = tmp_path / "static", tmp_path / "copies"
    (site / "vendor").mkdir(parents=True)
    (site / "a.css").write_text("a { }")
    (site / "vendor" / "b.js").write_text("let b;")
    assert copy_fingerprinted(site, target) == 2 and copy_fingerprinted(site, target) == 0
    first = hashlib.sha256(b"a { }").hexdigest()[:16]
    assert (target / first / "a.css").read_text() == "a { }"
    (site / "a.css").write_text("a { color: red }")
    assert copy_fingerprinted(site, target) == 1
    assert (target / first / "a.css").read_text() == "a { }"  # an old page still finds what it named
    assert sorted(p.name for p in target.rglob("*") if p.is_file()) == ["a.css", "a.css", "b.js"]
