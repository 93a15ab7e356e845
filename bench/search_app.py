"""Search as a request sees it: the real app over records shaped like an archive's (`bench/search.py --app`).

    .venv/bin/python bench/search.py --app [--records 2000] [--queries 15] [--procs 2] [--long-hits 24]

Three parts, each timed through the Flask test client after a warm-up, on the clock and in CPU time
(absolute figures are noisy on a shared machine; CPU times and ratios are what count):

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
import os
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
# Each sample is timed twice: on the clock (what a reader waits) and in this process's CPU time,
# which other work on a shared machine hardly moves: compare runs by the latter.


class Samples:
    """Wall-clock and CPU milliseconds of repeated calls."""

    def __init__(self):
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def run(self, func):
        wall, cpu = time.perf_counter(), time.process_time()
        result = func()
        self.wall.append((time.perf_counter() - wall) * 1000)
        self.cpu.append((time.process_time() - cpu) * 1000)
        return result

    def figures(self) -> tuple[float, float, float]:
        """p50 and p95 on the clock, p50 of CPU time."""
        return (*percentiles(self.wall), statistics.median(self.cpu))


def get(client, path: str, query: dict):
    """A GET through the test client, which must answer 200."""

    def call():
        response = client.get(path, query_string=query)
        assert response.status_code == 200, (path, query, response.status_code)

    return call


def engine_search(app, text: str):
    """The engine alone, asked what archive.searching asks for the public search page."""
    from archive.searching import PUBLIC_FACETS
    from core.search import Query, search_index

    index = search_index(app)
    query = Query(text=text, filters={"status": ["published"]}, per_page=PER_PAGE, facets=PUBLIC_FACETS,
                  snippet_lang="vi")  # fmt: skip
    return lambda: index.search(query)


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
            "/healthz": get(client, "/healthz", {}),
            "engine alone, q=quyen": engine_search(app, "quyen"),
            "/api/v1/search?q=quyen": get(client, "/api/v1/search", {**query, "per_page": PER_PAGE}),
            "/items?q=quyen (web page)": get(client, "/items", query),
        }
        print(f"\ndemo archive ({DEMO_RUNS} requests each after a warm-up)")
        print(f"{'':<30}{'p50 ms':>9}{'p95 ms':>9}{'CPU p50':>9}")
        cpu = {}
        for label, call in figures.items():
            call()
            samples = Samples()
            for _run in range(DEMO_RUNS):
                samples.run(call)
            p50, p95, cpu[label] = samples.figures()
            print(f"{label:<30}{p50:>9.1f}{p95:>9.1f}{cpu[label]:>9.1f}")
        print(f"/api/v1/search against /healthz, CPU p50: {cpu['/api/v1/search?q=quyen'] / cpu['/healthz']:.1f}×")
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
        files = list(Path(os.path.realpath(app.config["SEARCH_INDEX_DIR"])).iterdir())
        store = sum(f.stat().st_size for f in files if f.name.startswith("snippets"))
        print(
            f"index {sum(f.stat().st_size for f in files) / 1e6:.0f} MB, of which the snippet store "
            f"{store / 1e6:.0f} MB ({store / records / 1e3:.1f} KB an item)"
        )
        queries = make_queries(texts, per_class)
        client = app.test_client()
        get(client, "/items", {"q": "warm up", "lang": "vi"})()
        print("ms per query class: p50 and p95 on the clock, p50 of CPU time")
        print(f"{'class':<18}{'engine':>8}{'p95':>7}{'CPU':>6} {'API':>8}{'p95':>7}{'CPU':>6} {'web':>8}{'p95':>7}"
              f"{'CPU':>6}")  # fmt: skip
        for name in CLASSES:
            engine, api, web = Samples(), Samples(), Samples()
            for text in queries[name]:
                engine.run(engine_search(app, text))
                api.run(get(client, "/api/v1/search", {"q": text, "lang": "vi", "per_page": PER_PAGE}))
                web.run(get(client, "/items", {"q": text, "lang": "vi"}))
            row = "".join(f"{p50:>8.1f}{p95:>7.1f}{cpu:>6.1f} " for p50, p95, cpu in
                          (engine.figures(), api.figures(), web.figures()))  # fmt: skip
            print(f"{name:<18}{row}")


def length_figures(folder: Path, count: int, procs: int, rounds: int = 3) -> None:
    """The same searches over hits of 1 KB and of 1 MB each: does a long hit cost more?"""
    from core.search import Query, open_engine

    corpus = corpus_text()
    cpu = {}
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
        samples, marked = Samples(), 0
        for _round in range(rounds):
            for text in LENGTH_QUERIES:
                query = Query(text=text, per_page=PER_PAGE, snippet_lang="vi")
                results = samples.run(lambda index=index, query=query: index.search(query))
                marked += sum(1 for hit in results.hits if hit.snippet and "<mark" in hit.snippet)
        p50, p95, cpu[label] = samples.figures()
        print(
            f"hits of {label}: {count} documents indexed in {built:.1f} s; search p50 {p50:.1f} ms, "
            f"p95 {p95:.1f} ms, CPU p50 {cpu[label]:.1f} ms; {marked / rounds:.0f} snippets marked a round"
        )
        index.close()
    print(f"a search over hits of 1 MB against hits of 1 KB, CPU p50: {cpu['1 MB'] / cpu['1 KB']:.2f}×")


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
