"""A dry run of a CSV import reads it as a stream (issue 24): its memory does not grow with its rows. A
1,000,000-row CSV in the import template's columns (about 200 bytes a row) once grew a process by 545 MB; the
bound is 100 MB over the process idle. `make test` checks the short form, that reading 4,500 more rows of a
6,000-row CSV keeps nothing of them; the `long` form runs the million rows in a process of its own and reads its
peak resident size."""

import gc
import resource
import sys
from pathlib import Path

import pytest

from archive import ingest
from tests.conftest import app_settings, data_dir

COLUMNS = ("reference_code,type,date,place,body,creator,rights,rights_note,source_archive,fonds,terms,tags,files,"
           "title_vi,description_vi")  # fmt: skip
ROW = ("VN-{n:07d},photo,1945-09-02,vn-ha-noi,,Nguyễn Văn An,InC,,Trung tâm Lưu trữ Quốc gia III,Phông Bộ Ngoại giao,"
       "ICCPR;CRC,ảnh tư liệu;Hà Nội,,Ảnh tư liệu số {n},Quyền con người ở Hà Nội năm 1945\n")  # fmt: skip


def write_template_csv(path: Path, rows: int, repeat_every: int = 0) -> Path:
    """A CSV of `rows` rows in the import template's columns, about 200 bytes each; every `repeat_every`-th row
    repeats the code of the row before it."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(COLUMNS + "\n")
        for n in range(rows):
            out.write(ROW.format(n=n - 1 if repeat_every and n and n % repeat_every == 0 else n))
    return path


def dry_run(path: Path, user_id: int, progress=None) -> ingest.ImportReport:
    """What the import job does with a CSV: read it whole once, then check every row, storing nothing."""
    scan = ingest.scan_csv(path)
    with open(path, encoding="utf-8-sig", newline="") as text:
        return ingest.import_rows(None, user_id, ingest.read_rows(text), ingest.FileSource(path.parent), True,
                                  progress=progress, repeated=scan.repeated)  # fmt: skip


@pytest.mark.one_database  # the rows are read from a file and checked in memory; the database is read once
def test_a_dry_run_takes_no_more_memory_for_more_rows(app, db_session, make_user, tmp_path):
    user_id = make_user("archivist").id
    path = write_template_csv(tmp_path / "rows.csv", 6_000, repeat_every=1_000)
    blocks = {}

    def count_blocks(rows):
        # Memory blocks Python holds, once the report's lists are full (REPORT_LIMIT) and at the end: reading
        # 4,500 more rows may not keep anything of them (a list of their codes alone would be 9,000 blocks).
        for done, row in enumerate(rows):
            if done in (1_500, 5_999):
                gc.collect()
                blocks[done] = sys.getallocatedblocks()
            yield row

    report = dry_run(path, user_id, count_blocks)
    assert report.imported_count == 5_995 and len(report.imported) == ingest.REPORT_LIMIT
    assert report.problem_count == 5 and report.problems[0].line == 1_002  # the repeat of line 1,001
    assert blocks[5_999] - blocks[1_500] < 1_000, blocks


def _million_rows(settings: dict, path: str, user_id: int, answer) -> None:
    """In a process of its own: the resident size idle (app made, CSV written), and the peak after the dry run."""
    from app import create_app

    app = create_app(settings)
    with app.app_context():
        idle = _resident_bytes()
        report = dry_run(Path(path), user_id)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        answer.put((idle, peak, report.imported_count, report.problem_count))


def _resident_bytes() -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


@pytest.mark.long
def test_a_million_row_dry_run_stays_within_100_mb(app, db_session, make_user, tmp_path, process_context):
    user_id = make_user("archivist").id
    db_session.commit()
    path = write_template_csv(tmp_path / "million.csv", 1_000_000, repeat_every=100_000)
    assert 180 * 1_000_000 < path.stat().st_size < 260 * 1_000_000
    answer = process_context.Queue()
    settings = app_settings(data_dir(tmp_path), app.config["SQLALCHEMY_DATABASE_URI"])
    child = process_context.Process(target=_million_rows, args=(settings, str(path), user_id, answer))
    child.start()
    idle, peak, imported, problems = answer.get(timeout=1800)
    child.join()
    assert (imported, problems) == (999_991, 9)
    assert peak - idle < 100 * 1024 * 1024, f"grew {(peak - idle) / 2**20:.0f} MB over {idle / 2**20:.0f} MB idle"
