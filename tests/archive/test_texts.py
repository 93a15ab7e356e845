"""Texts typed into items by every path — the form, the API, a CSV import — have their line ends normalised to
newlines and refuse control characters other than tab and newline, naming the field (archive.services through
core.validation.check_text)."""

import csv

from sqlalchemy import select

from archive.models import Item

ITEM = {"reference_code": "TXT-1", "type": "document", "texts": {"vi": {"title": "Tuyên ngôn"}}}


def _item(db_session, code: str) -> Item | None:
    db_session.rollback()  # read what the request or the command committed
    return db_session.scalar(select(Item).where(Item.reference_code == code))


def test_the_form_normalises_line_ends_and_refuses_control_characters_in_french(login_as, db_session):
    client, _user = login_as("archivist")
    saved = client.post("/staff/items/new", data={"reference_code": "TXT-F", "type": "document",
                                                  "texts-vi-title": "Tuyên ngôn",
                                                  "texts-vi-description": "Dòng một\r\nDòng hai\rDòng ba"})  # fmt: skip
    assert saved.status_code == 302
    assert _item(db_session, "TXT-F").text_for("vi").description == "Dòng một\nDòng hai\nDòng ba"
    refused = client.post("/staff/items/new?lang=fr", data={"reference_code": "TXT-G", "type": "document",
                                                            "texts-vi-title": "Tuyên\x07ngôn"})  # fmt: skip
    assert refused.status_code == 422
    assert "Titre contient un caractère de contrôle (U+0007)" in refused.get_data(True)
    assert _item(db_session, "TXT-G") is None


def test_the_api_normalises_line_ends_and_refuses_control_characters_as_json(client, db_session, make_user):
    from core.auth import issue_token

    token = issue_token(db_session, make_user("archivist"))
    db_session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    text = {"title": "Tuyên ngôn", "caption": "a\r\nb", "transcription": "x\ry\tz"}
    created = client.post("/api/v1/items", json=ITEM | {"texts": {"vi": text}}, headers=headers)
    assert created.status_code == 201, created.get_json()
    stored = _item(db_session, "TXT-1").text_for("vi")
    assert (stored.caption, stored.transcription) == ("a\nb", "x\ny\tz")
    refused = client.post("/api/v1/items?lang=en", json=ITEM | {"reference_code": "TXT-2", "creator": "\x1b[31mred"},
                          headers=headers)  # fmt: skip
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["field"] == "creator" and error["message"] == (
        "Creator contains a control character (U+001B), which a text may not hold.")  # fmt: skip
    assert _item(db_session, "TXT-2") is None


def test_a_csv_row_with_a_control_character_fails_alone_with_the_reason(db_session, runner, make_user, tmp_path):
    make_user("admin")
    path = tmp_path / "items.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)  # writes "\r\n" between rows, and keeps the "\r\n" inside a quoted cell
        writer.writerow(["reference_code", "type", "title_vi", "description_vi"])
        writer.writerow(["CSV-1", "photo", "Ảnh một", "Dòng một\r\nDòng hai"])
        writer.writerow(["CSV-2", "photo", "Ảnh\x00hai", ""])
        writer.writerow(["CSV-3", "photo", "Ảnh ba", "Mô\x0ctả"])
    result = runner.invoke(args=["import", str(path), "--files", str(tmp_path)])
    assert result.exit_code == 1
    # Lines as the file has them: the first row spans two.
    assert "line 4 [CSV-2]" in result.output and "U+0000" in result.output
    assert "line 5 [CSV-3]" in result.output and "U+000C" in result.output
    assert _item(db_session, "CSV-1").text_for("vi").description == "Dòng một\nDòng hai"
    assert _item(db_session, "CSV-2") is None and _item(db_session, "CSV-3") is None
