"""Load figures of the real server: `make serve`'s gunicorn on PostgreSQL, with the demo, at 2 and 4 web workers.

    .venv/bin/python bench/load.py [--workers 2,4] [--connections 32] [--seconds 10] [--max-requests 50000]

For each worker count, `python -m deploy.serve` (what `make serve` runs once its packages are in place) starts
in a fresh data folder with DEMO=1 — its own PostgreSQL server in that folder, the migrations, the demo, gunicorn
and the background workers — listening on 127.0.0.1 only, on free ports. The pages to ask for are read from the
API (the first published item, the first exhibition and its QR code). Then each scenario in turn: `--connections`
clients ask one address over and over for `--seconds` (after a one-second warm-up not counted), at most
`--max-requests` requests, each on a connection of its own as gunicorn's sync workers close every connection.
Printed per scenario: requests per second, p50/p95/p99 latency, errors (any answer but 2xx/3xx, or none), and
the ratio of its requests per second to `/healthz`'s, measured for half as long just before and just after it
(their mean): other work on the machine comes and goes, and a baseline taken beside each scenario follows it.
Each worker count is run twice: with the page cache (core.page_cache) as deployed, where every request after
the first of a page is answered from it, then with it off (`VITRINE_PAGE_CACHE_MB=0`), every page made afresh
("made afresh" rows): what a page costs just after a change, and what a cache miss costs (`--no-misses` skips it).

The client is one asyncio process on the same machine, so it takes CPU the server could use; other work shares
this 2-core machine too. Absolute figures are noisy; ratios to /healthz in the same run are what count.
Not part of the test run.
"""

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from json import loads
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.serving import HOST, get, serving  # noqa: E402

MAX_SECONDS = 120  # per scenario, whatever is asked
MAX_CONNECTIONS = 256
WARM_UP_SECONDS = 1.0
READ_LIMIT = 4 * 1024 * 1024  # a page larger than this counts as an error: nothing here should be


def scenarios(port: int) -> dict[str, str]:
    """Each scenario's name and path, found through the API of the demo as served."""
    items = loads(get(port, "/api/v1/items?per_page=1")[1])
    exhibitions = loads(get(port, "/api/v1/exhibitions?per_page=1")[1])
    item_id, total = items["items"][0]["id"], items["total"]
    exhibition = exhibitions["exhibitions"][0]
    last = loads(get(port, f"/api/v1/items?per_page=1&page={total - 1}")[1])
    return {
        "home page": "/?lang=vi",
        "search page": "/items?q=quyen&lang=vi",
        "search API": "/api/v1/search?q=quyen",
        "item page": f"/items/{item_id}?lang=vi",
        "exhibition page": urlsplit(exhibition["links"]["page"]).path + "?lang=vi",
        "API first page": "/api/v1/items?per_page=1",
        f"API last page by number ({total})": f"/api/v1/items?per_page=1&page={total}",
        "API last page by cursor": _path(last["links"]["next"]),
        "QR redirect": urlsplit(exhibition["qr"]["url"]).path,
    }


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


# --- The load ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one scenario measured."""

    seconds: float = 0.0
    latencies: list = field(default_factory=list)  # seconds, of the answers counted
    errors: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def one_request(port: int, request: bytes) -> bool:
    """Send one GET on a new connection and read the answer to its end; True for a 2xx or 3xx."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(request)
        status_line = await reader.readline()
        await reader.read(READ_LIMIT)  # to the end: the server closes after it
        return status_line[9:10] in (b"2", b"3")
    finally:
        writer.close()


async def load(port: int, path: str, connections: int, seconds: float, max_requests: int) -> Outcome:
    """`connections` clients asking `path` until `seconds` have passed or `max_requests` were sent."""
    request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept-Language: vi\r\n"
               f"User-Agent: vitrine-bench-load\r\nConnection: close\r\n\r\n").encode()  # fmt: skip
    outcome, sent = Outcome(), 0
    started = time.perf_counter()
    counted_from, deadline = started + WARM_UP_SECONDS, started + WARM_UP_SECONDS + seconds

    async def client() -> None:
        nonlocal sent
        while sent < max_requests and (now := time.perf_counter()) < deadline:
            sent += 1
            try:
                good = await asyncio.wait_for(one_request(port, request), timeout=30)
            except (TimeoutError, OSError):
                good = False
            if now >= counted_from:
                if good:
                    outcome.latencies.append(time.perf_counter() - now)
                else:
                    outcome.errors += 1

    await asyncio.gather(*(client() for _ in range(connections)))
    outcome.seconds = time.perf_counter() - counted_from
    return outcome


def run_workers(data_dir: Path, workers: int, args, cache: bool = True) -> list[tuple[str, str, Outcome, float]]:
    """Start the server with `workers` web workers and load each scenario in turn, /healthz before each and after
    the last; each scenario's figures with its baseline, the mean rate of the /healthz runs either side of it.
    With the page cache off, the QR redirect (never cached) is left out."""
    log_path = data_dir.parent / f"serve-{workers}{'' if cache else '-nocache'}.log"
    started = time.perf_counter()
    with serving(data_dir, workers, log_path, None if cache else {"VITRINE_PAGE_CACHE_MB": "0"}) as server:
        port = server.port
        print(f"\n{workers} web workers, page cache {'on' if cache else 'off'}: serving on {HOST}:{port} after "
              f"{time.perf_counter() - started:.0f} s (log: {log_path})", flush=True)  # fmt: skip
        baseline_seconds = max(2.0, args.seconds / 2)

        def healthz() -> float:
            return asyncio.run(load(port, "/healthz", args.connections, baseline_seconds, args.max_requests)).rate

        results, before = [], healthz()
        for name, path in scenarios(port).items():
            if not cache and name == "QR redirect":
                continue
            name = name if cache else f"{name}, made afresh"
            outcome = asyncio.run(load(port, path, args.connections, args.seconds, args.max_requests))
            after = healthz()
            results.append((name, path, outcome, (before + after) / 2))
            print(f"  {name:<42} {outcome.rate:8.1f} req/s  p99 {outcome.percentile(0.99):7.1f} ms  "
                  f"(/healthz {before:.0f}, {after:.0f} req/s)", flush=True)  # fmt: skip
            before = after
    return results


def table(workers: int, connections: int, results: list[tuple[str, str, Outcome, float]]) -> None:
    """The figures of one worker count, each rate as a ratio to its /healthz baseline."""
    print(f"\n{workers} gunicorn workers, {connections} connections; ratio: req/s over /healthz's, measured just "
          f"before and after")  # fmt: skip
    print(f"  {'scenario':<44}{'req/s':>8}{'ratio':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}  path")
    for name, path, outcome, base in results:
        latency = "".join(f"{outcome.percentile(share):9.1f}" for share in (0.5, 0.95, 0.99))
        print(f"  {name:<44}{outcome.rate:8.1f}{outcome.rate / base:7.2f}{latency}{outcome.errors:8d}  {path[:60]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="2,4", help="web worker counts, one run each")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario, after a warm-up of 1 s")
    parser.add_argument("--max-requests", type=int, default=50_000, help="per scenario")
    parser.add_argument("--no-misses", action="store_true", help="skip the second run with the page cache off")
    parser.add_argument("--keep", type=Path, help="a folder to keep the data folder and logs in (else a temporary one)")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    if not counts or not all(1 <= n <= 16 for n in counts):
        parser.error("--workers: whole numbers from 1 to 16")
    if not 1 <= args.connections <= MAX_CONNECTIONS or not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--connections from 1 to {MAX_CONNECTIONS}, --seconds above 0 and at most {MAX_SECONDS}")
    if not 1 <= args.max_requests <= 1_000_000:
        parser.error("--max-requests from 1 to 1,000,000")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="vitrine-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # PostgreSQL's own user must pass through it to the server's folder
    print(f"bench/load.py on {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f}); "
          f"data folder {folder / 'data'}", flush=True)  # fmt: skip
    try:
        # One data folder for every run: the demo is loaded once, each run starts the same archive.
        for workers in counts:
            results = run_workers(folder / "data", workers, args)
            if not args.no_misses:
                results += run_workers(folder / "data", workers, args, cache=False)
            table(workers, args.connections, results)
        print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
