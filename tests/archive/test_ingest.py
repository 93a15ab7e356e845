"""Bulk import from CSV + folder or ZIP, and the CSV export that reads back the same."""

import csv
import io
import zipfile

import pytest
from sqlalchemy import func, select

from archive.models import Item, MediaFile, Place, TextState
from tests.archive import samples
from tests.archive.test_media import stored_files

COLUMNS = ["reference_code", "type", "date", "place", "rights", "rights_note", "terms", "tags", "files", "title_vi",
           "title_en", "title_fr", "description_fr"]  # fmt: skip


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def batch(tmp_path, db_session, make_user):
    """A folder of scans and a CSV with good rows, then bad ones (lines 4–8)."""
    make_user("admin")
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "decree.pdf").write_bytes(samples.text_pdf(samples.corpus_english_lines(2)))
    (folder / "photo.jpg").write_bytes(samples.jpeg_with_exif())
    (folder / "poster.png").write_bytes(samples.png_bytes())
    (folder / "fake.jpg").write_bytes(samples.gif_bytes())
    hanoi = db_session.scalar(select(Place).where(Place.code == "vn-ha-noi")).names["vi"]
    rows = [
        {"reference_code": "IMP-001", "type": "document", "date": "2022-09-28", "place": "vn-ha-noi",
         "rights": "CC-BY-4.0", "rights_note": "Cổng thông tin Chính phủ", "terms": "ICCPR;CRC", "tags": "đề án",
         "files": "decree.pdf", "title_vi": "Quyết định 1079/QĐ-TTg",
         "title_en": "Decision 1079", "title_fr": "Décision 1079", "description_fr": "Décision du Premier ministre"},
        {"reference_code": "IMP-002", "type": "photo", "date": "c. 1954", "place": hanoi,
         "files": "photo.jpg;poster.png", "title_vi": "Ảnh tư liệu"},
        {"reference_code": "IMP-003", "type": "painting", "title_vi": "Loại sai"},
        {"reference_code": "IMP-004", "type": "photo", "terms": "NO-SUCH-TERM", "title_vi": "Thuật ngữ sai"},
        {"reference_code": "IMP-005", "type": "photo", "files": "missing.tif", "title_vi": "Thiếu tệp"},
        {"reference_code": "IMP-001", "type": "photo", "title_vi": "Mã lặp"},
        {"reference_code": "IMP-006", "type": "photo", "files": "fake.jpg", "title_vi": "Tệp GIF"},
    ]  # fmt: skip
    return write_csv(tmp_path / "items.csv", rows), folder


def test_dry_run_lists_every_bad_row_and_imports_nothing(app, db_session, runner, batch):
    csv_path, folder = batch
    result = runner.invoke(args=["import", str(csv_path), "--files", str(folder), "--dry-run"])
    assert result.exit_code == 1
    out = result.output
    assert "line 4 [IMP-003]" in out and "painting" in out
    assert "line 5 [IMP-004]" in out and "NO-SUCH-TERM" in out
    assert "line 6 [IMP-005]" in out and "missing.tif" in out
    assert "line 7 [IMP-001]" in out
    assert "line 8 [IMP-006]" in out and "GIF" in out
    assert "would import 2, skipped 0 already present, 5 rows with problems" in out
    assert db_session.scalar(select(func.count(Item.id))) == 0 and stored_files(app) == {}


def test_real_run_imports_good_rows_whole_and_can_be_rerun(app, db_session, runner, batch):
    csv_path, folder = batch
    result = runner.invoke(args=["import", str(csv_path), "--files", str(folder)])
    assert result.exit_code == 1 and "imported 2, skipped 0 already present, 5 rows with problems" in result.output
    db_session.rollback()
    items = {i.reference_code: i for i in db_session.scalars(select(Item))}
    assert sorted(items) == ["IMP-001", "IMP-002"]
    decree = items["IMP-001"]
    assert [t.code for t in decree.terms] == ["CRC", "ICCPR"] and decree.languages == ["en", "fr", "vi"]
    assert decree.text_for("fr").description == "Décision du Premier ministre"
    assert decree.text_for("vi").state == TextState.MACHINE and "HUMAN RIGHTS" in decree.text_for("vi").transcription
    assert items["IMP-002"].place.code == "vn-ha-noi"
    assert [m.mime_type for m in items["IMP-002"].media] == ["image/jpeg", "image/png"]

    again = runner.invoke(args=["import", str(csv_path), "--files", str(folder)])
    assert "imported 0, skipped 2 already present" in again.output
    db_session.rollback()
    assert db_session.scalar(select(func.count(MediaFile.id))) == 3


@pytest.mark.one_database
def test_rights_other_than_a_statement_refuse_the_row_naming_the_value(db_session, runner, tmp_path, make_user):
    make_user("admin")
    rows = [{"reference_code": "IMP-R1", "type": "photo", "rights": "Bản quyền của gia đình", "title_vi": "Ảnh"},
            {"reference_code": "IMP-R2", "type": "photo", "rights": "inc-edu", "title_vi": "Ảnh"}]  # fmt: skip
    result = runner.invoke(args=["import", str(write_csv(tmp_path / "rights.csv", rows)), "--files", str(tmp_path)])
    assert "line 2 [IMP-R1]" in result.output and "“Bản quyền của gia đình”" in result.output
    assert "imported 1" in result.output
    db_session.rollback()
    assert db_session.scalar(select(Item.rights)) == "http://rightsstatements.org/vocab/InC-EDU/1.0/"


@pytest.mark.one_database
def test_zip_of_files_is_read_and_unsafe_zips_refused(app, db_session, runner, batch, tmp_path):
    csv_path, folder = batch
    good = tmp_path / "scans.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in folder.iterdir():
            archive.write(path, path.name)
    result = runner.invoke(args=["import", str(csv_path), "--files", str(good), "--dry-run"])
    assert "would import 2" in result.output

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../etc/cron.d/x", b"* * * * * root true")
    result = runner.invoke(args=["import", str(csv_path), "--files", str(evil)])
    # The CLI speaks the default locale (vi) and names the entry.
    assert result.exit_code != 0 and "../../etc/cron.d/x" in result.output and "Traceback" not in result.output

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("decree.pdf", b"\x00" * 10_000_000)
    result = runner.invoke(args=["import", str(csv_path), "--files", str(bomb)])
    assert result.exit_code != 0 and "decree.pdf" in result.output and "Traceback" not in result.output
    db_session.rollback()
    assert db_session.scalar(select(func.count(Item.id))) == 0 and stored_files(app) == {}


def test_export_reads_back_as_the_same_import(app, db_session, runner, batch, tmp_path):
    csv_path, folder = batch
    runner.invoke(args=["import", str(csv_path), "--files", str(folder)])
    exported = runner.invoke(args=["export", "csv"])
    assert exported.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    assert [r["reference_code"] for r in rows] == ["IMP-001", "IMP-002"]
    assert rows[0]["terms"] == "CRC;ICCPR" and rows[0]["title_en"] == "Decision 1079"
    assert rows[1]["files"] == "photo.jpg;poster.png" and rows[1]["date"] == "c. 1954"
    # Rights as their URIs; none given on import is Copyright Not Evaluated.
    assert [(r["rights"], r["rights_note"]) for r in rows] == [
        ("http://creativecommons.org/licenses/by/4.0/", "Cổng thông tin Chính phủ"),
        ("http://rightsstatements.org/vocab/CNE/1.0/", "")]  # fmt: skip

    # The exported file, read into an empty archive, gives the same export.
    db_session.execute(Item.__table__.delete())
    db_session.commit()
    (tmp_path / "again.csv").write_text(exported.output, encoding="utf-8")
    reimport = runner.invoke(args=["import", str(tmp_path / "again.csv"), "--files", str(folder)])
    assert reimport.exit_code == 0, reimport.output
    assert runner.invoke(args=["export", "csv"]).output == exported.output


@pytest.mark.one_database
def test_import_form_dry_run_then_real_run(app, db_session, login_as, batch, tmp_path):
    csv_path, folder = batch
    archive = tmp_path / "scans.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in folder.iterdir():
            zf.write(path, path.name)
    client, _user = login_as("archivist")
    assert client.get("/staff/import").status_code == 200

    def post(**extra):
        data = {"csv": (io.BytesIO(csv_path.read_bytes()), "items.csv"),
                "files": (io.BytesIO(archive.read_bytes()), "scans.zip"), **extra}  # fmt: skip
        return client.post(
            "/staff/import?lang=en", data=data, content_type="multipart/form-data", follow_redirects=True
        )

    dry = post(dry_run="1").get_data(True)
    assert "2 rows would be imported." in dry and "<td>4</td>" in dry and "painting" in dry
    db_session.rollback()
    assert db_session.scalar(select(func.count(Item.id))) == 0
    real = post().get_data(True)
    assert "2 items imported." in real
    db_session.rollback()
    assert db_session.scalar(select(func.count(Item.id))) == 2


# Values a spreadsheet would run (OWASP CSV injection), and one that truly starts with an apostrophe before "=".
FORMULAS = {"creator": "=cmd|' /C calc'!A0", "rights_note": "@SUM(1+1)", "fonds": "+84 24 3825 3411",
            "source_archive": "'=literally this"}  # fmt: skip
FORMULA_TEXTS = {"vi": {"title": "-5 độ ở Sa Pa", "description": "'hello, an apostrophe kept as it is"},
                 "en": {"title": "=HYPERLINK(\"http://x.example\",\"click\")"}}  # fmt: skip


@pytest.mark.one_database
def test_the_export_runs_no_formula_and_reads_back_unchanged(app, db_session, runner, make_item, make_user, tmp_path):
    make_user("admin")
    make_item(tags=["=1+1", "'@x", "plain"], texts=FORMULA_TEXTS, **FORMULAS)
    exported = runner.invoke(args=["export", "csv"])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.reader(io.StringIO(exported.output)))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells and not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["creator"] == "'=cmd|' /C calc'!A0" and row["source_archive"] == "''=literally this"
    assert row["title_en"].startswith("'=") and row["description_vi"] == "'hello, an apostrophe kept as it is"

    db_session.execute(Item.__table__.delete())
    db_session.commit()
    (tmp_path / "again.csv").write_text(exported.output, encoding="utf-8")
    reimport = runner.invoke(args=["import", str(tmp_path / "again.csv"), "--files", str(tmp_path)])
    assert reimport.exit_code == 0, reimport.output
    item = db_session.scalar(select(Item))
    assert {name: getattr(item, name) for name in FORMULAS} == FORMULAS
    assert {t.label for t in item.tags} == {"=1+1", "'@x", "plain"}
    assert {t.lang: {"title": t.title, "description": t.description} for t in item.texts} == {
        "vi": FORMULA_TEXTS["vi"], "en": FORMULA_TEXTS["en"] | {"description": None}}  # fmt: skip
    assert runner.invoke(args=["export", "csv"]).output == exported.output


@pytest.mark.one_database
def test_files_never_come_through_links_out_of_the_folder_given(app, db_session, runner, make_user, tmp_path):
    make_user("admin")
    folder, outside = tmp_path / "scans", tmp_path / "elsewhere"
    folder.mkdir()
    outside.mkdir()
    (folder / "poster.png").write_bytes(samples.png_bytes())
    (folder / "same-poster.png").symlink_to(folder / "poster.png")  # a link inside the folder is followed
    secret = samples.png_bytes((64, 64))
    (outside / "secret.png").write_bytes(secret)
    (folder / "secret.png").symlink_to(outside / "secret.png")
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    (folder / "dangling.png").symlink_to(tmp_path / "nothing-here.png")
    rows = [{"reference_code": "LNK-1", "type": "poster", "files": "same-poster.png", "title_vi": "Trong thư mục"},
            {"reference_code": "LNK-2", "type": "poster", "files": "secret.png", "title_vi": "Ra ngoài"},
            {"reference_code": "LNK-3", "type": "poster", "files": "linked/secret.png", "title_vi": "Thư mục liên kết"},
            {"reference_code": "LNK-4", "type": "poster", "files": "dangling.png", "title_vi": "Hỏng"}]  # fmt: skip
    csv_path = write_csv(tmp_path / "items.csv", rows)
    result = runner.invoke(args=["import", str(csv_path), "--files", str(folder)])  # a dry run checks the same way
    assert result.exit_code == 1
    # The command speaks the default language: the reason names the file either way.
    assert "line 3 [LNK-2]" in result.output and "secret.png." in result.output
    assert "line 4 [LNK-3]" in result.output and "linked/secret.png" in result.output
    assert "line 5 [LNK-4]" in result.output and "dangling.png" in result.output
    assert [item.reference_code for item in db_session.scalars(select(Item))] == ["LNK-1"]
    assert secret not in stored_files(app).values()
