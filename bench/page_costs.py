"""What one public page costs in one process: SQL statements and CPU time per request, with the page cache off (a
miss: the page made) and on (a hit), on the demo (SQLite, the test client).

    .venv/bin/python bench/page_costs.py [--runs 30] [--profile PAGE]

`--profile item` (or home, exhibition, search, qr) prints the top of a cProfile of that page made afresh.
Not part of the test run; CPU times are noisy on a shared machine, statement counts are not.
"""

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from core.db import db  # noqa: E402
from core.page_cache import page_cache  # noqa: E402

HEADERS = {"Accept-Language": "vi"}


def pages(client) -> dict[str, str]:
    """The pages bench/load.py loads, found through the API."""
    item = client.get("/api/v1/items?per_page=1").get_json()["items"][0]
    exhibition = client.get("/api/v1/exhibitions?per_page=1").get_json()["exhibitions"][0]
    return {
        "healthz": "/healthz",
        "home": "/?lang=vi",
        "item": f"/items/{item['id']}?lang=vi",
        "exhibition": urlsplit(exhibition["links"]["page"]).path + "?lang=vi",
        "search": "/items?q=quyen&lang=vi",
        "search API": "/api/v1/search?q=quyen",
        "qr": urlsplit(exhibition["qr"]["url"]).path,
    }


def measure(app, client, path: str, runs: int) -> tuple[int, float]:
    """(SQL statements of one request, median CPU ms) after a warm-up request."""
    counted = []

    def count(*_args):
        counted.append(1)

    client.get(path, headers=HEADERS)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(path, headers=HEADERS)
        statements = len(counted)
        times = []
        for _ in range(runs):
            started = time.process_time()
            client.get(path, headers=HEADERS)
            times.append((time.process_time() - started) * 1000)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", help="a page's name: print its profile made afresh")
    parser.add_argument("--statements", help="a page's name: print the SQL statements it runs when made")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vitrine-costs-") as folder:
        settings = {"DATA_DIR": folder, "SECRET_KEY": "bench", "SEARCH_APPLY": "inline", "MEDIA_JOBS": "inline"}
        loader = create_app(settings)
        with loader.app_context():
            from flask_migrate import upgrade

            upgrade()
            result = loader.test_cli_runner().invoke(args=["demo", "load"])
            assert result.exit_code == 0, result.output
            db.session.remove()
        apps = {
            "miss": create_app(settings | {"PAGE_CACHE_BYTES": 0}),
            "hit": create_app(settings | {"PAGE_CACHE_BYTES": 64 * 1024 * 1024}),
        }
        found = pages(apps["miss"].test_client())
        if args.statements:
            client = apps["miss"].test_client()
            client.get(found[args.statements], headers=HEADERS)
            with apps["miss"].app_context():
                engine = db.engine
            shown = []
            event.listen(engine, "before_cursor_execute", lambda *a: shown.append(" ".join(a[2].split())[:300]))
            client.get(found[args.statements], headers=HEADERS)
            print("\n".join(shown))
            return
        if args.profile:
            client = apps["miss"].test_client()
            client.get(found[args.profile], headers=HEADERS)
            profile = cProfile.Profile()
            profile.runcall(lambda: [client.get(found[args.profile], headers=HEADERS) for _ in range(args.runs)])
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
            return
        print(f"{'page':<12}{'SQL (miss)':>11}{'CPU ms (miss)':>15}{'SQL (hit)':>11}{'CPU ms (hit)':>14}")
        for name, path in found.items():
            miss = measure(apps["miss"], apps["miss"].test_client(), path, args.runs)
            hit = measure(apps["hit"], apps["hit"].test_client(), path, args.runs)
            print(f"{name:<12}{miss[0]:>11}{miss[1]:>15.2f}{hit[0]:>11}{hit[1]:>14.2f}", flush=True)
        print(f"hits {page_cache(apps['hit']).hits}, misses {page_cache(apps['hit']).misses}")


if __name__ == "__main__":
    main()
