"""The CSV files: UTF-8 with a BOM, the reader's spreadsheet conventions, no formula ever run."""

import csv
import io
import zipfile
from datetime import date

from reports.tables import Column, Table, delimiter_for, table_csv, tables_zip

TABLE = Table("items-by-body", "Items by body", (
    Column("Cơ quan"), Column("Mã", "code"), Column("Items", "count"), Column("Share", "percent"),
    Column("Month", "month"), Column("Opens", "date"),
), (
    ("Thông tấn xã Việt Nam", "ttxvn", 1234, 0.1534, (2025, 9), date(2025, 9, 2)),
    ("=HYPERLINK(\"http://x\")", "+1", 0, 0.2, (2026, 1), None),
    ("-2", "@SUM(A1)", 5, 1.0, (2026, 12), "2026-12-01"),
))  # fmt: skip


def _read(data: bytes, delimiter: str) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def test_french_and_vietnamese_files_use_semicolons_and_decimal_commas():
    assert delimiter_for("fr") == delimiter_for("vi") == ";" and delimiter_for("en") == ","
    rows = _read(table_csv(TABLE, "vi"), ";")
    assert rows[0] == ["Cơ quan", "Mã", "Items", "Share", "Month", "Opens"]
    assert rows[1] == ["Thông tấn xã Việt Nam", "ttxvn", "1234", "15,3", "2025-09", "2025-09-02"]
    assert _read(table_csv(TABLE, "en"), ",")[1][3] == "15.3"


def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted():
    rows = _read(table_csv(TABLE, "en"), ",")
    assert rows[2] == ['\'=HYPERLINK("http://x")', "'+1", "0", "20", "2026-01", ""]
    assert rows[3][:2] == ["'-2", "'@SUM(A1)"] and rows[3][2:4] == ["5", "100"]


def test_every_table_in_one_zip():
    data = tables_zip([TABLE, Table("empty", "Empty", (Column("A"),), ())], "fr", "vitrine-figures-2025")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["vitrine-figures-2025-items-by-body.csv", "vitrine-figures-2025-empty.csv"]
        assert _read(archive.read("vitrine-figures-2025-empty.csv"), ";") == [["A"]]
