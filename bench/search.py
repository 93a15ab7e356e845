"""Search speed: our engines (core.search) against SQLite FTS5 on the same synthetic records.

    .venv/bin/python bench/search.py [--records 100000] [--queries 40] [--procs 2] [--db-records N]
        [--keep DIR] [--engines tantivy,whoosh,postgresql] [--no-fts]
    .venv/bin/python bench/search.py --app [--records 2000] [--queries 15] [--long-hits 24]  (bench/search_app.py)

Prints indexing records/s, p50/p95 per query class for each engine and SQLite FTS5 and their
ratio, with the p95 of the CPU time each query took (on a shared machine, the cost itself); the
request-visible cost of a save (item row + outbox row) against an FTS5 single-row insert; the
recall of diacritic-less queries against accented ones; how far the engines' top tens overlap;
index sizes and the peak memory of the run. `--keep DIR` keeps the indexes in DIR and reuses
them when they hold as many records (a million take many minutes to build).

`postgresql` runs on a server of the bench's own, started as the tests start theirs (deploy.postgres)
in /dev/shm, reachable only through its socket there; kept running between runs with `--keep`
(stop it with `pg_ctl stop -D /dev/shm/vitrine-bench-postgresql/data`). Its CPU figures add the
server's: the CPU time of the database's backends (/proc/<pid>/schedstat) to the bench's own.
"""

import argparse
import random
import re
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.config import DEFAULTS  # noqa: E402
from core.search import Query, SearchEngine, fold, open_engine  # noqa: E402
from core.search.engine import IN_DATABASE  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "archive" / "data" / "corpus"
FACETS = ("type", "decade", "place", "term", "has_lang", "body", "status")
ENGLISH = [
    "human",
    "rights",
    "communication",
    "exhibition",
    "archive",
    "photo",
    "document",
    "decree",
    "letter",
    "report",
    "poster",
    "province",
    "ministry",
    "children",
    "women",
    "education",
    "poverty",
    "religion",
    "belief",
    "freedom",
    "expression",
    "labour",
    "trade",
    "agreement",
    "minority",
    "ethnic",
    "culture",
    "history",
    "national",
    "programme",
    "review",
    "universal",
    "periodic",
    "convention",
    "covenant",
    "civil",
    "political",
    "economic",
    "social",
    "cultural",
    "disability",
    "torture",
    "trafficking",
    "online",
    "press",
    "agency",
]
FRENCH = [
    "droits",
    "homme",
    "communication",
    "exposition",
    "archives",
    "photographie",
    "décret",
    "lettre",
    "rapport",
    "affiche",
    "province",
    "ministère",
    "enfants",
    "femmes",
    "éducation",
    "pauvreté",
    "religion",
    "croyance",
    "liberté",
    "expression",
    "travail",
    "accord",
    "minorités",
    "ethniques",
    "culture",
    "histoire",
    "programme",
    "examen",
    "périodique",
    "universel",
    "pacte",
    "société",
    "été",
    "élimination",
    "égalité",
    "sécurité",
    "développement",
    "région",
    "réunion",
    "préfecture",
    "musée",
    "cérémonie",
]
CLASSES = ("common term", "medium term", "rare term", "two terms", "two-word phrase", "folded vietnamese", "prefix")


def vietnamese_syllables() -> list[str]:
    """Syllables of the programme's real documents, with their real frequencies."""
    words = []
    for path in CORPUS.glob("*.txt"):
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8")).lower()
        words += [w for w in re.findall(r"\w+", text) if not w.isdigit()]
    return words


def make_records(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    syllables = vietnamese_syllables()
    records = []
    for n in range(count):
        lang = rng.choices(("vi", "en", "fr"), (70, 20, 10))[0]
        pool = {"vi": syllables, "en": ENGLISH, "fr": FRENCH}[lang]
        if lang == "vi":  # runs of real text keep real bigrams for phrase queries
            start = rng.randrange(len(pool) - 60)
            words = pool[start : start + rng.randint(20, 60)]
        else:
            words = rng.choices(pool, k=rng.randint(20, 60))
        year = rng.randint(1940, 2025)
        records.append({
            "id": str(n + 1), "lang": lang, "text": " ".join(words), "date": year * 10000 + 101,
            "facets": {"type": [rng.choice(("photo", "document", "poster", "publication"))],
                       "decade": [str(year // 10 * 10)], "place": [f"vn-{rng.randrange(63)}"],
                       "term": rng.sample(("ICCPR", "ICESCR", "CEDAW", "CERD", "CRC", "CRPD", "CAT", "upr"), 2),
                       "has_lang": [lang], "body": [f"body-{rng.randrange(11)}"],
                       "status": [rng.choice(("published", "published", "draft"))]},
        })  # fmt: skip
    return records


def document(record: dict) -> dict:
    return {"id": record["id"], "digest": "", "date": record["date"], "texts": {record["lang"]: record["text"]},
            "extra": "", "facets": record["facets"]}  # fmt: skip


def make_queries(records: list[dict], per_class: int, seed: int = 11) -> dict[str, list[str]]:
    rng = random.Random(seed)
    freq = Counter(w for r in records for w in set(r["text"].split()))
    ranked = [w for w, _ in freq.most_common()]
    accented = [w for w in ranked[20:400] if fold(w) != w and len(w) > 2]
    medium = ranked[50:400]
    rare = [w for w, c in freq.items() if 3 <= c <= 20] or ranked[-100:]
    vi_records = [r for r in records if r["lang"] == "vi"]

    def bigram(accented_only=False):
        while True:
            words = rng.choice(vi_records)["text"].split()
            i = rng.randrange(len(words) - 1)
            pair = words[i : i + 2]
            if not accented_only or any(fold(w) != w for w in pair):
                return " ".join(pair)

    return {
        "common term": [rng.choice(ranked[:10]) for _ in range(per_class)],
        "medium term": [rng.choice(medium) for _ in range(per_class)],
        "rare term": [rng.choice(rare) for _ in range(per_class)],
        "two terms": [f"{rng.choice(medium)} {rng.choice(medium)}" for _ in range(per_class)],
        "two-word phrase": [f'"{bigram()}"' for _ in range(per_class)],
        "folded vietnamese": [bigram(True) if i % 2 else rng.choice(accented) for i in range(per_class)],
        "prefix": [rng.choice([w for w in medium if len(w) >= 4])[:3] + "*" for _ in range(per_class)],
    }


# --- FTS5 ----------------------------------------------------------------------------------


def fts_text(text: str) -> str:
    return text.replace("đ", "d").replace("Đ", "D")


def fts_query(text: str) -> str:
    """Our syntax in FTS5's: words quoted, phrases kept, prefix* kept."""
    parts = []
    for match in re.finditer(r'"([^"]*)"|(\S+)', fts_text(text)):
        if match.group(1) is not None:
            parts.append('"' + match.group(1).replace('"', "") + '"')
        else:
            word = match.group(2)
            star = word.endswith("*")
            parts.append('"' + word.rstrip("*").replace('"', "") + '"' + ("*" if star else ""))
    return " ".join(parts)


def build_fts(path: Path, records: list[dict]) -> tuple[sqlite3.Connection, float]:
    conn = sqlite3.connect(path)
    conn.executescript("""
        PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
        CREATE TABLE records (id INTEGER PRIMARY KEY, type, decade, place, body, status, lang, date);
        CREATE TABLE record_terms (record_id INTEGER, term);
        CREATE VIRTUAL TABLE fts USING fts5(body, tokenize='unicode61 remove_diacritics 2');
    """)
    started = time.perf_counter()
    with conn:
        for r in records:
            f = r["facets"]
            rowid = int(r["id"])
            conn.execute("INSERT INTO records VALUES (?,?,?,?,?,?,?,?)", (rowid, f["type"][0], f["decade"][0],
                         f["place"][0], f["body"][0], f["status"][0], r["lang"], r["date"]))  # fmt: skip
            conn.executemany("INSERT INTO record_terms VALUES (?,?)", [(rowid, t) for t in f["term"]])
            conn.execute("INSERT INTO fts(rowid, body) VALUES (?,?)", (rowid, fts_text(r["text"])))
    return conn, time.perf_counter() - started


def fts_search(conn: sqlite3.Connection, text: str) -> None:
    match = fts_query(text)
    conn.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 10", (match,)).fetchall()
    # Facets: every hit's facet columns, counted, as an app on FTS5 would do.
    rows = conn.execute(
        "SELECT r.type, r.decade, r.place, r.body, r.status, r.lang FROM fts JOIN records r ON r.id = fts.rowid "
        "WHERE fts MATCH ?",
        (match,),
    ).fetchall()
    counts = [Counter(column) for column in zip(*rows, strict=False)]
    conn.execute(
        "SELECT term, count(*) FROM record_terms WHERE record_id IN (SELECT rowid FROM fts WHERE fts MATCH ?) "
        "GROUP BY term",
        (match,),
    ).fetchall()
    return counts


# --- Measuring -----------------------------------------------------------------------------


def timed(func, *args) -> float:
    started = time.perf_counter()
    func(*args)
    return (time.perf_counter() - started) * 1000


def timed_with_cpu(func, *args) -> tuple[float, float]:
    """(wall ms, CPU ms of this process and of the database's backends when the engine is one in a
    database): on a shared machine the CPU time is what a query costs."""
    server = SERVERS.get(id(args[0]))
    started, cpu, server_cpu = time.perf_counter(), time.process_time(), server.cpu() if server else 0.0
    func(*args)
    spent = time.process_time() - cpu + ((server.cpu() - server_cpu) if server else 0.0)
    return (time.perf_counter() - started) * 1000, spent * 1000


# --- PostgreSQL ------------------------------------------------------------------------------

PG_FOLDER = Path("/dev/shm/vitrine-bench-postgresql")
SERVERS: dict[int, "BenchPostgres"] = {}  # id(engine) → its server, for CPU figures


class BenchPostgres:
    """The bench's PostgreSQL server: in memory, its socket only, durability off as the tests' is."""

    def __init__(self, keep: bool):
        from deploy.postgres import LocalPostgres, find_bin_dir

        settings = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                    "shared_buffers": "512MB", "max_parallel_workers_per_gather": "0"}  # fmt: skip
        self.keep = keep
        self.server = LocalPostgres(PG_FOLDER, find_bin_dir(), settings, tcp=False)
        if not self.server.adopt_running():
            self.server.start()
        self.url = self.server.ensure_database("bench")

    def backends(self) -> list[int]:
        rows = self.server.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = 'bench' AND backend_type = 'client backend'"
        )  # not autovacuum's
        return [pid for (pid,) in rows]

    def cpu(self) -> float:
        """CPU seconds of the bench database's backends so far (schedstat: nanoseconds, where
        /proc/<pid>/stat counts in ticks of 10 ms, coarser than most queries)."""
        total = 0
        for pid in self.pids:
            try:
                total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
            except OSError:
                continue
        return total / 1e9

    def size_mb(self) -> float:
        """The search schema's tables with their indexes and TOAST (every generation kept)."""
        import psycopg

        from core.search.postgres_engine import conninfo

        with psycopg.connect(conninfo(self.url)) as conn:
            size = conn.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                                "ON n.oid = c.relnamespace WHERE n.nspname = 'vitrine_search' "
                                "AND c.relkind = 'r'").fetchone()[0]  # fmt: skip
        return float(size or 0) / 1e6

    def stop(self) -> None:
        if not self.keep:
            self.server.stop()
            import shutil

            shutil.rmtree(PG_FOLDER, ignore_errors=True)


def class_figures(func, target, texts: list[str]) -> tuple[float, float, float]:
    """p50 and p95 wall ms, and p95 CPU ms, of one class of queries."""
    samples = [timed_with_cpu(func, target, text) for text in texts]
    return (*percentiles([wall for wall, _cpu in samples]), percentiles([cpu for _wall, cpu in samples])[1])


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def our_search(index: SearchEngine, text: str):
    return index.search(Query(text=text, per_page=10, facets=FACETS))


def recall(index: SearchEngine, queries: list[str]) -> float:
    """The share of the hits of accented queries that their folded forms find too.

    Counted by totals (the hits of both at once over the hits of the accented one): a page of
    every hit would cost a snippet per hit, hundreds of thousands at a million records.
    """
    found = expected = 0
    for text in queries:
        expected += index.search(Query(text=text, per_page=1)).total
        found += index.search(Query(text=f"{text} {fold(text)}", per_page=1)).total
    return found / expected if expected else 1.0


def save_costs(folder: Path, rounds: int = 200) -> tuple[float, float]:
    """p95 ms of a save as a request sees it (item + outbox row) and of an FTS5 row insert."""
    conn = sqlite3.connect(folder / "save.sqlite3", isolation_level=None)
    conn.executescript("""
        PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
        CREATE TABLE items (id INTEGER PRIMARY KEY, title, body);
        CREATE TABLE search_tasks (id INTEGER PRIMARY KEY, record_id, created_at);
        CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='unicode61 remove_diacritics 2');
    """)
    ours, fts = [], []
    text = "Ảnh tư liệu về quyền con người ở Hà Nội " * 8
    for n in range(rounds):
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO items (title, body) VALUES (?, ?)", (f"Ảnh {n}", text))
        conn.execute("INSERT INTO search_tasks (record_id, created_at) VALUES (?, datetime('now'))", (n,))
        conn.execute("COMMIT")
        ours.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO fts (title, body) VALUES (?, ?)", (f"Anh {n}", fts_text(text)))
        conn.execute("COMMIT")
        fts.append((time.perf_counter() - started) * 1000)
    conn.close()
    return percentiles(ours)[1], percentiles(fts)[1]


def after_commit_cost(index: SearchEngine, records: list[dict], rounds: int = 20) -> float:
    """p95 ms of applying one task to the index (off the request path)."""
    samples = []
    for record in records[:rounds]:
        started = time.perf_counter()
        with index.try_writer() as writer:
            writer.upsert(document(record))
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)[1]


def reindex_from_database(folder: Path, records: list[dict], procs: int) -> None:
    """`flask search reindex` as an operator runs it: items read from a SQLite database.

    The items are stored first by the CSV importer (not timed); then the rebuild is timed
    whole: reading items, building their documents, indexing in `procs` processes, swap.
    """
    import csv
    import io

    from archive import ingest
    from bench.setup import migrated_app
    from core.db import db
    from core.search import reindex
    from core.storage import get_storage

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["reference_code", "type", "date", "place", "terms", "title_vi", "description_vi",
                     "title_en", "description_en", "title_fr", "description_fr"])  # fmt: skip
    for r in records:
        texts = {lang: ("", "") for lang in ("vi", "en", "fr")}
        words = r["text"].split()
        texts[r["lang"]] = (" ".join(words[:8]), " ".join(words[8:]))
        writer.writerow([f"S-{r['id']}", "photo", str(r["date"] // 10000), "vn-ha-noi", "ICCPR",
                         *(part for lang in ("vi", "en", "fr") for part in texts[lang])])  # fmt: skip
    with migrated_app(folder / "app") as (app, user):
        out.seek(0)
        report = ingest.import_rows(db.session, get_storage(), user, ingest.read_rows(out), ingest.FileSource(folder),
                                    False)  # fmt: skip
        db.session.commit()
        assert len(report.imported) == len(records), report.problems[:3]
        started = time.perf_counter()
        count = reindex(app, procs=procs)
        seconds = time.perf_counter() - started
    print(
        f"reindex from the database (SQLite, procs={procs}): {count} items in {seconds:.1f} s "
        f"({count / seconds:,.0f} items/s)"
    )


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def built_engine(name: str, folder: Path, records: list[dict], procs: int, keep: bool = False):
    """The engine `name` over `records` in `folder` (or the bench's PostgreSQL server), built unless a
    kept index holds them all."""
    if name in IN_DATABASE:
        server = BenchPostgres(keep)
        index = open_engine(server.url, FACETS, name)
        SERVERS[id(index)] = server
        server.pids = []
    else:
        index = open_engine(str(folder / f"index-{name}"), FACETS, name)
    if (name in IN_DATABASE or (folder / f"index-{name}").exists()) and _count(index) == len(records):
        print(f"{name}: reusing the kept index of {len(records)} records")
        return index
    started = time.perf_counter()
    index.rebuild((document(r) for r in records), procs=procs)
    seconds = time.perf_counter() - started
    print(f"{name}: indexing {len(records) / seconds:,.0f} records/s ({seconds:.1f} s, procs={procs})")
    return index


def _count(index) -> int | None:
    """The documents of a kept index, or None when it cannot be read (another version's: rebuilt)."""
    from core.search import IndexUnavailable

    try:
        return index.count()
    except IndexUnavailable:
        return None


def built_fts(folder: Path, records: list[dict]) -> sqlite3.Connection:
    path = folder / "fts.sqlite3"
    if path.exists():
        conn = sqlite3.connect(path)
        if conn.execute("SELECT count(*) FROM records").fetchone()[0] == len(records):
            print("FTS5: reusing the kept database")
            return conn
        conn.close()
        path.unlink()
    conn, seconds = build_fts(path, records)
    print(f"FTS5: indexing {len(records) / seconds:,.0f} records/s ({seconds:.1f} s)")
    return conn


def top_ten_overlap(engines: dict, queries: dict[str, list[str]]) -> None:
    """Per class, the share of the first engine's top ten that each other engine also returns."""
    (first, reference), *others = engines.items()
    for name, other in others:
        shares = []
        for texts in queries.values():
            same = total = 0
            for text in texts:
                ours = {h.id for h in reference.search(Query(text=text, per_page=10)).hits}
                theirs = {h.id for h in other.search(Query(text=text, per_page=10)).hits}
                same += len(ours & theirs)
                total += len(ours)
            shares.append(same / total if total else 1.0)
        figures = ", ".join(f"{c} {s:.2f}" for c, s in zip(queries, shares, strict=True))
        print(f"top-ten overlap {name} vs {first}: {figures}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=None, help="default 100,000; 2,000 with --app")
    parser.add_argument("--queries", type=int, default=None, help="per class; default 40; 15 with --app")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--engines", default=DEFAULTS["SEARCH_ENGINE"],
                        help="comma-separated engine names (core.search.engine), the app's default first")  # fmt: skip
    parser.add_argument("--keep", type=Path, help="keep the indexes in this folder and reuse them")
    parser.add_argument("--no-fts", action="store_true", help="leave SQLite FTS5 out")
    parser.add_argument("--db-records", type=int, default=0,
                        help="also time `search reindex` from a database of this many items")  # fmt: skip
    parser.add_argument("--app", action="store_true", help="through the real app: see bench/search_app.py")
    parser.add_argument("--long-hits", type=int, default=24, help="with --app: documents of 1 KB and of 1 MB")
    args = parser.parse_args()
    if args.app:
        from bench import search_app

        args.records, args.queries = args.records or 2000, args.queries or 15
        search_app.main(args)
        return
    args.records, args.queries = args.records or 100_000, args.queries or 40

    folder = args.keep or Path(tempfile.mkdtemp(prefix="vitrine-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    records = make_records(args.records)
    queries = make_queries(records, args.queries)
    print(f"{args.records} records, {args.queries} queries per class, indexes in {folder}")

    engines = {name: built_engine(name, folder, records, args.procs, bool(args.keep))
               for name in args.engines.split(",")}  # fmt: skip
    conn = None if args.no_fts else built_fts(folder, records)
    for name, index in engines.items():
        first = timed(our_search, index, "warm up")
        server = SERVERS.get(id(index))
        if server:
            server.pids = server.backends()  # the engine's connections, opened by the warm-up
        size = server.size_mb() if server else folder_mb(folder / f"index-{name}")
        print(f"{name}: first search after opening {first:.0f} ms; index {size:,.0f} MB")

    names = [f"{n} {p}" for n in [*engines, *(["FTS5"] if conn else [])] for p in ("p50", "p95", "cpu95")]
    print(f"{'class':<20}" + "".join(f"{n:>15}" for n in names) + ("  p95 vs FTS5" if conn else ""))
    worst = dict.fromkeys(engines, 0.0)
    for name in CLASSES:
        figures, ratios = [], []
        for engine_name, index in engines.items():
            figures += class_figures(our_search, index, queries[name])
            worst[engine_name] = max(worst[engine_name], figures[-2])
        if conn:
            figures += class_figures(fts_search, conn, queries[name])
            ratios = [figures[i] / max(figures[-2], 0.01) for i in range(1, 3 * len(engines), 3)]
        print(f"{name:<20}" + "".join(f"{v:>15.1f}" for v in figures) + "".join(f"{r:>7.2f}×" for r in ratios))
    if len(engines) > 1:
        top_ten_overlap(engines, queries)
    for engine_name, index in engines.items():
        accented = list(queries["folded vietnamese"])
        print(f"{engine_name}: recall of diacritic-less queries against accented ones: {recall(index, accented):.2f}; "
              f"worst class p95 {worst[engine_name]:.1f} ms")  # fmt: skip
    if not args.keep:
        save, fts_insert = save_costs(folder)
        index = next(iter(engines.values()))
        print(f"save, request-visible p95: ours {save:.2f} ms (item + outbox row) vs FTS5 insert {fts_insert:.2f} ms "
              f"({save / max(fts_insert, 0.001):.1f}×); index update after commit p95 "
              f"{after_commit_cost(index, records):.0f} ms")  # fmt: skip
    own, children = peak_rss_mb()
    print(f"peak RSS: this process {own:,.0f} MB, largest indexing worker {children:,.0f} MB")
    for index in engines.values():
        if id(index) in SERVERS:
            index.close()
            SERVERS[id(index)].stop()
    if args.db_records:
        reindex_from_database(folder, make_records(args.db_records), args.procs)


if __name__ == "__main__":
    main()
