"""Deep pages of a big archive: the API's first page against a page 45,000 items down, by number and by cursor.

    .venv/bin/python bench/paging.py [--items 50000] [--depth 45000] [--runs 30] [--databases sqlite,postgresql]
                                     [--search-pages 1000]

For each database (PostgreSQL: a throwaway server of deploy.postgres, as the tests start one) a fresh archive of
`--items` published items (a Vietnamese title each) is read through the app's test client, `/api/v1/items`, 20 a
page (per_page=20):

- `first`: the first page;
- `offset`: `?page=N`, the page starting `--depth` items down (an SQL OFFSET reads and skips every row before it);
- `cursor`: the same page reached through the `links.next` of the page before it (keyset: read from the index
  where the last page stopped).

Each is asked `--runs` times after a warm-up, the cases in turn: median and 95th percentile on the clock and the
median CPU time of this process, and each figure as a ratio to `first` measured in the same run (`first / this`:
1.0 is as fast as the first page). On SQLite the archive is then indexed and the public search page `/items`
(the browse page by date: the engine pages by number up to a stated depth) is asked for page 1 and page
`--search-pages`.
Other work shares this machine: absolute times are noisy, the ratios are what count. Not part of the test run.
"""

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PER_PAGE = 20
BATCH = 5_000
START = datetime(2020, 1, 1, tzinfo=UTC)


def add_items(count: int) -> None:
    """`count` published items changed a second apart, each with a Vietnamese title, inserted in batches."""
    from sqlalchemy import insert, select

    from archive.models import Item, ItemStatus, ItemText, ItemType
    from core.db import db

    session = db.session
    for start in range(0, count, BATCH):
        numbers = range(start, min(count, start + BATCH))
        at = [START + timedelta(seconds=n) for n in numbers]
        session.execute(insert(Item), [
            {"reference_code": f"PAGE-{n:06d}", "type": ItemType.PHOTO, "status": ItemStatus.PUBLISHED,
             "date_text": str(1945 + n % 80), "version": 1, "created_at": when, "updated_at": when}
            for n, when in zip(numbers, at, strict=True)])  # fmt: skip
        ids = session.execute(select(Item.id).where(Item.reference_code >= f"PAGE-{start:06d}")
                              .where(Item.reference_code <= f"PAGE-{numbers[-1]:06d}")).scalars().all()  # fmt: skip
        session.execute(insert(ItemText), [{"item_id": i, "lang": "vi", "state": "reviewed", "updated_at": START,
                                            "title": f"Ảnh tư liệu quyền con người số {i}"} for i in ids])  # fmt: skip
        session.commit()


def timed(client, cases: dict[str, str], runs: int) -> dict[str, dict]:
    """Per case (name → path), median and p95 on the clock and median CPU, in ms, of `runs` GETs after one
    warm-up; the cases asked in turn, so that the machine's other work weighs on each alike."""
    samples = {name: ([], []) for name in cases}
    for path in cases.values():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
    for _run in range(runs):
        for name, path in cases.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            samples[name][0].append((time.perf_counter() - started) * 1000)
            samples[name][1].append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, path
    figures = {}
    for name, (wall, cpu) in samples.items():
        wall.sort()
        figures[name] = {"p50": statistics.median(wall), "p95": wall[max(0, round(0.95 * len(wall)) - 1)],
                         "cpu": statistics.median(cpu)}  # fmt: skip
    return figures


def report(label: str, figures: dict[str, dict]) -> None:
    """One line a case, with `first / case` on the clock and in CPU time."""
    first = figures["first"]
    print(f"\n{label}")
    print(f"  {'case':<34}{'p50 ms':>9}{'p95 ms':>9}{'cpu ms':>9}{'ratio':>8}{'cpu ratio':>11}")
    for name, f in figures.items():
        print(f"  {name:<34}{f['p50']:9.1f}{f['p95']:9.1f}{f['cpu']:9.1f}"
              f"{first['p50'] / f['p50']:8.2f}{first['cpu'] / max(f['cpu'], 0.01):11.2f}")  # fmt: skip


def api_figures(client, base_url: str, depth: int, runs: int) -> dict[str, dict]:
    """The first page, the page `depth` items down by number, and the same page by cursor."""
    number = depth // PER_PAGE + 1
    before = client.get(f"/api/v1/items?per_page={PER_PAGE}&page={number - 1}").json
    by_cursor = before["links"]["next"].removeprefix(base_url)
    by_number = f"/api/v1/items?per_page={PER_PAGE}&page={number}"
    ids = [[i["id"] for i in client.get(path).json["items"]] for path in (by_cursor, by_number)]
    assert ids[0] == ids[1], "the page by cursor differs from the page by number"
    return timed(client, {"first": f"/api/v1/items?per_page={PER_PAGE}",
                          f"offset: page={number} (row {depth:,})": by_number,
                          f"cursor: links.next at row {depth:,}": by_cursor}, runs)  # fmt: skip


def run(database: str, url: str | None, folder: Path, args) -> None:
    """Fill one archive and report its figures."""
    from bench.setup import migrated_app
    from core import search
    from core.db import db

    # No background thread in this process: what it measures is the requests alone (the search index is built
    # by hand below), and nothing outlives the archive's folder.
    config = {"BASE_URL": "http://bench.test", "MEDIA_JOBS": "worker", "IMPORT_JOBS": "worker",
              "HARVEST_JOBS": "worker", "OAI_APPLY": "worker"}  # fmt: skip
    if url:
        config["SQLALCHEMY_DATABASE_URI"] = url
    with migrated_app(folder, **config) as (app, _user):
        started = time.perf_counter()
        add_items(args.items)
        print(f"\n{database}: {args.items:,} published items inserted in {time.perf_counter() - started:.1f} s")
        db.session.remove()
        client = app.test_client()
        report(f"{database}: /api/v1/items, {PER_PAGE} a page, {args.runs} runs",
               api_figures(client, "http://bench.test", args.depth, args.runs))  # fmt: skip
        if database == "sqlite" and args.search_pages:
            started = time.perf_counter()
            search.reindex()
            print(f"\n(indexed for search in {time.perf_counter() - started:.1f} s)")
            deep = args.search_pages
            cases = {"first": "/items?lang=en",
                     f"page={deep} (row {(deep - 1) * PER_PAGE:,})": f"/items?lang=en&page={deep}"}  # fmt: skip
            report(f"{database}: the public browse page /items (the search engine, {PER_PAGE} a page)",
                   timed(client, cases, args.runs))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--depth", type=int, default=45_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--search-pages", type=int, default=1000, help="the deep page of /items; 0 leaves it out")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the migrations' lines of each fresh archive
    if not 0 < args.depth < args.items <= 1_000_000 or not 1 <= args.runs <= 1000:
        parser.error("need 0 < --depth < --items <= 1,000,000 and 1 <= --runs <= 1,000")
    for database in args.databases.split(","):
        with tempfile.TemporaryDirectory(prefix="vitrine-paging-") as folder:
            if database == "sqlite":
                run(database, None, Path(folder), args)
            elif database == "postgresql":
                from deploy.postgres import LocalPostgres, find_bin_dir

                # A folder of its own: the server's user must reach it, and the data folder is private.
                server_folder = Path(tempfile.mkdtemp(prefix="vitrine-paging-pg-"))
                server = LocalPostgres(server_folder, find_bin_dir(), {"fsync": "off"}, tcp=False)
                try:
                    server.start()
                    run(database, server.create_database("paging"), Path(folder), args)
                finally:
                    server.stop()
                    shutil.rmtree(server_folder, ignore_errors=True)
            else:
                parser.error(f"unknown database {database!r}: sqlite or postgresql")


if __name__ == "__main__":
    main()
