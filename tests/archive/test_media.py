"""Media ingest: sniffing, the sandboxed checks, storage, derivatives, text, serving."""

import io
import shutil
from pathlib import Path

import pytest
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import select

from archive import media as media_service
from archive.media import Upload, attach_media, derivative_path, sniff_type
from archive.models import MediaFile, TextState
from core.errors import Forbidden, ValidationError
from core.storage import get_storage
from tests.archive import samples

# Files decoded, checked and stored, whatever database records them.
pytestmark = pytest.mark.one_database

HAS_TESSERACT = shutil.which("tesseract") is not None


def stored_files(app) -> dict[str, bytes]:
    """Every file under the originals' storage and the derivatives, with its bytes."""
    found = {}
    for key in ("STORAGE_DIR", "DERIVATIVES_DIR"):
        root = Path(app.config[key])
        if root.exists():
            found |= {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    return found


def attach(db_session, item, *files, user=None):
    """Attach (name, bytes) pairs as the item's creator and commit: the tests' inline runner
    makes the previews and text right after the commit."""
    uploads = [Upload(name, io.BytesIO(data)) for name, data in files]
    with force_locale("en"):  # refusal messages are checked in English
        attached = attach_media(db_session, get_storage(), user or item.created_by, item, uploads)
    db_session.commit()
    return attached


def derivative(media, kind="thumb", page=1) -> Image.Image:
    image = Image.open(derivative_path(media.sha256, kind, page))
    image.load()
    return image


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"II*\x00", "image/tiff"),
        (b"MM\x00*", "image/tiff"),
        (b"junk\n%PDF-1.7", "application/pdf"),
        (b"GIF89a", "GIF"),
        (b"PK\x03\x04", "ZIP"),
        (b"  <!DOCTYPE html><html>", "HTML"),
        (b"\x7fELF\x02", "ELF executable"),
        (b"plain words", "text"),
        (b"\x00\x01\x02\xff\xfe", "unknown binary data"),
    ],
)
def test_sniff_type_reads_the_bytes(data, found):
    assert sniff_type(data) == found


def test_jpeg_is_stored_untouched_and_derivatives_are_oriented_and_stripped(app, db_session, make_item):
    item = make_item()
    data = samples.jpeg_with_exif(orientation=6)
    (entry,) = attach(db_session, item, ("scan.jpg", data))
    media = entry.media
    assert (media.mime_type, media.size, media.width, media.height, media.pages) == (
        "image/jpeg",
        len(data),
        600,
        400,
        1,
    )
    assert get_storage().path_for(media.sha256).read_bytes() == data  # the original keeps its GPS
    thumb, web = derivative(media, "thumb"), derivative(media, "web")
    assert thumb.size == (267, 400) and web.size == (400, 600)  # rotated upright; never enlarged
    exif = thumb.getexif()
    assert exif.get(0x0112) is None and exif.get(0x010F) is None
    assert not exif.get_ifd(samples.GPS_IFD) and not exif.get_ifd(samples.EXIF_IFD)
    assert exif.get(0x8298) == "National Archives Centre III"  # copyright is kept
    # After rotation by 90° clockwise, the red left half is on top.
    assert thumb.getpixel((130, 20))[0] > 180 and thumb.getpixel((130, 380))[2] > 150


def test_cmyk_jpeg_becomes_srgb(app, db_session, make_item):
    (entry,) = attach(db_session, make_item(), ("poster.jpg", samples.cmyk_jpeg()))
    web = derivative(entry.media, "web")
    red, green, blue = web.getpixel((10, 10))
    assert web.mode == "RGB" and red > 200 and green < 80 and blue < 80


def test_16_bit_tiff_is_scaled_not_clipped(app, db_session, make_item):
    (entry,) = attach(db_session, make_item(), ("grey.tif", samples.tiff_16bit()))
    assert entry.media.mime_type == "image/tiff"
    assert abs(derivative(entry.media).getpixel((5, 5))[0] - 40000 // 256) <= 2


def test_multipage_tiff_gets_a_preview_per_page_and_downloads(app, db_session, make_item, login_as):
    (entry,) = attach(db_session, make_item(), ("register.tiff", samples.multipage_tiff(3)))
    assert entry.media.pages == 3
    shades = [derivative(entry.media, "web", page).getpixel((5, 5))[0] for page in (1, 2, 3)]
    assert shades[0] < shades[1] < shades[2]
    client, _user = login_as("archivist")
    with client.get(f"/media/{entry.media.id}") as response:
        assert response.mimetype == "image/tiff" and response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment")
    with client.get(f"/media/{entry.media.id}/web-3.jpg") as response:
        assert response.mimetype == "image/jpeg"
    assert client.get(f"/media/{entry.media.id}/web-4.jpg").status_code == 404


def test_born_digital_pdf_text_lands_in_the_transcription(app, db_session, make_item, login_as):
    lines = samples.corpus_english_lines()
    item = make_item(type="document")
    (entry,) = attach(db_session, item, ("qd-1079.pdf", samples.text_pdf(lines)))
    assert entry.media.text_source == "pdf" and entry.media.pages == 1
    text = item.text_for("vi")
    assert lines[0] in text.transcription and text.state == TextState.MACHINE
    assert derivative(entry.media, "web").size[1] == 1600
    client, _user = login_as("archivist")
    with client.get(f"/media/{entry.media.id}") as response:
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
    assert "machine-made" in client.get(f"/staff/items/{item.id}?lang=en").get_data(True)


def test_a_human_transcription_is_never_overwritten(app, db_session, make_item):
    item = make_item(type="document", texts={"vi": {"title": "Quyết định", "transcription": "Bản chép tay"}})
    attach(db_session, item, ("qd.pdf", samples.text_pdf(samples.corpus_english_lines(1))))
    assert item.text_for("vi").transcription == "Bản chép tay"


@pytest.mark.skipif(not HAS_TESSERACT, reason="Tesseract is not installed")
def test_scanned_pdf_is_read_by_tesseract(app, db_session, make_item):
    item = make_item(type="document")
    (entry,) = attach(db_session, item, ("scan.pdf", samples.scanned_pdf("HUMAN RIGHTS")))
    assert entry.media.text_source == "ocr"
    assert "HUMAN RIGHTS" in item.text_for("vi").transcription.upper()


def test_without_tesseract_the_item_says_so_and_nothing_fails(app, db_session, make_item, login_as):
    app.config["TESSERACT_CMD"] = "no-such-tesseract"
    item = make_item(type="document")
    (entry,) = attach(db_session, item, ("scan.pdf", samples.scanned_pdf()))
    assert entry.media.text_source == "no_ocr" and entry.media.pages == 1
    client, _user = login_as("curator")
    assert "Tesseract OCR is not installed" in client.get(f"/staff/items/{item.id}?lang=en").get_data(True)


def test_photos_are_not_ocrd(app, db_session, make_item):
    (entry,) = attach(db_session, make_item(type="photo"), ("p.png", samples.png_bytes()))
    assert entry.media.text_source is None


def test_lying_extension_is_judged_by_the_bytes(app, db_session, make_item):
    (entry,) = attach(db_session, make_item(), ("photo.jpg", samples.png_bytes()))
    assert entry.media.mime_type == "image/png" and entry.media.original_name == "photo.jpg"


REFUSED = [
    ("animation.jpg", samples.gif_bytes(), "unsupported_type", "GIF"),
    ("archive.pdf", b"PK\x03\x04" + b"\x00" * 100, "unsupported_type", "ZIP"),
    ("bomb.png", samples.png_bomb(), "too_many_pixels", "300 megapixels"),
    ("cut.jpg", samples.truncated_jpeg(), "corrupt", "damaged or truncated"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "corrupt", "damaged or truncated"),
    ("empty.png", b"", "empty", "empty"),
]


@pytest.mark.parametrize(("name", "data", "code", "words"), REFUSED, ids=[r[2] + "-" + r[0] for r in REFUSED])
def test_bad_files_are_refused_and_nothing_stored_changes(app, db_session, make_item, name, data, code, words):
    item = make_item()
    attach(db_session, item, ("good.png", samples.png_bytes()))
    before = stored_files(app)
    with pytest.raises(ValidationError) as refused:
        attach(db_session, item, ("second-good.jpg", samples.jpeg_with_exif()), (name, data))
    db_session.rollback()
    assert refused.value.code == code and words in refused.value.message and name in refused.value.message
    assert stored_files(app) == before
    assert db_session.scalar(select(MediaFile.id).where(MediaFile.original_name == "second-good.jpg")) is None


def test_size_limit_is_configurable(app, db_session, make_item):
    app.config["MAX_UPLOAD_BYTES"] = 1000
    with pytest.raises(ValidationError) as refused:
        attach(db_session, make_item(), ("big.jpg", samples.jpeg_with_exif()))
    assert refused.value.code == "too_large" and stored_files(app) == {}


@pytest.mark.parametrize(
    ("limits", "code"),
    [
        ({"MEDIA_DECODE_MEMORY_BYTES": 8 * 1024 * 1024}, ("crashed", "too_large_to_decode")),
        ({"MEDIA_DECODE_TIMEOUT_SECONDS": 0.05}, ("timeout",)),
    ],
)
def test_decoding_runs_under_memory_and_time_limits(app, db_session, make_item, limits, code):
    app.config.update(limits)
    with pytest.raises(ValidationError) as refused:
        attach(db_session, make_item(), ("scan.jpg", samples.jpeg_with_exif()))
    assert refused.value.code in code and stored_files(app) == {}


def test_same_file_twice_is_stored_once_and_the_holder_named(app, db_session, make_item):
    first, second = make_item(), make_item()
    data = samples.png_bytes()
    (one,) = attach(db_session, first, ("a.png", data))
    (two,) = attach(db_session, second, ("b.png", data))
    assert one.stored and not two.stored and [i.id for i in two.also_on] == [first.id]
    assert first.reference_code in media_service.upload_notices([two])[0]
    assert len([p for p in stored_files(app) if "/files/" in p]) == 1
    with pytest.raises(ValidationError) as refused:
        attach(db_session, first, ("again.png", data))
    assert refused.value.code == "duplicate"


def test_archivists_cannot_add_files_to_published_items(app, db_session, make_item, make_user):
    item = make_item()
    item.status = "published"
    db_session.commit()
    with pytest.raises(Forbidden):
        attach(db_session, item, ("a.png", samples.png_bytes()), user=make_user("archivist"))


def test_upload_form_without_javascript(app, db_session, make_item, login_as):
    client, user = login_as("archivist")
    item = make_item(user=user)
    files = [(io.BytesIO(samples.png_bytes()), "one.png"), (io.BytesIO(samples.jpeg_with_exif()), "../../two.jpg")]
    response = client.post(f"/staff/items/{item.id}/media", data={"files": files}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/items/{item.id}")
    db_session.rollback()  # end the test's read transaction to see the request's commit
    assert [m.original_name for m in item.media] == ["one.png", "two.jpg"]
    page = client.get(f"/staff/items/{item.id}?lang=en").get_data(True)
    assert f"/media/{item.media[0].id}/thumb-1.jpg" in page and 'type="file"' in page and "media-upload.js" in page
    refused = client.post(f"/staff/items/{item.id}/media", data={"files": [(io.BytesIO(b"GIF89a"), "x.jpg")]},
                          content_type="multipart/form-data", follow_redirects=True)  # fmt: skip
    assert "GIF" in refused.get_data(True)


def test_upload_from_script_answers_json(app, db_session, make_item, login_as):
    client, user = login_as("archivist")
    item = make_item(user=user)
    headers = {"Accept": "application/json"}
    bad = client.post(f"/staff/items/{item.id}/media", data={"files": [(io.BytesIO(b"<html>"), "x.png")]},
                      content_type="multipart/form-data", headers=headers)  # fmt: skip
    assert bad.status_code == 422 and "HTML" in bad.json["error"]["message"]
    good = client.post(f"/staff/items/{item.id}/media", data={"files": [(io.BytesIO(samples.png_bytes()), "x.png")]},
                       content_type="multipart/form-data", headers=headers)  # fmt: skip
    assert good.status_code == 201 and len(good.json["media"]) == 1


def test_public_pages_show_derivatives_not_originals(app, db_session, make_item, client):
    item = make_item()
    (entry,) = attach(db_session, item, ("a.jpg", samples.jpeg_with_exif()))
    item.status = "published"
    db_session.commit()
    page = client.get(f"/items/{item.id}").get_data(True)
    assert f"/media/{entry.media.id}/web-1.jpg" in page
    with client.get(f"/media/{entry.media.id}/thumb-1.jpg") as response:
        assert response.status_code == 200


def test_files_are_reordered_and_removed_but_the_original_is_kept(app, db_session, make_item, login_as):
    item = make_item()
    files = [(name, samples.png_bytes((300 + n, 200))) for n, name in enumerate(("a.png", "b.png", "c.png"))]
    first, second, third = attach(db_session, item, *files)
    removed_sha = first.media.sha256
    media_service.move_media(db_session, item.created_by, item, third.media.id, -1)
    db_session.commit()
    assert [m.original_name for m in item.media] == ["a.png", "c.png", "b.png"]
    client, _user = login_as("curator")
    response = client.post(f"/staff/items/{item.id}/media/{first.media.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/items/{item.id}#media")
    db_session.rollback()
    assert [(m.original_name, m.position) for m in db_session.get(type(item), item.id).media] == [
        ("c.png", 0), ("b.png", 1)]  # fmt: skip
    assert get_storage().exists(removed_sha)  # never lose an original
    event = history_of(db_session, item)[0]
    assert event.after == {"media": ["c.png", "b.png"]} and removed_sha in event.comment
    assert client.post(f"/staff/items/{item.id}/media/{second.media.id}/down").status_code == 302
    assert client.post(f"/staff/items/{item.id}/media/999999/up", follow_redirects=True).status_code == 200


def test_an_archivist_cannot_remove_a_file_once_the_item_left_draft(app, db_session, make_item, make_user):
    from archive.workflow import apply_transition

    item = make_item()
    (attached,) = attach(db_session, item, ("a.png", samples.png_bytes()))
    apply_transition(db_session, item.created_by, item, "submit")
    db_session.commit()
    with pytest.raises(Forbidden):
        media_service.detach_media(db_session, item.created_by, item, attached.media.id)


def test_the_api_removes_a_file(app, client, db_session, make_item, make_user):
    from core.auth import issue_token

    item = make_item()
    (attached,) = attach(db_session, item, ("a.png", samples.png_bytes()))
    token = issue_token(db_session, item.created_by)
    db_session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete(f"/api/v1/items/{item.id}/media/{attached.media.id}", headers=headers).status_code == 204
    missing = client.delete(f"/api/v1/items/{item.id}/media/{attached.media.id}", headers=headers)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    assert client.delete(f"/api/v1/items/{item.id}/media/{attached.media.id}").status_code == 401


def history_of(db_session, item):
    from core.audit import history

    return history(db_session, "item", item.id)
