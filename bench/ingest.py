"""Ingest figures: derivatives by our pipeline against a naive one, and the CSV import.

    .venv/bin/python bench/ingest.py [--images 20] [--tiffs 5] [--rows 10000]
    .venv/bin/python bench/ingest.py --images 0 --tiffs 0 [--repeat 3] [--no-index]   # the CSV import only

Prints images/s for both pipelines, their ratio, the peak memory of a worker, the use of
both cores for a batch, and the import of a metadata CSV against a bare SQLite executemany.
Not part of the test run.
"""

import argparse
import csv
import os
import resource
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import imaging  # noqa: E402

# The naive baseline makes the same set of sizes as the pipeline, one full-size resize each.
SIZES = tuple(sorted(imaging.DERIVATIVE_SIZES.values(), reverse=True))


def make_images(folder: Path, count: int, tiffs: int) -> list[Path]:
    """6000×4000 scans: JPEGs (about 7 MB) and uncompressed TIFFs with grain, as a scanner writes them."""
    # Film grain spans a few pixels at scan resolution; per-pixel white noise would make a
    # 15 MB JPEG that no scanner writes, and time the entropy decoder only.
    grain = Image.effect_noise((1500, 1000), 30).resize((6000, 4000), Image.Resampling.BICUBIC)
    base = Image.merge("RGB", [Image.linear_gradient("L").resize((6000, 4000)), grain,
                              Image.radial_gradient("L").resize((6000, 4000))])  # fmt: skip
    paths = []
    for index in range(count):
        path = folder / f"scan-{index}.jpg"
        base.rotate(index % 4 * 90, expand=False).save(path, "JPEG", quality=90)
        paths.append(path)
    for index in range(tiffs):
        path = folder / f"scan-{index}.tif"
        base.save(path, "TIFF")
        paths.append(path)
    return paths


def current_rss_kib() -> int:
    """The process's resident memory now (not its peak), from /proc."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def ours(path: str) -> tuple[int, int]:
    before = current_rss_kib()
    with tempfile.TemporaryDirectory() as out:
        imaging.derive_image(path, out)
    return before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def naive(path: str) -> tuple[int, int]:
    before = current_rss_kib()
    with tempfile.TemporaryDirectory() as out, Image.open(path) as image:
        image.load()
        image = image.convert("RGB")
        for size in SIZES:
            copy = image.copy()
            scale = size / max(copy.size)
            copy.resize((round(copy.width * scale), round(copy.height * scale)), Image.Resampling.LANCZOS).save(
                f"{out}/{size}.jpg", "JPEG", quality=85
            )
    return before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def timed(func, paths, workers: int) -> tuple[float, int, int]:
    """Seconds for the batch, the peak RSS (KiB) of any worker, and that peak above the worker's idle RSS."""
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        runs = list(pool.map(func, [str(p) for p in paths]))
    # The interpreter and its libraries are most of a worker's RSS: the image work is what is above it.
    idle = min(before for before, _peak in runs)
    peak = max(peak for _before, peak in runs)
    return time.perf_counter() - start, peak, peak - idle


def bench_images(folder: Path, count: int, tiffs: int) -> None:
    paths = make_images(folder, count, tiffs)
    jpegs, tifs = paths[:count], paths[count:]
    decoded_mb = 6000 * 4000 * 3 / 2**20
    print(f"decoded master: {decoded_mb:.0f} MB; sizes {SIZES}")
    for label, batch in (("JPEG", jpegs), ("TIFF", tifs)):
        if not batch:
            continue
        ours_s, ours_peak, ours_work = timed(ours, batch, 1)
        naive_s, naive_peak, naive_work = timed(naive, batch, 1)
        print(f"{label} ×{len(batch)}, one worker: ours {len(batch) / ours_s:.2f} img/s, naive "
              f"{len(batch) / naive_s:.2f} img/s, ratio {naive_s / ours_s:.1f}×; peak RSS per worker "
              f"ours {ours_peak / 1024:.0f} MB ({ours_work / 1024:.0f} MB above idle), "
              f"naive {naive_peak / 1024:.0f} MB ({naive_work / 1024:.0f} MB above idle)")  # fmt: skip
    one, _peak, _work = timed(ours, jpegs, 1)
    two, _peak, _work = timed(ours, jpegs, 2)
    print(f"JPEG batch on 2 workers: {one / two:.2f}× the speed of 1 (2.00 is linear; {os.cpu_count()} CPUs)")


# The tables a metadata-only row fills; the bare baseline inserts the same rows into copies of them.
ROW_TABLES = ("items", "item_texts", "item_terms", "item_tags")


def bench_csv(folder: Path, rows: int, repeat: int, index: bool) -> dict:
    """The best of `repeat` imports of `rows` items, each in a fresh process, against the baselines; prints them."""
    runs = []
    # A fresh process for each run: the heap a previous run leaves behind slows the next one's collector.
    with ProcessPoolExecutor(1, max_tasks_per_child=1) as pool:
        for attempt in range(repeat):
            runs.append(pool.submit(csv_run, folder / f"run-{rows}-{attempt}", rows, index and not attempt).result())
    best = {key: min(run[key] for run in runs) for key in ("ours", "same", "flat", "ours_cpu", "same_cpu")}
    ours_s, same_s, flat_s = best["ours"], best["same"], best["flat"]
    cpu_ratio = best["ours_cpu"] / best["same_cpu"]
    index_s, stored = runs[0]["index"], runs[0]["stored"]
    index = f"; then the search index {index_s:.1f} s ({rows / index_s:.0f} items/s)" if index_s else ""
    print(f"CSV import of {rows} rows ({stored} rows in {len(ROW_TABLES)} tables), best of {repeat}: {ours_s:.2f} s "
          f"({rows / ours_s:.0f} rows/s; CPU {best['ours_cpu']:.2f} s); bare executemany, same tables {same_s:.3f} s "
          f"(CPU {best['same_cpu']:.3f} s): ratio {ours_s / same_s:.1f}× (CPU {cpu_ratio:.1f}×; "
          f"target ≤ 10); one table {flat_s:.3f} s: ratio {ours_s / flat_s:.1f}×{index}")  # fmt: skip
    return best


def csv_run(folder: Path, rows: int, index: bool) -> dict:
    """Seconds to import `rows` items through the importer, and to insert them by two bare executemany baselines.

    "same tables": the very rows the import stored in items, item_texts, item_terms and
    item_tags, read back and inserted by plain sqlite3 executemany into empty copies of those
    tables (same DDL and indexes, same WAL and synchronous=NORMAL as the app), one
    transaction; only the executemany calls and the commit are timed. "one table": the
    earlier baseline, the CSV read into one flat table of six columns. Neither does the
    import's validation, audit events or outbox rows. The search index is applied after the
    import and timed apart: it is the index's work, done after commit by the outbox.
    """
    from archive import ingest
    from bench.setup import migrated_app
    from core.db import db
    from core.search import apply_pending
    from core.storage import get_storage

    folder.mkdir()
    data_dir = folder / "data"
    csv_path = folder / "items.csv"
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["reference_code", "type", "date", "place", "terms", "title_vi", "title_en"])
        for n in range(rows):
            writer.writerow([f"B-{n:06d}", "photo", "1954", "vn-ha-noi", "ICCPR", f"Ảnh số {n}", f"Photo {n}"])
    with migrated_app(data_dir) as (app, user):
        with open(csv_path, encoding="utf-8") as fh:
            parsed = ingest.read_rows(fh)
        user_id = user.id
        db.session.commit()  # the import writes in units of its own: this session holds no lock meanwhile
        start, cpu = time.perf_counter(), time.process_time()
        report = ingest.import_rows(get_storage(), user_id, parsed, ingest.FileSource(folder), False)
        ours_s, ours_cpu = time.perf_counter() - start, time.process_time() - cpu
        start = time.perf_counter()
        if index:
            apply_pending(app)
        index_s = time.perf_counter() - start if index else None
        database = db.engine.url.database
    assert len(report.imported) == rows, report.problems[:3]
    same_s, same_cpu, stored = same_tables_baseline(Path(database), folder / "bare-tables.sqlite3")
    flat_s = one_table_baseline(csv_path, folder / "bare.sqlite3")
    return {"ours": ours_s, "ours_cpu": ours_cpu, "same": same_s, "same_cpu": same_cpu, "flat": flat_s,
            "index": index_s, "stored": stored}  # fmt: skip


def same_tables_baseline(source: Path, target: Path) -> tuple[float, float, int]:
    """Seconds (wall, CPU) to insert the rows the import stored into empty copies of their tables, and how many."""
    with sqlite3.connect(source) as src:
        marks = ",".join("?" * len(ROW_TABLES))
        ddl = [sql for (sql,) in src.execute(f"SELECT sql FROM sqlite_master WHERE tbl_name IN ({marks}) "
                                             "AND sql IS NOT NULL ORDER BY type DESC", ROW_TABLES)]  # fmt: skip
        data = {table: src.execute(f"SELECT * FROM {table}").fetchall() for table in ROW_TABLES}
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    for sql in ddl:  # tables first ("table" sorts after "index" descending), then their indexes
        conn.execute(sql)
    start, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN")
    for table, values in data.items():
        if values:
            conn.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(values[0]))})", values)
    conn.execute("COMMIT")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    conn.close()
    return seconds, cpu, sum(len(v) for v in data.values())


def one_table_baseline(csv_path: Path, target: Path) -> float:
    """Seconds to read the CSV into one flat table: the first baseline, kept for comparison."""
    conn = sqlite3.connect(target)
    conn.execute(
        "CREATE TABLE items (code TEXT UNIQUE, type TEXT, date TEXT, place TEXT, title_vi TEXT, title_en TEXT)"
    )
    start = time.perf_counter()
    with open(csv_path, encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?)", ([r[0], r[1], r[2], r[3], r[5], r[6]]
                                                                          for r in reader))  # fmt: skip
    conn.commit()
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--tiffs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="CSV imports per size; the best one counts")
    parser.add_argument("--no-index", action="store_true", help="skip timing the search index after the import")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.images or args.tiffs:
            bench_images(folder, args.images, args.tiffs)
        if args.rows:
            small = bench_csv(folder, args.rows, args.repeat, not args.no_index)
            large = bench_csv(folder, args.rows * 2, args.repeat, not args.no_index)
            # CPU time too: on a busy machine the wall clock also measures the other processes.
            print(f"linearity: {args.rows * 2} rows took {large['ours'] / small['ours']:.2f}× the time of {args.rows} "
                  f"(CPU {large['ours_cpu'] / small['ours_cpu']:.2f}×; target ≤ 2.1)")  # fmt: skip


if __name__ == "__main__":
    main()
