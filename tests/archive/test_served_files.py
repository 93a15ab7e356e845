"""Uploads are never served as active content: the type read from the bytes (never the name), `nosniff`, a
sandboxing content policy, and PDF and TIFF as downloads; a hostile file name cannot break the header."""

from archive.workflow import apply_transition
from tests.archive import samples
from tests.archive.test_media import attach

HOSTILE_NAME = '"><img src=x onerror=alert(1)>\r\nSet-Cookie: x=1.html'


def test_uploads_are_served_inert_whatever_their_name(client, db_session, make_item, make_user):
    item = make_item()
    png, pdf, tiff = attach(db_session, item, (HOSTILE_NAME, samples.png_bytes()),
                            ("report.html", samples.text_pdf(samples.corpus_english_lines(1))),
                            ("scan.svg", samples.multipage_tiff(1)))  # fmt: skip
    curator = make_user("curator")
    apply_transition(db_session, curator, item, "submit")
    apply_transition(db_session, curator, item, "publish")
    db_session.commit()
    expected = [(png, "image/png", "inline"), (pdf, "application/pdf", "attachment"),
                (tiff, "image/tiff", "attachment")]  # fmt: skip
    for entry, mimetype, disposition in expected:
        with client.get(f"/media/{entry.media.id}") as response:
            assert response.status_code == 200 and response.mimetype == mimetype
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
            header = response.headers["Content-Disposition"]
            assert header.startswith(disposition) and "\r" not in header and "\n" not in header
            assert "Set-Cookie" not in response.headers
        with client.get(f"/media/{entry.media.id}/web-1.jpg") as preview:
            assert preview.mimetype == "image/jpeg" and preview.headers["X-Content-Type-Options"] == "nosniff"
    with client.get(f"/media/{png.media.id}") as response:
        assert 'filename="\\"><img src=x onerror=alert(1)>Set-Cookie: x=1.html"' in response.headers[
            "Content-Disposition"]  # fmt: skip
    with client.get(f"/iiif/image/{png.media.id}-1/full/max/0/default.jpg") as tile:
        assert tile.mimetype == "image/jpeg" and tile.headers["X-Content-Type-Options"] == "nosniff"
