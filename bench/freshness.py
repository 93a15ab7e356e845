"""Search freshness after a bulk import: the outbox catching up, against a full rebuild in the same run.

    .venv/bin/python bench/freshness.py [--rows 10000] [--records 100000] [--procs 2] [--rounds 2]

Imports --rows items through `flask import` with the index left to the outbox
(SEARCH_APPLY=worker, so the import alone is timed), then times `flask search worker --once`
catching up, checks the index equals the database, and times `flask search reindex` of the same
items. Later rounds queue every item again (as a re-import or a harvest that changes them all:
the catch-up then replaces indexed documents) and time both again. Prints items/s of each and the
ratio of the best rates (target ≥ 1: an import is searchable at least as fast as a rebuild would
make it), with CPU seconds (child processes included), less disturbed than wall time by the other
work of a shared machine. Then it imports more items up to --records and times `flask search
reindex` of them all (target ≤ 60 s at 100,000). Not part of the test run.
"""

import argparse
import csv
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CORPUS = Path(__file__).resolve().parent.parent / "archive" / "data" / "corpus"
TERMS = ("ICCPR", "ICESCR", "CEDAW", "CERD", "CRC", "poverty-reduction", "ethnic-minorities", "education")
PLACES = ("vn-ha-noi", "vn-cao-bang", "vn-gia-lai", "vn-da-nang", "vn-an-giang")
BODIES = ("btttt", "bnv", "btp", "")


def write_rows(path: Path, start: int, count: int, words: list[str]) -> None:
    """`count` items as the import reads them: Vietnamese and English titles, a Vietnamese description of
    20–80 words of the programme's own texts, one or two terms, a place, a body and a date."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["reference_code", "type", "date", "place", "body", "terms", "title_vi", "description_vi",
                         "title_en"])  # fmt: skip
        for n in range(start, start + count):
            offset, size = n * 37 % (len(words) - 100), 20 + n % 61
            terms = ";".join(dict.fromkeys((TERMS[n % len(TERMS)], TERMS[n * 7 % len(TERMS)])))
            writer.writerow([f"F-{n:07d}", "photo" if n % 3 else "document", str(1945 + n % 80),
                             PLACES[n % len(PLACES)], BODIES[n % len(BODIES)], terms,
                             f"Ảnh tư liệu số {n}: {' '.join(words[offset:offset + 6])}",
                             " ".join(words[offset:offset + size]), f"Archive photo {n}"])  # fmt: skip


def corpus_words() -> list[str]:
    return [w for p in sorted(CORPUS.glob("*.txt")) for w in p.read_text(encoding="utf-8").split()]


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children waited for (the index's worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(runner, args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one CLI command, which must succeed."""
    started, cpu = time.perf_counter(), cpu_seconds()
    result = runner.invoke(args=args)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    assert result.exit_code == 0, (args, result.output[-2000:], result.exception)
    return seconds, cpu


def has_option(app, group: str, command: str, option: str) -> bool:
    """Whether a CLI command takes an option (an older tree's `search worker` has no --procs)."""
    return any(option in param.opts for param in app.cli.commands[group].commands[command].params)


def queue_every_item() -> None:
    """A task for every item, as a change to each queues (a harvest updating them all)."""
    from sqlalchemy import insert, select

    from archive.models import Item
    from core.search import SearchTask
    from core.uow import unit

    with unit("bench.queue") as session:
        ids = list(session.scalars(select(Item.id)))
        session.execute(insert(SearchTask), [{"record_id": item_id} for item_id in ids])


def figure(label: str, count: int, seconds: float, cpu: float) -> float:
    print(f"{label}: {count} items in {seconds:.1f} s ({count / seconds:,.0f} items/s; CPU {cpu:.1f} s, "
          f"{cpu / count * 1000:.2f} ms an item)")  # fmt: skip
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="items imported, then caught up (≤ 200,000)")
    parser.add_argument("--records", type=int, default=100_000, help="items reindexed at the end (≤ 1,000,000)")
    parser.add_argument("--procs", type=int, default=2, help="indexing processes, for both the catch-up and reindex")
    parser.add_argument("--rounds", type=int, default=2, help="catch-ups and rebuilds timed; the best of each counts")
    args = parser.parse_args()
    rows, records = min(max(args.rows, 1), 200_000), min(max(args.records, 0), 1_000_000)

    from bench.setup import migrated_app
    from core.search import check, pending_count

    words = corpus_words()
    with tempfile.TemporaryDirectory(prefix="vitrine-freshness-") as tmp:
        folder = Path(tmp)
        write_rows(folder / "items.csv", 0, rows, words)
        with migrated_app(folder / "data", SEARCH_APPLY="worker") as (app, _user):
            runner = app.test_cli_runner()
            procs = ["--procs", str(args.procs)] if has_option(app, "search", "worker", "--procs") else []
            print(f"{rows} rows, procs={args.procs}{'' if procs else ' (this tree catches up in one process)'}")
            seconds, cpu = run(runner, ["import", str(folder / "items.csv"), "--files", str(folder)])
            print(f"import (index left queued): {rows} rows in {seconds:.2f} s ({rows / seconds:,.0f} rows/s)")
            catch_ups, rebuilds = [], []
            for round_ in range(1, max(1, args.rounds) + 1):
                if round_ > 1:
                    queue_every_item()
                assert pending_count(app) == rows
                seconds, cpu = run(runner, ["search", "worker", "--once", *procs])
                catch_ups.append((seconds, cpu))
                figure(f"round {round_}, catch-up (search worker --once)", rows, seconds, cpu)
                assert pending_count(app) == 0 and check(app) == [], "the index differs from the database"
                seconds, cpu = run(runner, ["search", "reindex", "--procs", str(args.procs)])
                rebuilds.append((seconds, cpu))
                figure(f"round {round_}, full rebuild (search reindex)", rows, seconds, cpu)
            wall = min(s for s, _c in rebuilds) / min(s for s, _c in catch_ups)
            cpu = min(c for _s, c in rebuilds) / min(c for _s, c in catch_ups)
            print(f"catch-up / rebuild rate, best of each: {wall:.2f} (target ≥ 1); by CPU per item: {cpu:.2f}")
            if records > rows:
                write_rows(folder / "more.csv", rows, records - rows, words)
                run(runner, ["import", str(folder / "more.csv"), "--files", str(folder)])  # queued: reindex covers it
                seconds, cpu = run(runner, ["search", "reindex", "--procs", str(args.procs)])
                figure("search reindex", records, seconds, cpu)
                print(f"search reindex of {records} items: {seconds:.1f} s (target ≤ 60 s at 100,000)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
