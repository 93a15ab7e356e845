"""The public pages' request times: the home page, browsing and the sitemap, on the demo and on a bigger archive.

    .venv/bin/python bench/portal.py [--items 3000] [--runs 20]

Loads the demo into a fresh data folder through the CLI (as `make run` does) and times each page through
the test client: median and slowest of `--runs` requests after one warm-up, in the page's own language.
Then adds `--items` published items, copies of the demo's published ones (texts, terms, images) spread
over places (former provinces among them) and a century of dates, indexes them, and times the pages again.
Not part of the test run.
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

from app import create_app  # noqa: E402
from archive.models import Item, ItemStatus, ItemText, MediaFile, Place  # noqa: E402
from core import search  # noqa: E402
from core.db import db  # noqa: E402

PAGES = ["/?lang=vi", "/?lang=fr", "/items?lang=en", "/items?lang=en&q=quyen+con+nguoi", "/items?lang=vi&decade=2010",
         "/exhibitions?lang=en", "/sitemap.xml"]  # fmt: skip
BATCH = 500


def timed(client, path: str, runs: int) -> tuple[float, float, int]:
    """Median and slowest time of `runs` requests in ms, after a warm-up; and the response's size."""
    size = len(client.get(path).get_data())
    times = []
    for _run in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times), max(times), size


def report(client, runs: int, label: str) -> None:
    total = db.session.query(Item).filter(Item.status == ItemStatus.PUBLISHED).count()
    print(f"\n{label}: {total} published items")
    for path in PAGES:
        median, slowest, size = timed(client, path, runs)
        print(f"  {path:<40} median {median:7.1f} ms   slowest {slowest:7.1f} ms   {size / 1024:7.1f} KiB")


def add_items(count: int) -> None:
    """`count` published copies of the demo's published items, committed in batches, then indexed."""
    session = db.session
    templates = session.scalars(
        select(Item).where(Item.status == ItemStatus.PUBLISHED).order_by(Item.id)
        .options(selectinload(Item.texts), selectinload(Item.terms), selectinload(Item.media))
    ).all()  # fmt: skip
    places = session.scalars(select(Place).order_by(Place.id)).all()
    for start in range(0, count, BATCH):
        for n in range(start, min(count, start + BATCH)):
            source = templates[n % len(templates)]
            day = date(1925 + n * 7 % 100, 1 + n % 12, 1)
            item = Item(reference_code=f"BENCH-{n:06d}", type=source.type, date_text=day.isoformat()[:7],
                        date_start=day, date_end=day, place=places[n * 13 % len(places)], body_id=source.body_id,
                        status=ItemStatus.PUBLISHED, terms=list(source.terms))  # fmt: skip
            item.texts = [ItemText(lang=t.lang, title=f"{t.title} ({n})", description=t.description, state=t.state)
                          for t in source.texts]  # fmt: skip
            item.media = [MediaFile(sha256=m.sha256, size=m.size, mime_type=m.mime_type, original_name=m.original_name,
                                    width=m.width, height=m.height, pages=m.pages) for m in source.media]  # fmt: skip
            session.add(item)
        session.commit()
    search.reindex()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vitrine-bench-") as folder:
        # The search outbox is applied by hand (reindex) after the bulk insert, not after each batch.
        app = create_app({"DATA_DIR": folder, "SECRET_KEY": "bench", "SEARCH_APPLY": "inline", "MEDIA_JOBS": "inline"})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            result = app.test_cli_runner().invoke(args=["demo", "load"])
            assert result.exit_code == 0, result.output
            client = app.test_client()
            report(client, args.runs, "demo")
            app.config["SEARCH_APPLY"] = "worker"
            started = time.perf_counter()
            add_items(args.items)
            print(f"\n(added and indexed {args.items} items in {time.perf_counter() - started:.1f} s)")
            report(client, args.runs, f"demo + {args.items} items")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
