"""Search as a request sees it: the real app over records shaped like an archive's (`bench/search.py --app`).

    .venv/bin/python bench/search.py --app [--records 2000] [--queries 15] [--procs 2] [--long-hits 24]

Three parts, each timed through the Flask test client after a warm-up (absolute figures are noisy on a
shared machine; the ratios are what count):

1. the demo archive (`flask demo load`): `/api/v1/search?q=quyen`, the web search page `/items?q=quyen`
   and the engine alone for the same query, beside `/healthz`;
2. `--records` published items in a fresh SQLite database — titles, descriptions, Vietnamese
   transcriptions as long as the seed corpus's documents (4–79 KB) on half of them, one in a hundred an
   OCR'd PDF of about 1 MB, English and French texts on some — indexed by `search reindex`, then per
   query class of bench/search.py: p50/p95 of the engine alone, of `/api/v1/search` and of `/items`;
3. the same searches over `--long-hits` documents of 1 KB and of 1 MB each (engine alone, every hit
   on the page given a snippet): the ratio says whether a search costs more when its hits are long.
"""

import logging
import random
import statistics
import tempfile
import time
import unicodedata
from pathlib import Path

from bench.search import CLASSES, CORPUS, ENGLISH, FRENCH, make_queries, percentiles

PER_PAGE = 20  # the web page's size; the API is asked for the same
BATCH = 500
DEMO_RUNS = 30
# Queries over the long and short documents: words, a phrase, accents as typed and folded, prefixes.
LENGTH_QUERIES = ["quyen", "quyền con người", "tuyen truyen", '"nhân quyền"', "quy*", "bao cao", "thông tin"]
EVERY_WORD = "Báo cáo thông tin tuyên truyền về nhân quyền, quyền con người."


def corpus_text() -> str:
    """The seed corpus as one NFC text, documents separated by a blank line."""
    texts = [unicodedata.normalize("NFC", p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))]
    return "\n\n".join(texts)


def corpus_lengths() -> list[int]:
    return [len(unicodedata.normalize("NFC", p.read_text(encoding="utf-8"))) for p in sorted(CORPUS.glob("*.txt"))]


def window(rng: random.Random, text: str, length: int) -> str:
    """`length` characters of `text` from a random word boundary, wrapping around as often as needed."""
    start = rng.randrange(len(text))
    start = text.find(" ", start) + 1
    out, size = [], 0
    while size < length:
        part = text[start : start + length - size]
        out.append(part)
        size += len(part)
        start = 0
    return "".join(out).strip()


def ocr_noise(rng: random.Random, text: str) -> str:
    """Text as OCR reads a scan: a letter in about forty swapped, so the vocabulary keeps growing."""
    chars = list(text)
    for i in rng.sample(range(len(chars)), len(chars) // 40):
        if chars[i].isalpha():
            chars[i] = rng.choice("aăâbcdđeêghiklmnoôơpqrstuưvxy")
    return "".join(chars)


def item_texts(rng: random.Random, corpus: str, lengths: list[int], n: int) -> dict[str, dict]:
    """The texts of record `n` per language: title, description, and maybe a transcription."""
    vi = {"title": window(rng, corpus, rng.randint(30, 120)).split("\n")[0][:200] or f"Tư liệu {n}",
          "description": window(rng, corpus, rng.randint(200, 800))}  # fmt: skip
    if n % 100 == 7:  # an OCR'd PDF
        vi["transcription"] = ocr_noise(rng, window(rng, corpus, 1_000_000))
    elif n % 2:
        vi["transcription"] = window(rng, corpus, int(rng.choice(lengths) * rng.uniform(0.8, 1.2)))
    texts = {"vi": vi}
    for lang, words, every in (("en", ENGLISH, 5), ("fr", FRENCH, 10)):
        if n % every == 1:
            title, description = " ".join(rng.choices(words, k=6)), " ".join(rng.choices(words, k=80))
            texts[lang] = {"title": title, "description": description}
    return texts


def make_items(count: int, seed: int = 5) -> list[dict]:
    """`count` published items with their texts, inserted in batches; returns records for make_queries."""
    from sqlalchemy import insert, select

    from archive.models import Item, ItemStatus, ItemText, ItemType, Place, Term, item_terms
    from core.db import db, utcnow

    rng, corpus, lengths = random.Random(seed), corpus_text(), corpus_lengths()
    session, now = db.session, utcnow()
    terms = list(session.scalars(select(Term.id)))
    places = list(session.scalars(select(Place.id)))
    types = [ItemType.PHOTO, ItemType.DOCUMENT, ItemType.POSTER, ItemType.PUBLICATION]
    records = []
    for start in range(0, count, BATCH):
        numbers = range(start, min(count, start + BATCH))
        texts = {n: item_texts(rng, corpus, lengths, n) for n in numbers}
        rows = [{"reference_code": f"BENCH-{n:06d}", "type": types[n % 4], "status": ItemStatus.PUBLISHED,
                 "date_text": str(1945 + n % 80), "place_id": places[n % len(places)], "version": 1,
                 "created_at": now, "updated_at": now} for n in numbers]  # fmt: skip
        session.execute(insert(Item), rows)
        ids = dict(session.execute(select(Item.reference_code, Item.id).where(
            Item.reference_code.in_([r["reference_code"] for r in rows]))).all())  # fmt: skip
        session.execute(insert(ItemText), [
            {"item_id": ids[f"BENCH-{n:06d}"], "lang": lang, "state": "reviewed", "updated_at": now, **fields}
            for n in numbers for lang, fields in texts[n].items()])  # fmt: skip
        session.execute(insert(item_terms), [{"item_id": i, "term_id": terms[i % len(terms)]} for i in ids.values()])
        session.commit()
        for n in numbers:
            for lang, fields in texts[n].items():
                # What make_queries counts words in: the beginning is enough to rank them.
                records.append({"lang": lang, "text": " ".join(fields.values())[:20_000]})
    return records


# --- Measuring -----------------------------------------------------------------------------


def timed_get(client, path: str, query: dict) -> float:
    started = time.perf_counter()
    response = client.get(path, query_string=query)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, query, response.status_code)
    return elapsed


def engine_query(text: str):
    from archive.searching import PUBLIC_FACETS
    from core.search import Query

    return Query(text=text, filters={"status": ["published"]}, per_page=PER_PAGE, facets=PUBLIC_FACETS,
                 snippet_lang="vi")  # fmt: skip


def timed_engine(app, text: str) -> float:
    from core.search import search_index

    index = search_index(app)
    started = time.perf_counter()
    index.search(engine_query(text))
    return (time.perf_counter() - started) * 1000


def line(label: str, samples: list[float]) -> str:
    p50, p95 = percentiles(samples)
    return f"{label:<34}{p50:>9.1f}{p95:>9.1f}"


def demo_figures(folder: Path) -> None:
    """The demo archive's search through the app, as the issue measured it (about 35 items)."""
    from flask_migrate import upgrade

    from app import create_app
    from core.db import db

    app = create_app({"DATA_DIR": str(folder / "demo"), "SECRET_KEY": "bench", "SEARCH_APPLY": "inline",
                      "MEDIA_JOBS": "inline", "OAI_APPLY": "worker"})  # fmt: skip
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        client = app.test_client()
        query = {"q": "quyen", "lang": "vi"}
        figures = {
            "/healthz": lambda: timed_get(client, "/healthz", {}),
            "engine alone, q=quyen": lambda: timed_engine(app, "quyen"),
            "/api/v1/search?q=quyen": lambda: timed_get(client, "/api/v1/search", {**query, "per_page": PER_PAGE}),
            "/items?q=quyen (web page)": lambda: timed_get(client, "/items", query),
        }
        print(f"\ndemo archive ({DEMO_RUNS} requests each after a warm-up)")
        print(f"{'':<34}{'p50 ms':>9}{'p95 ms':>9}")
        medians = {}
        for label, run in figures.items():
            run()
            samples = [run() for _ in range(DEMO_RUNS)]
            medians[label] = statistics.median(samples)
            print(line(label, samples))
        print(f"/api/v1/search p50 against /healthz: {medians['/api/v1/search?q=quyen'] / medians['/healthz']:.1f}×")
        db.session.remove()
        db.engine.dispose()


def app_figures(folder: Path, records: int, per_class: int, procs: int) -> None:
    """Per query class: the engine alone, the API and the web page, over `records` realistic items."""
    from bench.setup import migrated_app
    from core.search import reindex

    with migrated_app(folder / "app", OAI_APPLY="worker") as (app, _user):
        started = time.perf_counter()
        texts = make_items(records)
        made = time.perf_counter() - started
        chars = sum(len(t["text"]) for t in texts)
        started = time.perf_counter()
        reindex(app, procs=procs)
        print(f"\n{records} items made in {made:.1f} s (first 20,000 characters of texts: {chars / 1e6:.0f} M); "
              f"search reindex in {time.perf_counter() - started:.1f} s (procs={procs})")  # fmt: skip
        queries = make_queries(texts, per_class)
        client = app.test_client()
        timed_get(client, "/items", {"q": "warm up", "lang": "vi"})
        print(f"{'class':<20}{'engine p50':>11}{'p95':>7}{'API p50':>9}{'p95':>7}{'web p50':>9}{'p95':>7}"
              f"{'API/engine p50':>16}")  # fmt: skip
        for name in CLASSES:
            engine, api, web = [], [], []
            for text in queries[name]:
                engine.append(timed_engine(app, text))
                api.append(timed_get(client, "/api/v1/search", {"q": text, "lang": "vi", "per_page": PER_PAGE}))
                web.append(timed_get(client, "/items", {"q": text, "lang": "vi"}))
            (e50, e95), (a50, a95), (w50, w95) = percentiles(engine), percentiles(api), percentiles(web)
            print(f"{name:<20}{e50:>11.1f}{e95:>7.1f}{a50:>9.1f}{a95:>7.1f}{w50:>9.1f}{w95:>7.1f}"
                  f"{a50 / max(e50, 0.01):>15.1f}×")  # fmt: skip


def length_figures(folder: Path, count: int, procs: int, rounds: int = 3) -> None:
    """The same searches over hits of 1 KB and of 1 MB each: does a long hit cost more?"""
    from core.search import Query, open_engine

    corpus = corpus_text()
    medians = {}
    for label, size in (("1 KB", 1_000), ("1 MB", 1_000_000)):
        rng = random.Random(3)
        index = open_engine(str(folder / f"length-{size}"), ("type",))
        # Every document holds every query's words, so both pages hold as many hits.
        documents = ({"id": str(n), "digest": str(n), "texts": {"vi": f"{window(rng, corpus, size)} {EVERY_WORD}"},
                      "facets": {"type": ["document"]}} for n in range(count))  # fmt: skip
        started = time.perf_counter()
        index.rebuild(documents, procs=procs)
        built = time.perf_counter() - started
        index.search(Query(text="warm up"))
        samples, marked = [], 0
        for _round in range(rounds):
            for text in LENGTH_QUERIES:
                started = time.perf_counter()
                results = index.search(Query(text=text, per_page=PER_PAGE, snippet_lang="vi"))
                samples.append((time.perf_counter() - started) * 1000)
                marked += sum(1 for hit in results.hits if hit.snippet and "<mark" in hit.snippet)
        medians[label] = statistics.median(samples)
        p50, p95 = percentiles(samples)
        print(f"hits of {label}: {count} documents indexed in {built:.1f} s; search p50 {p50:.1f} ms, "
              f"p95 {p95:.1f} ms; {marked / rounds:.0f} snippets marked per round")  # fmt: skip
        index.close()
    print(f"a search over hits of 1 MB against hits of 1 KB, p50: {medians['1 MB'] / medians['1 KB']:.2f}×")


def main(args) -> None:
    """Run the three parts in a fresh temporary folder."""
    logging.basicConfig(level=logging.WARNING)  # before the migrations, which then keep Alembic quiet
    with tempfile.TemporaryDirectory(prefix="vitrine-bench-app-") as name:
        folder = Path(name)
        print(f"search through the app; data in {folder}")
        demo_figures(folder)
        app_figures(folder, args.records, args.queries, args.procs)
        print(f"\nsnippets and document length ({len(LENGTH_QUERIES)} queries × 3 rounds, {PER_PAGE} hits a page)")
        length_figures(folder, args.long_hits, args.procs)
