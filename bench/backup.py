"""Backup and restore of a SQLite archive of N originals, while a writer adds items, against plain copies.

    .venv/bin/python bench/backup.py [--files 400] [--kib 256]

Prints the snapshot's and the restore's time as ratios to copying the same files with shutil.copytree in the
same run (the restore also checks every file and rebuilds the index), and how the writer's commits fared
while the snapshot ran against before it. Absolute times are noisy on a shared machine; the ratios count.
"""

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.setup import migrated_app  # noqa: E402


def build(user_id: int, files: int, kib: int) -> None:
    """`files` items with one original of `kib` KiB each, random bytes (nothing to compress or share)."""
    from archive.models import MediaFile
    from archive.services import create_item
    from core.auth import User
    from core.storage import get_storage
    from core.uow import unit

    storage = get_storage()
    for start in range(0, files, 100):
        stored = [storage.save_bytes(os.urandom(kib * 1024)) for _ in range(start, min(files, start + 100))]
        with unit("bench.build") as session:
            author = session.get(User, user_id)
            for n, (sha256, size, _created) in enumerate(stored, start):
                item = create_item(session, author, {"reference_code": f"BENCH-{n}", "type": "photo", "date": "1975",
                                                     "texts": {"vi": {"title": f"Ảnh tư liệu số {n}"}}})  # fmt: skip
                session.add(MediaFile(item=item, sha256=sha256, size=size, mime_type="image/jpeg"))


def write_items(data_dir: str, user_id: int, stopping, latencies) -> None:
    """In a process of its own, as a web worker: one item a commit, each commit timed, until `stopping`."""
    from app import create_app
    from archive.services import create_item
    from core.auth import User
    from core.uow import unit

    app = create_app({"DATA_DIR": data_dir, "SECRET_KEY": "bench", "SEARCH_APPLY": "worker", "MEDIA_JOBS": "worker",
                      "OAI_APPLY": "worker", "HARVEST_JOBS": "worker"})  # fmt: skip
    with app.app_context():
        n = 0
        while not stopping.is_set():
            began = time.perf_counter()
            with unit("bench.writer") as session:
                create_item(session, session.get(User, user_id), {"reference_code": f"WRITE-{n}", "type": "document",
                            "date": "1980", "texts": {"vi": {"title": "Văn bản"}}})  # fmt: skip
            latencies.append(time.perf_counter() - began)
            n += 1
            time.sleep(0.01)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values, default=0.0)


def timed(work) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def writes_while(data_dir: Path, user_id: int, work) -> tuple[list[float], list[float], float]:
    """Run `work()` while another process commits items; returns its commit times before and during, and the
    work's duration."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        stopping, latencies = manager.Event(), manager.list()
        writer = context.Process(target=write_items, args=(str(data_dir), user_id, stopping, latencies))
        writer.start()
        deadline = time.monotonic() + 60
        while len(latencies) < 40 and time.monotonic() < deadline:  # its pace before the work, for comparison
            time.sleep(0.05)
        before = len(latencies)
        took = timed(work)
        during = list(latencies)[before:]
        stopping.set()
        writer.join(60)
        return list(latencies)[10:before], during, took  # the first commits warm up (connections, caches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=400, help="originals (1-20000)")
    parser.add_argument("--kib", type=int, default=256, help="size of each original in KiB (1-4096)")
    args = parser.parse_args()
    files, kib = min(max(args.files, 1), 20_000), min(max(args.kib, 1), 4096)
    from core.backup import make_snapshot, restore_snapshot
    from core.db import db

    with tempfile.TemporaryDirectory(prefix="vitrine-bench-backup-") as tmp:
        tmp = Path(tmp)
        with migrated_app(tmp / "live", MEDIA_JOBS="worker", OAI_APPLY="worker", HARVEST_JOBS="worker") as (app, user):
            user_id = user.id
            db.session.remove()  # its reading transaction would hold SQLite's write lock from the units below
            build(user_id, files, kib)
            baseline = timed(lambda: shutil.copytree(app.config["STORAGE_DIR"], tmp / "plain-copy"))
            alone = timed(lambda: make_snapshot(app, tmp / "alone"))
            idle, busy, backup = writes_while(tmp / "live", user_id, lambda: make_snapshot(app, tmp / "snapshot", True))
        from app import create_app

        restored = create_app({"DATA_DIR": str(tmp / "restored"), "SECRET_KEY": "bench", "SEARCH_APPLY": "worker"})
        with restored.app_context():
            outcome = {}
            # The snapshot has the (no) previews: a restore without them would try to make previews of random bytes.
            restore = timed(lambda: outcome.update(restore_snapshot(restored, tmp / "snapshot")))
            db.engine.dispose()
    size = files * kib / 1024
    print(f"{files} originals of {kib} KiB ({size:.0f} MiB), SQLite")
    print(f"copytree of the originals (baseline)  {baseline:7.2f} s  {size / baseline:6.0f} MiB/s")
    print(f"backup (database, files checked)      {alone:7.2f} s  {alone / baseline:5.2f}x the baseline")
    print(f"backup while another process writes   {backup:7.2f} s  {backup / baseline:5.2f}x the baseline")
    print(f"restore (checked, loaded, reindexed)  {restore:7.2f} s  {restore / baseline:5.2f}x the baseline; "
          f"{sum(outcome['tables'].values())} rows")  # fmt: skip
    print(f"the writer's commits: {len(busy)} during that backup, p95 {p95(busy) * 1000:.1f} ms against "
          f"{p95(idle) * 1000:.1f} ms before it ({p95(busy) / max(p95(idle), 1e-9):.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
