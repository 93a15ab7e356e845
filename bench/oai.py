"""OAI-PMH figures at scale: building the records, a page of a full harvest, and an incremental harvest.

    .venv/bin/python bench/oai.py [--items 100000] [--changed 100] [--runs 3]

Makes `--items` published items (Vietnamese and English texts, two terms each) with bulk inserts in a fresh
SQLite database, then prints: `flask oai rebuild` from nothing (records per second); a ListRecords page (100
records, XML included) at the start and at the end of the full list through our keyset tokens, against the same
page reached by OFFSET (the baseline a naive server pays); and, after `--changed` items are edited, the
incremental ListIdentifiers `from` a minute ago, against computing each item's datestamp as the latest of its
timestamps (items, texts) in the query, as a server without the `oai_records` table would. Best of `--runs`.
Not part of the test run.
"""

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, update  # noqa: E402

from archive.models import Item, ItemStatus, ItemText, ItemType, Term, item_terms  # noqa: E402
from bench.setup import migrated_app  # noqa: E402
from core.db import db, utcnow  # noqa: E402
from interop.oai import datestamps, protocol, records, tokens, tracking  # noqa: E402
from interop.oai.identifiers import set_repository_id  # noqa: E402
from interop.oai.models import OaiRecord  # noqa: E402

PAGE = 100


def best(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def make_items(count: int) -> None:
    session, now = db.session, utcnow()
    terms = list(session.scalars(select(Term.id)))
    for start in range(0, count, 5000):
        rows = [{"reference_code": f"BENCH-{n:06d}", "type": ItemType.PHOTO, "status": ItemStatus.PUBLISHED,
                 "date_text": "1975", "creator": "Thông tấn xã Việt Nam", "rights": "CC BY 4.0", "version": 1,
                 "created_at": now, "updated_at": now} for n in range(start, min(count, start + 5000))]  # fmt: skip
        session.execute(insert(Item), rows)
        ids = list(session.scalars(select(Item.id).where(Item.reference_code.in_([r["reference_code"] for r in rows]))))
        session.execute(insert(ItemText), [
            {"item_id": i, "lang": lang, "title": f"{title} {i}", "description": "Quyền con người " * 20,
             "state": "reviewed", "updated_at": now}
            for i in ids for lang, title in (("vi", "Ảnh tư liệu"), ("en", "Archival photo"))])  # fmt: skip
        session.execute(insert(item_terms), [{"item_id": i, "term_id": terms[(i + k) % len(terms)]}
                                             for i in ids for k in (0, 7)])  # fmt: skip
        session.commit()


def respond(app, pairs) -> bytes:
    info = protocol.Repository(db.session, "http://bench.test/oai", "bench.vitrine.vn", "Vitrine", ("a@b.vn",),
                               datestamps.now(), PAGE, 24.0, app.config["SECRET_KEY"])  # fmt: skip
    body = protocol.respond(info, pairs)
    db.session.rollback()
    return body


def offset_page(offset: int) -> None:
    rows = list(db.session.scalars(select(OaiRecord).order_by(OaiRecord.item_id).offset(offset).limit(PAGE)))
    for record in records.read_records(db.session, [r.item_id for r in rows]).values():
        records.oai_dc(record)
    db.session.rollback()


def computed_incremental(since) -> list:
    # A datestamp computed from the timestamps the tables have: the latest of the item's and its texts'.
    latest = func.max(func.coalesce(ItemText.updated_at, Item.updated_at))
    stamp = (
        func.max(Item.updated_at, latest)
        if db.engine.dialect.name == "sqlite"
        else func.greatest(Item.updated_at, latest)
    )
    query = (select(Item.id, stamp).outerjoin(ItemText, ItemText.item_id == Item.id)
             .where(Item.status == ItemStatus.PUBLISHED).group_by(Item.id)
             .having(stamp >= since).order_by(Item.id).limit(PAGE))  # fmt: skip
    found = db.session.execute(query).all()
    db.session.rollback()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, migrated_app(Path(folder), OAI_APPLY="worker") as (app, _admin):
        set_repository_id(db.session, None, "bench.vitrine.vn")
        make_items(args.items)
        db.session.commit()
        start = time.perf_counter()
        tracking.rebuild()
        built = time.perf_counter() - start
        print(f"items: {args.items}; rebuild from nothing: {built:.1f} s, {args.items / built:,.0f} records/s")

        first = respond(app, [("verb", "ListRecords"), ("metadataPrefix", "oai_dc")])
        assert first.count(b"<record>") == PAGE, first[:500]
        last_id = db.session.scalar(select(func.max(OaiRecord.item_id)))
        resume = tokens.Resumption("ListRecords", "oai_dc", None, None, None, last_id - PAGE - 1,
                                   args.items - PAGE - 1, args.items)  # fmt: skip
        near_end = tokens.encode(resume, app.config["SECRET_KEY"])
        ours_start = best(args.runs, lambda: respond(app, [("verb", "ListRecords"), ("metadataPrefix", "oai_dc")]))
        ours_end = best(args.runs, lambda: respond(app, [("verb", "ListRecords"), ("resumptionToken", near_end)]))
        naive_end = best(args.runs, lambda: offset_page(args.items - PAGE))
        print(f"ListRecords page of {PAGE} (XML built): first {ours_start * 1000:.0f} ms (with the list's count), "
              f"last {ours_end * 1000:.0f} ms by token; by OFFSET (baseline) {naive_end * 1000:.0f} ms "
              f"→ {naive_end / ours_end:.1f}×")  # fmt: skip

        db.session.execute(update(OaiRecord).values(datestamp=datestamps.now() - timedelta(hours=1)))
        db.session.execute(update(Item).values(updated_at=utcnow() - timedelta(hours=1)))
        db.session.execute(update(ItemText).values(updated_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        since = datestamps.now() - timedelta(minutes=1)
        step = max(1, args.items // args.changed)
        changed = list(db.session.scalars(select(ItemText).where(ItemText.lang == "en", ItemText.item_id % step == 0)))
        for row in changed[: args.changed]:
            row.title = row.title + " (revised)"
        db.session.commit()
        tracking.apply_pending(app)
        pairs = [
            ("verb", "ListIdentifiers"),
            ("metadataPrefix", "oai_dc"),
            ("from", datestamps.format_datestamp(since)),
        ]
        assert respond(app, pairs).count(b"<header>") == min(PAGE, args.changed)
        ours = best(args.runs, lambda: respond(app, pairs))
        assert len(computed_incremental(since)) == min(PAGE, args.changed)
        naive = best(args.runs, lambda: computed_incremental(since))
        print(
            f"incremental ListIdentifiers ({args.changed} changed of {args.items}): {ours * 1000:.0f} ms; datestamps "
            f"computed from timestamps in the query (baseline, ids only) {naive * 1000:.0f} ms → {naive / ours:.1f}×"
        )


if __name__ == "__main__":
    main()
