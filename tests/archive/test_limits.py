"""Limits with clear refusals (issue 24): tags, terms and languages of texts per item (in the service, the API's
JSON and the staff form's language), ZIPs of files that are encrypted or damaged, an original gone from the disk."""

import io
import zipfile

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from archive.models import Item, MediaFile
from archive.services import MAX_TAGS, MAX_TERMS, MAX_TEXTS, create_item, update_item
from core.errors import ValidationError
from core.storage import get_storage
from tests.archive import samples
from tests.archive.test_ingest import write_csv


def test_an_item_takes_at_most_its_tags_terms_and_languages(db_session, make_user, make_item):
    user = make_user("archivist")
    item = make_item(user=user)
    with force_locale("en"), pytest.raises(ValidationError) as refused:
        update_item(db_session, user, item, {"tags": [f"tag {n}" for n in range(20_000)]}, item.version)
    assert refused.value.errors == [("tags", f"An item may have at most {MAX_TAGS} tags; 20000 were given.")]
    db_session.rollback()
    with force_locale("vi"), pytest.raises(ValidationError) as refused:
        update_item(db_session, user, item, {"terms": ["ICCPR"] * (MAX_TERMS + 1)}, item.version)
    assert f"tối đa {MAX_TERMS}" in refused.value.message
    db_session.rollback()
    texts = {f"x-l{n}": {"title": "t"} for n in range(MAX_TEXTS + 1)}
    with force_locale("fr"), pytest.raises(ValidationError) as refused:
        create_item(db_session, user, {"reference_code": "MANY", "type": "photo", "texts": texts})
    assert str(MAX_TEXTS) in refused.value.message and refused.value.field == "texts"
    db_session.rollback()
    accepted = update_item(db_session, user, item, {"tags": [f"tag {n}" for n in range(MAX_TAGS)]}, item.version)
    assert len(accepted.tags) == MAX_TAGS


def test_texts_set_one_language_at_a_time_stop_at_the_limit(client, db_session, make_user, make_item, auth):
    user = make_user("archivist")
    item = make_item(
        user=user, texts={f"x-l{n}": {"title": "t"} for n in range(MAX_TEXTS - 1)} | {"vi": {"title": "t"}}
    )
    headers = auth(user=user)
    answer = client.put(
        f"/api/v1/items/{item.id}/texts/x-extra", json={"title": "one more", "version": item.version}, headers=headers
    )
    assert answer.status_code == 422 and answer.json["error"]["field"] == "texts", answer.json
    db_session.rollback()
    assert len(db_session.get(Item, item.id).texts) == MAX_TEXTS


def test_the_api_refuses_20000_tags_in_a_fraction_of_a_second(client, auth):
    body = {"reference_code": "TAGS", "type": "photo", "tags": [f"t{n}" for n in range(20_000)],
            "texts": {"vi": {"title": "Nhiều thẻ"}}}  # fmt: skip
    answer = client.post("/api/v1/items", json=body, headers=auth() | {"Accept-Language": "en"})
    assert answer.status_code == 422
    assert answer.json["error"]["message"] == f"An item may have at most {MAX_TAGS} tags; 20000 were given."


def test_the_staff_form_refuses_too_many_tags_in_the_readers_language(login_as):
    client, _user = login_as("archivist")
    client.set_cookie("vitrine_lang", "vi")
    form = {"reference_code": "FORM-TAGS", "type": "photo", "title_vi": "Nhiều thẻ",
            "tags": ", ".join(f"t{n}" for n in range(MAX_TAGS + 1))}  # fmt: skip
    page = client.post("/staff/items/new", data=form)
    assert page.status_code == 422 and f"tối đa {MAX_TAGS} nhãn" in page.get_data(as_text=True)


def _zip(path, encrypted=False, damage=False):
    data = samples.jpeg_with_exif()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("photo.jpg", data)
    raw = bytearray(path.read_bytes())
    if encrypted:  # zipfile writes no encryption: the flag set in both headers is what readers go by
        raw[6] |= 0x1
        raw[raw.index(b"PK\x01\x02") + 8] |= 0x1
    if damage:  # a byte of the photo changed: its checksum fails when it is read whole
        raw[raw.index(data[200:216]) + 8] ^= 0xFF
    path.write_bytes(bytes(raw))
    return path


def test_an_encrypted_zip_is_refused_whole_and_a_damaged_entry_fails_its_row(app, db_session, runner, tmp_path,
                                                                            make_user):  # fmt: skip
    make_user("admin")
    csv_path = write_csv(tmp_path / "items.csv", [{"reference_code": "Z-1", "type": "photo", "files": "photo.jpg",
                                                  "title_vi": "Ảnh"}])  # fmt: skip
    encrypted = runner.invoke(args=["import", str(csv_path), "--files", str(_zip(tmp_path / "e.zip", encrypted=True))])
    assert encrypted.exit_code != 0 and "photo.jpg" in encrypted.output and "Traceback" not in encrypted.output
    damaged = runner.invoke(args=["import", str(csv_path), "--files", str(_zip(tmp_path / "d.zip", damage=True))])
    assert damaged.exit_code == 1 and "line 2 [Z-1]" in damaged.output, damaged.output
    db_session.rollback()
    assert db_session.scalar(select(func.count(Item.id))) == 0


def test_an_original_gone_from_the_disk_is_a_404_not_a_server_error(client, db_session, make_item, auth, login_as):
    item = make_item()
    answer = client.post(f"/api/v1/items/{item.id}/media", data={"files": [(io.BytesIO(samples.png_bytes()), "p.png")]},
                         headers=auth(user=item.created_by), content_type="multipart/form-data")  # fmt: skip
    assert answer.status_code == 201, answer.get_data(True)
    media = db_session.get(MediaFile, answer.json["media"][0]["id"])
    get_storage().path_for(media.sha256).unlink()
    staff, _user = login_as("archivist")
    staff.set_cookie("vitrine_lang", "en")
    page = staff.get(f"/media/{media.id}")
    assert page.status_code == 404 and "This file is not available" in page.get_data(as_text=True)
