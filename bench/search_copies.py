"""Search speed at N times the records without N times the build: an index of N copies of the
segments of an index `bench/search.py --keep DIR` built, hard-linked (no disk used), asked
bench/search.py's queries.

    .venv/bin/python bench/search_copies.py --keep DIR [--records 100000] [--copies 10] [--engines whoosh,tantivy]

Every document is there N times, so each posting list is N times as long and each hit counted
N times: what a query costs at N times the size, with the word frequencies of the original.
A stand-in for a real build when one would take hours (Whoosh writes about 1,500 records/s on
an idle machine, far fewer on a shared one); bench/search.py --records N measures the real
thing. The copies go to DIR/copies-N and are reused.
"""

import argparse
import copy
import json
import os
import resource
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as bench  # noqa: E402

from core.search import open_engine  # noqa: E402


def copy_whoosh(source: Path, target: Path, copies: int) -> None:
    """A Whoosh index listing every segment of `source` `copies` times, each copy under a new id."""
    # core.search, imported above, makes the analyzers the pickled schema names resolve.
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    names = [name for name in os.listdir(source) if name != "MAIN_WRITELOCK"]
    for name in names:
        os.link(source / name, target / name)
    storage = FileStorage(str(target))
    toc = TOC.read(storage, "MAIN")
    originals = list(toc.segments)
    for _ in range(copies - 1):
        for segment in originals:
            new = copy.deepcopy(segment)
            new.segid = new._random_id()
            prefix = f"MAIN_{segment.segid}."
            for name in names:
                if name.startswith(prefix):
                    os.link(source / name, target / f"MAIN_{new.segid}.{name[len(prefix) :]}")
            toc.segments.append(new)
    toc.generation += 1
    toc.write(storage, "MAIN")


def copy_tantivy(source: Path, target: Path, copies: int) -> None:
    """A tantivy index whose meta.json lists every segment of `source` `copies` times."""
    meta = json.loads((source / "meta.json").read_text())
    names = [name for name in os.listdir(source) if not name.startswith(".") and name != "meta.json"]
    for name in names:
        os.link(source / name, target / name)
    originals = list(meta["segments"])
    for _ in range(copies - 1):
        for segment in originals:
            old, new = uuid.UUID(segment["segment_id"]).hex, uuid.uuid4()
            for name in names:
                if name.startswith(old + "."):
                    os.link(source / name, target / f"{new.hex}{name[len(old) :]}")
            meta["segments"].append({**segment, "segment_id": str(new)})
    (target / "meta.json").write_text(json.dumps(meta))


COPIERS = {"whoosh": copy_whoosh, "tantivy": copy_tantivy}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, required=True, help="the folder bench/search.py --keep built")
    parser.add_argument("--records", type=int, default=100_000, help="as many as that build had")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--engines", default="whoosh,tantivy")
    args = parser.parse_args()

    records = bench.make_records(args.records)
    queries = bench.make_queries(records, args.queries)
    del records
    folder = args.keep / f"copies-{args.copies}"
    engines = {}
    for name in args.engines.split(","):
        target = folder / f"index-{name}"
        if not target.exists():
            target.mkdir(parents=True)
            COPIERS[name](Path(os.path.realpath(args.keep / f"index-{name}")), target, args.copies)
        engines[name] = index = open_engine(str(target), bench.FACETS, name)
        first = bench.timed(bench.our_search, index, "warm up")
        print(f"{name}: {index.count():,} documents ({args.copies} copies of {args.records:,}); "
              f"first search after opening {first:.0f} ms")  # fmt: skip
    names = [f"{n} {p}" for n in engines for p in ("p50", "p95", "cpu95")]
    print(f"{'class':<20}" + "".join(f"{n:>15}" for n in names))
    for name in bench.CLASSES:
        figures = []
        for index in engines.values():
            figures += bench.class_figures(bench.our_search, index, queries[name])
        print(f"{name:<20}" + "".join(f"{v:>15.1f}" for v in figures))
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
