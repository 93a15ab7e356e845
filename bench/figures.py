"""Figures page speed: /staff/figures on the demo, then with ~10,000 items and a programme's year of use.

    .venv/bin/python bench/figures.py [--items 10000] [--exhibitions 80] [--repeat 7] [--keep DIR]

The demo is loaded as `flask demo load` loads it. The bulk is inserted with plain INSERTs (no
service, no index, no media: the figures read only rows): items entered from 2023 to 2026 with a
Vietnamese text each and others in the proportions a programme might reach (English 12 %, French
5 %, Chinese 2 %, Tày 3 %, Khmer 2 %, Ê Đê 1 %, Jrai 1 %), of every type, status and body;
exhibitions at provinces before and after 1 July 2025 (Kiên Giang, Thừa Thiên Huế… as they were
named) and abroad, 40 panels each with a code per language, scans on most days of a year for
every panel code, and downloads per language and kind. Prints the median and the worst request
time of the page (and its CPU time), for every year and for one year, of one CSV and of the ZIP.
`--keep DIR` keeps the database and data folder there (the screenshots use it).
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import migrated_app  # noqa: E402

LANGUAGE_RATES = {"en": 0.12, "fr": 0.05, "zh": 0.02, "tyz": 0.03, "km": 0.02, "rad": 0.01, "jra": 0.01}
OLD_VENUES = ["vn-kien-giang", "vn-thua-thien-hue", "vn-bac-lieu", "vn-ha-giang", "vn-kon-tum", "vn-binh-dinh"]
NEW_VENUES = [
    "vn-an-giang",
    "vn-hue",
    "vn-ca-mau",
    "vn-tuyen-quang",
    "vn-quang-ngai",
    "vn-gia-lai",
    "vn-cao-bang",
    "vn-ha-noi",
    "vn-dak-lak",
    "vn-lao-cai",
    "vn-can-tho",
    "vn-ho-chi-minh",
]
ABROAD = ["geneva", "new-york", "bangkok", "paris", "vientiane", "phnom-penh"]


def timed(client, url: str, repeat: int) -> tuple[float, float, float]:
    """Median and worst wall time and median CPU time of `repeat` GETs of `url`, in ms, after a warm-up.

    The CPU time is the process's (SQLite runs in it): on a shared machine it is the steadier figure."""
    assert client.get(url).status_code == 200, url
    walls, cpus = [], []
    for _n in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200
    return statistics.median(walls), max(walls), statistics.median(cpus)


def report(label: str, client, repeat: int, year: int) -> None:
    for name, url in [
        ("page, every year", "/staff/figures?lang=vi"),
        (f"page, {year}", f"/staff/figures?lang=vi&year={year}"),
        ("one CSV (provinces)", "/staff/figures/provinces.csv?lang=vi"),
        ("ZIP of every table", "/staff/figures.zip?lang=vi"),
    ]:
        median, worst, cpu = timed(client, url, repeat)
        print(
            f"{label:>14} · {name:<20} wall median {median:7.1f} ms, worst {worst:7.1f} ms · cpu median {cpu:7.1f} ms"
        )


def add_bulk(session, items: int, exhibitions: int, seed: int = 2025) -> dict:
    """Insert the synthetic programme: items with texts, shown exhibitions, panels, codes, scans, downloads."""
    from sqlalchemy import insert, select

    from archive.models import Body, Item, ItemText, Place
    from exhibitions.models import DownloadDay, Entry, Exhibition, ExhibitionText, QrLink, QrScanDay, Section

    rng = random.Random(seed)
    bodies = list(session.scalars(select(Body.id)))
    places = {p.code: p.id for p in session.scalars(select(Place))}
    first_id = (session.scalar(select(Item.id).order_by(Item.id.desc()).limit(1)) or 0) + 1
    start = datetime(2023, 1, 1, tzinfo=UTC)
    rows, texts = [], []
    for n in range(items):
        item_id = first_id + n
        rows.append(
            {
                "id": item_id,
                "reference_code": f"BENCH-{n:06d}",
                "version": 1,
                "type": rng.choice(["photo", "photo", "photo", "document", "document", "poster", "publication"]),
                "status": rng.choices(["draft", "review", "published", "withdrawn"], [10, 10, 78, 2])[0],
                "body_id": rng.choice(bodies + [None]),
                "created_at": start + timedelta(days=rng.random() * 1430),
                "updated_at": start,
                "date_text": "1990",
                "date_start": date(1990, 1, 1),
            }
        )
        texts.append(
            {"item_id": item_id, "lang": "vi", "title": f"Tư liệu số {n}", "state": "reviewed", "updated_at": start}
        )
        for lang, rate in LANGUAGE_RATES.items():
            if rng.random() < rate:
                texts.append(
                    {
                        "item_id": item_id,
                        "lang": lang,
                        "title": f"Item {n} ({lang})",
                        "updated_at": start,
                        "state": rng.choice(["machine", "reviewed"]),
                    }
                )
    if rows:
        session.execute(insert(Item), rows)
        session.execute(insert(ItemText), texts)
    published = [r["id"] for r in rows if r["status"] == "published"]

    link_count = scans = downloads = 0
    today = date.today()
    for e in range(exhibitions):
        if e % 5 == 4:
            venue, opens = rng.choice(ABROAD), date(2024, 1, 1) + timedelta(days=rng.randrange(1000))
        elif e % 3 == 0:
            venue, opens = rng.choice(OLD_VENUES), date(2023, 3, 1) + timedelta(days=rng.randrange(800))
        else:
            venue, opens = rng.choice(NEW_VENUES), date(2025, 7, 1) + timedelta(days=rng.randrange(500))
        langs = ["en"] + (["tyz"] if e % 4 == 0 else []) + (["km"] if e % 7 == 0 else [])
        exhibition = Exhibition(
            code=f"BX{e:03d}",
            venue_id=places[venue],
            opens_on=opens,
            primary_language="vi",
            languages=langs,
            fallback_chain=["vi"],
            status="published",
            published_at=datetime.combine(opens, datetime.min.time(), UTC),
        )
        exhibition.texts = [ExhibitionText(lang=lang, title=f"Triển lãm {e} ({lang})") for lang in ["vi", *langs]]
        section = Section(position=0, texts={"vi": {"title": "Phần 1"}})
        section.entries = [Entry(item_id=rng.choice(published), position=p, panel_number=str(p + 1)) for p in range(40)]
        exhibition.sections = [section]
        session.add(exhibition)
        session.flush()
        links = []
        for entry in section.entries:
            for lang in [None, *langs]:
                links.append(
                    {
                        "code": f"b{e:03d}{entry.position:02d}{lang or 'vi'}"[:16],
                        "exhibition_id": exhibition.id,
                        "target": "entry",
                        "target_id": entry.id,
                        "lang": lang,
                        "created_at": start,
                    }
                )
        session.execute(insert(QrLink), links)
        link_ids = list(session.scalars(select(QrLink.id).where(QrLink.exhibition_id == exhibition.id)))
        link_count += len(link_ids)
        days = [day for day in (opens + timedelta(days=d) for d in range(365)) if day <= today and rng.random() < 0.8]
        if not days:  # not open yet: no scans, no downloads
            continue
        scan_rows = [
            {"qr_link_id": link_id, "day": day, "count": rng.randint(1, 9)}
            for link_id in link_ids
            for day in rng.sample(days, k=min(len(days), 60))
        ]
        session.execute(insert(QrScanDay), scan_rows)
        scans += len(scan_rows)
        download_rows = [
            {"exhibition_id": exhibition.id, "lang": lang, "kind": kind, "day": day, "count": rng.randint(1, 5)}
            for lang in ["vi", *langs]
            for kind in ("epub", "catalogue", "offline")
            for day in rng.sample(days, k=min(len(days), 40))
        ]
        session.execute(insert(DownloadDay), download_rows)
        downloads += len(download_rows)
    session.commit()
    return {
        "items": items,
        "texts": len(texts),
        "exhibitions": exhibitions,
        "qr links": link_count,
        "scan-day rows": scans,
        "download-day rows": downloads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--exhibitions", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="vitrine-bench-figures-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'vitrine.sqlite3'}"
    with migrated_app(folder / "data", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False) as (app, _user):
        from core.db import db

        started = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        print(f"demo loaded in {time.perf_counter() - started:.1f} s")
        db.session.commit()
        client = app.test_client()
        assert (
            client.post("/login", data={"email": "bench@vitrine.test", "password": "correct horse battery"}).status_code
            == 302
        )
        report("demo", client, args.repeat, 2025)

        started = time.perf_counter()
        counts = add_bulk(db.session, args.items, args.exhibitions)
        print(
            f"bulk inserted in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{v} {k}" for k, v in counts.items())
        )
        report(f"{args.items} items", client, args.repeat, 2025)
    if args.keep:
        print(f"kept in {folder}")


if __name__ == "__main__":
    main()
