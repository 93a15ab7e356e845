"""The CSV import over any file (hypothesis, issue 24): random cells (quotes, separators, line ends, control
characters, marks, long texts), random columns, several encodings and plain bytes. A file is either refused
whole with a ValidationError before anything is stored, or every row is imported, skipped or reported with
its problem: never another exception, never a row lost or stored twice. Then the refusals an API client meets
(not UTF-8, an enormous cell, no reference_code column): a failed job saying why, nothing stored."""

import csv
import io

import pytest
from hypothesis import strategies as st
from sqlalchemy import func, select

from archive import import_jobs, ingest
from archive.models import Item
from core.errors import ValidationError
from core.storage import get_storage
from core.uow import unit
from tests.properties import check

COLUMNS = ["reference_code", "type", "date", "place", "body", "creator", "rights", "terms", "tags", "files",
           "title_vi", "description_vi", "title_en", "caption_fr", "title_tyz", "title_xx-nope"]  # fmt: skip
NEAR = {"reference_code": st.sampled_from(["A-1", "A-2", "A-3", "", " A-1 ", "=A-4", "'=A-5"]),
        "type": st.sampled_from(["photo", "document", "painting", ""]),
        "date": st.sampled_from(["1945", "1945-09-02", "c. 1954", "1986/1990", "1990/1986", "13/45", "²"]),
        "place": st.sampled_from(["vn-ha-noi", "Hà Nội", "nowhere", ""]),
        "terms": st.sampled_from(["ICCPR", "ICCPR;CRC", "NOPE", ";;"]),
        "tags": st.sampled_from(["a;b", "a;A", ";" * 300, "x" * 101])}  # fmt: skip
CELL = st.text(max_size=60) | st.text(st.sampled_from('",;\r\n\t\x00\x07 aáà\u0301'), max_size=20)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1258"])


@st.composite
def csv_files(draw) -> bytes:
    """A CSV as a person or a program might send one: mostly the import's columns, cells near or far from
    what they should hold, in some encoding; sometimes plain bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    columns = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8, unique=True))
    if draw(st.integers(0, 5)):
        columns = ["reference_code", *[c for c in columns if c != "reference_code"]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for _row in range(draw(st.integers(0, 6))):
        writer.writerow([draw(NEAR.get(column, CELL) | CELL) for column in columns])
    if draw(st.integers(0, 20)) == 0:
        out.write("A-9," + "x" * (ingest.MAX_CELL_CHARS + 1) + "\n")
    return out.getvalue().encode(draw(ENCODINGS), errors="replace")


def _items() -> int:
    with unit("count", write=False) as session:
        return session.scalar(select(func.count(Item.id)))


@pytest.fixture
def importer(app, make_user, tmp_path):
    """Import a CSV's bytes as the job does (scan, then rows as a stream); returns the scan and report, or the
    refusal."""
    user_id = make_user("archivist").id

    def run(data: bytes):
        path = tmp_path / "import.csv"
        path.write_bytes(data)
        try:
            scan = ingest.scan_csv(path)
        except ValidationError as refusal:
            return refusal, None
        with open(path, encoding="utf-8-sig", newline="") as text:
            rows = ingest.read_rows(text)
            return scan, ingest.import_rows(get_storage(), user_id, rows, ingest.FileSource(tmp_path), False,
                                            repeated=scan.repeated)  # fmt: skip

    return run


def _every_row_accounted_for(importer, data: bytes) -> None:
    before = _items()
    scan, report = importer(data)
    if report is None:  # refused whole
        assert scan.field == "csv" and scan.message
        assert _items() == before
        return
    assert report.imported_count + report.skipped_count + report.problem_count == scan.rows
    assert _items() == before + report.imported_count


@pytest.mark.one_database  # the file's reading is checked; the rows' storing is the import tests' on both
def test_any_csv_is_imported_row_by_row_or_refused_whole(importer):
    check(20, csv_files())(lambda data: _every_row_accounted_for(importer, data))


@pytest.mark.long
def test_any_csv_is_imported_row_by_row_or_refused_whole_many_times(importer):
    check(1000, csv_files())(lambda data: _every_row_accounted_for(importer, data))


@pytest.fixture
def app_config(app_config):
    return app_config | {"IMPORT_JOBS": "worker"}


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ("reference_code,title_vi\nR-1,Hà Nội\n".encode("cp1258", errors="replace"), "UTF-8"),
        ("reference_code,title_vi\nR-1,Hà Nội\n".encode("utf-16"), "UTF-8"),
        (b"reference_code,title_vi\nR-1,a\nR-2," + b"x" * (ingest.MAX_CELL_CHARS + 1) + b"\n", "200,000"),
        (b"reference_code,title_vi\nR-1,a\nR-2," + b",".join([b"x" * 150_000] * 7) + b"\n", "1,000,000"),
        (b"title_vi\nHa Noi\n", "reference_code"),
        (b"reference_code," + b",".join(b"c%d" % n for n in range(600)) + b"\nR-1\n", "500"),
    ],
    ids=["cp1258", "utf-16", "cell", "row", "no-code", "columns"],
)
def test_a_refused_csv_fails_its_job_saying_why_and_stores_nothing(app, client, auth, data, said):
    headers = auth()
    # The body written out: werkzeug's test client spools a file field past 500 KB to a file it never closes.
    body = (b'--B\r\nContent-Disposition: form-data; name="csv"; filename="items.csv"\r\nContent-Type: text/csv'
            b"\r\n\r\n" + data + b"\r\n--B--\r\n")  # fmt: skip
    answer = client.post("/api/v1/imports", data=body, headers=headers, content_type="multipart/form-data; boundary=B")
    assert answer.status_code == 202
    assert import_jobs.run_pending(app) == 1
    job = client.get(answer.headers["Location"], headers=headers).json
    assert job["status"] == "failed" and job["error"]["code"] == "refused", job
    assert said in job["error"]["message"]
    assert _items() == 0
