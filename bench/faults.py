"""Concurrency and faults (issue 23, part 5) against the real server: `make serve`'s command (deploy.serve: gunicorn
and its background workers) on SQLite in WAL mode or on PostgreSQL, in a data folder of its own.

    .venv/bin/python bench/faults.py --db sqlite|postgresql [--concurrency] [--kill] [--disk]
                                     [--seconds 60] [--clients 50] [--workers 4] [--rows 5000] [--keep DIR]

With no phase named, all three run, in this order, each on the server as the one before left it:

- concurrency: `--clients` API clients (one curator's token each) for `--seconds`, editing item texts and fields,
  moving items through the workflow (submit, publish, withdraw, back to draft) and editing, publishing and
  unpublishing exhibitions, on a few records so that they collide. Each sends the version it last saw; a refusal
  (409) makes it read the record again. Now and then one sends a text change without any version, which must be
  refused (428). Counted: requests, 2xx, 409/412/428 refusals, other 4xx, 5xx (must be 0), lost updates: every
  accepted write is logged with the version it produced; afterwards, per record, no two accepted writes produced
  the same version, and each field holds the value of its last accepted write. Then the outbox is left to drain
  and `search check` compares the index with the database.
- kill: SIGKILL gunicorn's workers while large uploads are under way (at several moments: mid-body, mid-staging,
  mid-save, seconds after the last byte); the imports worker during an import of `--rows` rows; the search worker
  while it applies a backlog of one task per item. Then the server is stopped and started again (each worker's
  start-up recovery runs) and, once the import, the media jobs and the outbox are done: no half-written original
  (every stored file's content matches its name, no `.incoming-` file, no upload scratch left), no orphan row
  (every file row has its original, fixity clean, no job running on an expired lease), every row of the import
  there once, `search check` equal.
- disk (needs root, for `mount -t tmpfs`): the originals' folder and the scratch folder on small tmpfs mounts;
  an upload that does not fit, then an import whose CSV does not fit: each refused with 507 and a message, and
  nothing of them stored (no file, no row, no scratch).

The printed counts are the figures; exit status 1 if any check failed. Other work shares this machine: rates are
noisy; the counts are what count. Not part of `make test` (tests/test_faults.py runs the short forms).
"""

import argparse
import asyncio
import concurrent.futures
import contextlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.serving import HOST, children, get, start, stop, wait_until_ready  # noqa: E402

API = "/api/v1"
MAX_SECONDS = 600
MAX_CLIENTS = 200
REQUEST_TIMEOUT = 90  # a SQLite writer may wait its 30 s busy timeout, twice
READ_LIMIT = 8 * 1024 * 1024
CONFLICTS = (409, 412, 428)


# --- HTTP -----------------------------------------------------------------------------------------


async def call(port: int, method: str, path: str, token: str | None = None, body: dict | None = None,
               raw: bytes | None = None, content_type: str | None = None) -> tuple[int, dict | None]:  # fmt: skip
    """One request on a new connection (gunicorn's sync workers close each); its status and JSON body, if any.
    Status 0: no answer (the connection failed or was cut)."""
    payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close", "Accept: application/json",
            f"Content-Length: {len(payload)}"]  # fmt: skip
    if token:
        head.append(f"Authorization: Bearer {token}")
    if payload:
        head.append(f"Content-Type: {content_type or 'application/json'}")
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError:
        return 0, None
    try:
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        answer = await reader.read(READ_LIMIT)
        while chunk := await reader.read(READ_LIMIT):
            answer += chunk
    except OSError:
        return 0, None
    finally:
        writer.close()
    return _parse(answer)


def _parse(answer: bytes) -> tuple[int, dict | None]:
    head, _sep, body = answer.partition(b"\r\n\r\n")
    try:
        status = int(head[9:12])
    except ValueError:
        return 0, None
    if b"transfer-encoding: chunked" in head.lower():
        body = _unchunk(body)
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, None


def _unchunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _sep, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if not size:
            break
        out, body = out + body[:size], body[size + 2 :]
    return out


def run_async(coroutine):
    """`asyncio.run(coroutine)` in a thread of its own: the caller's thread may already run an event loop (a test
    process whose earlier tests keep Playwright's open)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def call_sync(port: int, method: str, path: str, token: str | None = None, body: dict | None = None,
              **kwargs) -> tuple[int, dict | None]:  # fmt: skip
    """`call` from ordinary code."""
    return run_async(call(port, method, path, token, body, **kwargs))


def multipart(fields: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body of files: {field: (file name, bytes)}; and its Content-Type."""
    boundary = f"vitrine-bench-{random.getrandbits(64):x}"
    parts = []
    for name, (filename, data) in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")  # fmt: skip
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def expect(answer: tuple[int, dict | None], *statuses: int) -> dict:
    """The body of an answer whose status is one of `statuses`; else stop with what came back."""
    status, body = answer
    if status not in statuses:
        raise SystemExit(f"unexpected answer {status}: {json.dumps(body)[:500]}")
    return body or {}


# --- The archive to work on -----------------------------------------------------------------------


@dataclass
class Fixture:
    """What the clients work on: their tokens, items shown in exhibitions (kept published), items moved through
    the workflow, and exhibitions."""

    tokens: list[str]
    shown: list[int]
    moving: list[int]
    exhibitions: list[int]


def issue_tokens(app, count: int) -> list[str]:
    """`count` curators, each with a read and write token (made in the app's database, as `flask users` does)."""
    from core.auth import Scope, create_user, issue_token
    from core.uow import unit

    tokens = []
    with app.app_context(), unit("bench users") as session:
        suffix = f"{random.getrandbits(32):x}"
        for n in range(count):
            user = create_user(session, f"bench-{suffix}-{n}@example.org", "bench password long enough", "curator")
            tokens.append(issue_token(session, user, (Scope.READ, Scope.WRITE)))
    return tokens


def make_fixture(port: int, app, clients: int, shown: int = 8, moving: int = 8, exhibitions: int = 4) -> Fixture:
    """Make the records through the API: published items, items to move, published exhibitions of the first."""
    tokens = issue_tokens(app, clients)
    token, tag = tokens[0], f"{random.getrandbits(24):06x}"

    def new_item(n: int, publish: bool) -> int:
        body = {"reference_code": f"FLT-{tag}-{n:03d}", "type": "photo", "creator": "Bench",
                "texts": {"vi": {"title": f"Ảnh tư liệu {n}"}}}  # fmt: skip
        item = expect(call_sync(port, "POST", f"{API}/items", token, body), 201)
        for action in ("submit", "publish") if publish else ():
            item = expect(call_sync(port, "POST", f"{API}/items/{item['id']}/transitions", token,
                                    {"action": action, "version": item["version"]}), 200)  # fmt: skip
        return item["id"]

    shown_ids = [new_item(n, True) for n in range(shown)]
    moving_ids = [new_item(shown + n, n % 2 == 0) for n in range(moving)]
    exhibition_ids = []
    for n in range(exhibitions):
        body = {"primary_language": "vi", "texts": {"vi": {"title": f"Triển lãm {n}"}}}
        exhibition = expect(call_sync(port, "POST", f"{API}/exhibitions", token, body), 201)
        base = f"{API}/exhibitions/{exhibition['id']}"
        section = expect(call_sync(port, "POST", f"{base}/sections", token, {"texts": {"vi": {"title": "Phần 1"}}}),
                         201)  # fmt: skip
        for item_id in shown_ids[n::exhibitions] or shown_ids[:1]:
            expect(call_sync(port, "POST", f"{base}/sections/{section['id']}/entries", token, {"item_id": item_id}),
                   201)  # fmt: skip
        if n % 2 == 0:
            expect(call_sync(port, "POST", f"{base}/publish", token), 200)
        exhibition_ids.append(exhibition["id"])
    return Fixture(tokens, shown_ids, moving_ids, exhibition_ids)


# --- Concurrency ----------------------------------------------------------------------------------

# Each workflow move from the status it starts at; withdraw needs a reason.
NEXT_MOVE = {"draft": "submit", "review": "publish", "published": "withdraw", "withdrawn": "restore"}


@dataclass
class Counts:
    """What the clients saw, and what the check afterwards found."""

    requests: int = 0
    ok: int = 0
    conflicts: int = 0  # 409/412: a stale version, refused as it should be
    version_required: int = 0  # 428: a text change without a version, refused as it should be
    accepted_without_version: int = 0  # must be 0
    other_4xx: int = 0  # a move no longer possible (an exhibition already published by another client…)
    server_errors: int = 0  # must be 0
    no_answer: int = 0  # must be 0
    lost_updates: int = 0  # must be 0
    statuses: Counter = field(default_factory=Counter)
    problems: list = field(default_factory=list)

    def line(self, seconds: float) -> str:
        return (f"{self.requests} requests in {seconds:.0f} s ({self.requests / max(seconds, 1e-9):.0f}/s): "
                f"{self.ok} 2xx, {self.conflicts} 409/412 refused as stale, {self.version_required} 428 refused "
                f"without a version, {self.other_4xx} other 4xx, {self.server_errors} 5xx, {self.no_answer} without "
                f"an answer; {self.accepted_without_version} text changes accepted without a version, "
                f"{self.lost_updates} lost updates")  # fmt: skip


class EditRun:
    """The clients, the versions each last saw, and the log of accepted writes."""

    def __init__(self, port: int, fixture: Fixture, seed: int = 23):
        self.port, self.fixture, self.seed = port, fixture, seed
        self.counts = Counts()
        # (kind, id) → [(version produced, field, value)], from every client
        self.accepted: dict[tuple[str, int], list[tuple[int, str, str]]] = defaultdict(list)

    async def run(self, clients: int, seconds: float) -> Counts:
        """`clients` clients for `seconds`; the counts so far (the check comes after, `verify`)."""
        deadline = time.monotonic() + seconds
        tokens = [self.fixture.tokens[n % len(self.fixture.tokens)] for n in range(clients)]
        await asyncio.gather(*(self._client(n, token, deadline) for n, token in enumerate(tokens)))
        return self.counts

    async def _client(self, number: int, token: str, deadline: float) -> None:
        rng = random.Random(self.seed * 1000 + number)
        seen: dict[tuple[str, int], dict] = {}
        sent = 0
        while time.monotonic() < deadline:
            sent += 1
            kind, record_id = self._pick(rng)
            if (kind, record_id) not in seen:
                await self._read(token, kind, record_id, seen)
                continue
            await self._change(rng, token, kind, record_id, seen, f"c{number}-{sent}")

    def _pick(self, rng: random.Random) -> tuple[str, int]:
        roll = rng.random()
        if roll < 0.35:
            return "item", rng.choice(self.fixture.shown)
        if roll < 0.7:
            return "item", rng.choice(self.fixture.moving)
        return "exhibition", rng.choice(self.fixture.exhibitions)

    async def _request(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict | None]:
        status, answer = await asyncio.wait_for(call(self.port, method, path, token, body), REQUEST_TIMEOUT)
        counts = self.counts
        counts.requests += 1
        counts.statuses[status] += 1
        if 200 <= status < 300:
            counts.ok += 1
        elif status == 428:
            counts.version_required += 1
        elif status in CONFLICTS:
            counts.conflicts += 1
        elif 400 <= status < 500:
            counts.other_4xx += 1
        elif status >= 500:
            counts.server_errors += 1
            counts.problems.append(f"{status} on {method} {path}: {json.dumps(answer)[:300]}")
        else:
            counts.no_answer += 1
        return status, answer

    async def _read(self, token: str, kind: str, record_id: int, seen: dict) -> None:
        status, answer = await self._request("GET", f"{API}/{kind}s/{record_id}", token)
        if status == 200:
            seen[(kind, record_id)] = answer

    async def _change(self, rng: random.Random, token: str, kind: str, record_id: int, seen: dict, value: str):
        known = seen[(kind, record_id)]
        base = f"{API}/{kind}s/{record_id}"
        roll = rng.random()
        if kind == "item" and roll < 0.05:  # a text change that says no version: must be refused
            status, _answer = await self._request("PUT", f"{base}/texts/en", token, {"title": f"no version {value}"})
            if 200 <= status < 300:
                self.counts.accepted_without_version += 1
                self.counts.problems.append(f"a text change of item {record_id} without a version was accepted")
            return
        if kind == "item" and roll < 0.45:
            write = ("PUT", f"{base}/texts/vi", {"title": f"Tiêu đề {value}", "version": known["version"]},
                     "title", f"Tiêu đề {value}")  # fmt: skip
        elif kind == "item" and (roll < 0.75 or record_id in self.fixture.shown):
            write = ("PATCH", base, {"creator": value, "version": known["version"]}, "creator", value)
        elif kind == "item":
            move = NEXT_MOVE[known["status"]]
            body = {"action": move, "version": known["version"]} | ({"comment": "bench"} if move == "withdraw" else {})
            write = ("POST", f"{base}/transitions", body, "status", None)
        elif roll < 0.6:
            body = {"texts": {"vi": {"title": f"Triển lãm {value}"}}, "version": known["version"]}
            write = ("PATCH", base, body, "title", f"Triển lãm {value}")
        else:
            move = "unpublish" if known["status"] == "published" else "publish"
            write = ("POST", f"{base}/{move}", None, "status", None)
        method, path, body, field_name, value = write
        status, answer = await self._request(method, path, token, body)
        if 200 <= status < 300:
            seen[(kind, record_id)] = answer
            if field_name == "status":
                value = answer["status"]
            self.accepted[(kind, record_id)].append((answer["version"], field_name, value))
        else:  # refused: read it again, as a person would reload the page
            await self._read(token, kind, record_id, seen)

    def verify(self, app) -> int:
        """Lost updates: two accepted writes that produced one version, or a field not holding its last accepted
        write's value. Read from the database through the app; returns how many (also in the counts)."""
        lost = 0
        with app.app_context():
            for (kind, record_id), writes in self.accepted.items():
                stored = stored_fields(kind, record_id)
                versions = Counter(version for version, _f, _v in writes)
                doubled = [version for version, count in versions.items() if count > 1]
                if doubled:
                    lost += sum(versions[v] - 1 for v in doubled)
                    self.counts.problems.append(f"{kind} {record_id}: versions {doubled} accepted more than once")
                last: dict[str, tuple[int, str]] = {}
                for version, field_name, value in writes:
                    if field_name not in last or version > last[field_name][0]:
                        last[field_name] = (version, value)
                for field_name, (version, value) in last.items():
                    if stored[field_name] != value:
                        lost += 1
                        found = stored[field_name]
                        self.counts.problems.append(
                            f"{kind} {record_id}: {field_name} is {found!r}, its last accepted write's "
                            f"(version {version}) {value!r}"
                        )
                if stored["version"] < max(versions):
                    lost += 1
                    self.counts.problems.append(f"{kind} {record_id}: version {stored['version']} < {max(versions)}")
        self.counts.lost_updates = lost
        return lost


def stored_fields(kind: str, record_id: int) -> dict:
    """What the database holds now of the fields the clients write (in an app context)."""
    from archive.models import Item
    from core.uow import unit
    from exhibitions.models import Exhibition

    with unit("bench read", write=False) as session:
        if kind == "item":
            item = session.get(Item, record_id)
            text = item.text_for("vi")
            return {"version": item.version, "title": text.title if text else None, "creator": item.creator,
                    "status": str(item.status)}  # fmt: skip
        exhibition = session.get(Exhibition, record_id)
        title = next((t.title for t in exhibition.texts if t.lang == "vi"), None)
        return {"version": exhibition.version, "title": title, "status": str(exhibition.status)}


def search_differences(app, timeout: float = 300) -> tuple[int, int]:
    """Once the outbox is drained (by the server's workers): (items whose index entry differs, tasks left)."""
    from core.search import check, pending_count

    with app.app_context():
        deadline = time.monotonic() + timeout
        while (left := pending_count(app)) and time.monotonic() < deadline:
            time.sleep(0.5)
        return len(check(app)), left


def concurrency(port: int, app, clients: int, seconds: float, fixture: Fixture | None = None) -> Counts:
    """The concurrency phase on a running server; prints and returns its counts."""
    fixture = fixture or make_fixture(port, app, clients)
    run = EditRun(port, fixture)
    started = time.monotonic()
    counts = run_async(run.run(clients, seconds))
    elapsed = time.monotonic() - started
    run.verify(app)
    say(f"concurrency, {clients} clients: {counts.line(elapsed)}; by status {dict(sorted(counts.statuses.items()))}")
    for problem in counts.problems[:20]:
        say(f"  problem: {problem}")
    return counts


# --- After a crash: what is stored ----------------------------------------------------------------


@dataclass
class Leftovers:
    """What the checks after a crash and restart found; every count must be 0."""

    half_written: int = 0  # a stored original whose content is not what its name says
    incoming: int = 0  # a save's temporary file still in the originals' folder
    scratch: int = 0  # upload or import scratch folders of dead processes
    half_built: int = 0  # preview build folders of dead processes or of ended jobs
    missing_originals: int = 0  # file rows whose original is not in storage (fixity)
    altered_originals: int = 0
    stuck_jobs: int = 0  # media or import jobs running on an expired lease
    index_differences: int = 0
    index_tasks_left: int = 0
    stray: int = 0  # complete originals no row names (an upload killed after its save, before its commit): kept

    def bad(self) -> int:
        return sum(value for name, value in vars(self).items() if name != "stray")


def leftovers(app) -> Leftovers:
    """Look at storage, scratch, previews, jobs and the index as they are now."""
    from archive.fixity import check_originals, recorded_originals, stray_files
    from archive.models import ImportJob, JobState, MediaJob
    from core.db import utcnow
    from core.storage import get_storage
    from core.uow import unit

    found = Leftovers()
    with app.app_context():
        storage = get_storage()
        with unit("bench fixity", write=False) as session:
            originals = recorded_originals(session)
            now = utcnow()
            found.stuck_jobs = sum(
                session.query(model).filter(model.state == JobState.RUNNING, model.lease_until < now).count()
                for model in (MediaJob, ImportJob)
            )
        run = check_originals(storage, originals)
        found.missing_originals, found.altered_originals = run.missing, run.altered
        for name in stray_files(storage, set(originals), now=_far_future()):
            path = storage.root / name
            if Path(name).name.startswith(".incoming-"):
                found.incoming += 1
            elif len(path.name) == 64 and storage.verify(path.name) and storage.path_for(path.name) == path:
                found.stray += 1
            else:
                found.half_written += 1
        _incoming, found.scratch, found.half_built = crash_leftovers(app).values()
        found.index_differences, found.index_tasks_left = search_differences(app)
    return found


def crash_leftovers(app) -> dict:
    """What dead processes of this machine left now: half-saved originals, upload scratch, half-built previews."""
    from archive.media import BUILD, derivatives_root
    from core.machine import left_by_a_dead_process
    from core.storage import get_storage

    with app.app_context():
        storage = get_storage()
        found = {"incoming": sum(1 for p in storage.root.glob(".incoming-*") if left_by_a_dead_process(p.name))}
        scratch = storage.root.parent / "tmp"
        scratched = scratch.iterdir() if scratch.is_dir() else ()
        found["scratch"] = sum(1 for p in scratched if left_by_a_dead_process(p.name))
        root = derivatives_root()
        found["half-built"] = sum(1 for parent in (root.iterdir() if root.is_dir() else ())
                                  for p in parent.glob(f"{BUILD}*") if left_by_a_dead_process(p.name))  # fmt: skip
    return found


def _far_future():
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) + timedelta(days=1)  # every file counts, however recent


# --- Kill -----------------------------------------------------------------------------------------


def noise_png(megapixels: float, seed: int) -> bytes:
    """A PNG of random pixels (it hardly compresses: about 3 bytes a pixel), valid for the upload's probe."""
    import numpy as np
    from PIL import Image

    side = int((megapixels * 1_000_000) ** 0.5)
    pixels = np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG", compress_level=0)
    return out.getvalue()


def import_csv(rows: int, tag: str) -> bytes:
    """A CSV of `rows` items."""
    lines = ["reference_code,type,date,title_vi,description_vi"]
    lines += [f"IMP-{tag}-{n:05d},document,1986,Tài liệu số {n},Bản sao lưu trữ số {n} về quyền con người"
              for n in range(rows)]  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


def kill_group(pid: int) -> None:
    """SIGKILL a process and what it started (each of deploy.serve's children leads a group of its own)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def kill_web_workers(server) -> int:
    """SIGKILL every gunicorn worker (its master starts new ones); how many."""
    workers = children(server.pids()["web"])
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(workers)


async def _upload_and_kill(server, token: str, item_id: int, data: bytes, moment) -> tuple[int, bool]:
    """Send a large upload and SIGKILL the web workers at `moment`: "mid-body" (half of it sent), a number of
    seconds after its last byte, or a test of the data folder polled every 5 ms after it ("staging": the upload's
    scratch folder exists; "saving": a save's temporary file does). Its answer's status (0: none), and whether the
    kill came at the moment asked (not after a timeout)."""
    body, content_type = multipart({"files": (f"scan-{moment}.png", data)})
    head = (f"POST {API}/items/{item_id}/media HTTP/1.1\r\nHost: {HOST}:{server.port}\r\nConnection: close\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")  # fmt: skip
    data_dir = Path(server.env["VITRINE_DATA_DIR"])
    tests = {"staging": lambda: any((data_dir / "tmp").glob("*/upload-*")),
             "saving": lambda: any((data_dir / "files").glob(".incoming-*"))}  # fmt: skip
    reader, writer = await asyncio.open_connection(HOST, server.port)
    on_time = True
    try:
        writer.write(head.encode())
        half = len(body) // 2 if moment == "mid-body" else len(body)
        writer.write(body[:half])
        await writer.drain()
        if moment in tests:
            deadline = time.monotonic() + 120
            while not tests[moment]() and (on_time := time.monotonic() < deadline):
                await asyncio.sleep(0.005)
        elif moment != "mid-body":
            await asyncio.sleep(moment)
        kill_web_workers(server)
        if moment == "mid-body":
            writer.write(body[half:])
        answer = await asyncio.wait_for(reader.read(), 60)
    except (OSError, TimeoutError):
        answer = b""
    finally:
        writer.close()
    return _parse(answer)[0], on_time


def healthy(port: int) -> bool:
    """Whether /healthz answers 200 within 2 s (gunicorn may be starting new workers)."""
    try:
        return get(port, "/healthz", 2)[0] == 200
    except OSError:
        return False


def wait_for(what, timeout: float, step: float = 0.2):
    """`what()` once it is true, or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := what():
            return value
        time.sleep(step)
    return None


# When the web workers are killed during an upload: halfway through its body, while it is staged (copied and
# probed), while its original is being saved, and some seconds after its last byte (the commit, the answer).
UPLOAD_MOMENTS = ("mid-body", "staging", "saving", 0.5, 2.0, 4.0)


def kill_phase(server, app, rows: int) -> dict:
    """SIGKILL mid-upload, mid-import and mid-index update; returns what it did (the checks come after a
    restart)."""
    token = issue_tokens(app, 1)[0]
    tag = f"{random.getrandbits(24):06x}"
    new = {"reference_code": f"UPL-{tag}", "type": "document", "texts": {"vi": {"title": "Bản quét lớn"}}}
    item = expect(call_sync(server.port, "POST", f"{API}/items", token, new), 201)
    done: dict = {"uploads": {}}
    for n, moment in enumerate(UPLOAD_MOMENTS):
        status, on_time = run_async(_upload_and_kill(server, token, item["id"], noise_png(8, n), moment))
        done["uploads"][moment] = status if on_time else f"{status}, the moment never came"
        wait_for(lambda: healthy(server.port), 60)
    # An import of `rows` rows, its worker killed once it has made progress.
    csv = import_csv(rows, tag)
    body, content_type = multipart({"csv": ("items.csv", csv)})
    job = expect(call_sync(server.port, "POST", f"{API}/imports", token, raw=body, content_type=content_type), 202)
    url = f"{API}/imports/{job['id']}"

    def under_way() -> dict | None:
        state = expect(call_sync(server.port, "GET", url, token), 200)
        return state if state["status"] == "running" and 0 < (state["rows_done"] or 0) < rows else None

    progress = wait_for(under_way, 300, 0.1)
    if progress:
        kill_group(server.pids()["imports"])
    done["import"] = {"id": job["id"], "tag": tag, "killed at rows": progress and progress["rows_done"]}
    # A backlog of one index task per item, its applier killed while it works.
    from sqlalchemy import select

    from archive.models import Item
    from core.search import pending_count, record_changes
    from core.uow import unit

    with app.app_context():
        with unit("bench backlog") as session:
            record_changes(session, list(session.scalars(select(Item.id))))
        started = pending_count(app)
        working = wait_for(lambda: pending_count(app) < started, 120, 0.05)
    if working:
        kill_group(server.pids()["search"])
    with app.app_context():
        done["index"] = {"backlog": started, "killed with tasks left": working and pending_count(app)}
    done["left by the kills"] = crash_leftovers(app)
    return done


def import_outcome(app, job_id: int, tag: str) -> dict:
    """The import's job and the items it made, counted once the job ended."""
    from sqlalchemy import func, select

    from archive.models import ImportJob, Item
    from core.uow import unit

    with app.app_context(), unit("bench import", write=False) as session:
        job = session.get(ImportJob, job_id)
        made = session.scalar(select(func.count(Item.id)).where(Item.reference_code.like(f"IMP-{tag}-%")))
        distinct = session.scalar(select(func.count(func.distinct(Item.reference_code)))
                                  .where(Item.reference_code.like(f"IMP-{tag}-%")))  # fmt: skip
        return {"state": str(job.state), "attempts": job.attempts, "items": made, "distinct": distinct}


def wait_for_quiet(app, job_id: int, timeout: float = 900) -> bool:
    """Until the import ended and no media job is open."""
    from archive.jobs import open_job_count
    from archive.models import ImportJob, JobState
    from core.uow import unit

    def quiet() -> bool:
        with app.app_context(), unit("bench wait", write=False) as session:
            job = session.get(ImportJob, job_id)
            return job.state in (JobState.DONE, JobState.FAILED) and open_job_count(session) == 0

    return bool(wait_for(quiet, timeout, 1.0))


# --- Full disk ------------------------------------------------------------------------------------


@dataclass
class DiskOutcome:
    """A refused upload or import on a full disk: its answer and what it left."""

    upload_status: int = 0
    upload_message: str = ""
    import_status: int = 0
    import_message: str = ""
    rows_added: int = 0
    files_added: int = 0
    scratch_left: int = 0

    def bad(self) -> int:
        return ((self.upload_status != 507) + (self.import_status != 507) + self.rows_added + self.files_added
                + self.scratch_left)  # fmt: skip


def _message(answer: dict | None) -> str:
    return ((answer or {}).get("error") or {}).get("message", "")


def mount_tmpfs(folder: Path, size: str) -> None:
    """A tmpfs of `size` (`4m`) on `folder` (as root)."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)], check=True)


def unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], check=False)


def disk_phase(server, app, data_dir: Path) -> DiskOutcome:
    """An upload that does not fit in the originals' folder, an import that does not fit in the scratch folder."""
    from sqlalchemy import func, select

    from archive.models import ImportJob, MediaFile

    token = issue_tokens(app, 1)[0]
    files, scratch = data_dir / "files", data_dir / "tmp"
    new = {"reference_code": f"DSK-{random.getrandbits(24):06x}", "type": "document",
           "texts": {"vi": {"title": "Đĩa đầy"}}}  # fmt: skip
    item = expect(call_sync(server.port, "POST", f"{API}/items", token, new), 201)

    def counts():
        from core.uow import unit

        with app.app_context(), unit("bench counts", write=False) as session:
            return (session.scalar(select(func.count(MediaFile.id))) + session.scalar(select(func.count(ImportJob.id))),
                    sum(1 for p in files.rglob("*") if p.is_file()))  # fmt: skip

    outcome = DiskOutcome()
    # The originals' folder full: the scratch holds the upload, the save finds no room.
    held = data_dir / "files-before-disk"
    if files.exists():
        files.rename(held)
    mount_tmpfs(files, "4m")
    mount_tmpfs(scratch, "64m")
    try:
        rows_before, files_before = counts()
        body, content_type = multipart({"files": ("big.png", noise_png(3, 99))})
        status, answer = call_sync(server.port, "POST", f"{API}/items/{item['id']}/media", token, raw=body,
                                   content_type=content_type)  # fmt: skip
        outcome.upload_status, outcome.upload_message = status, _message(answer)
        unmount(scratch)
        mount_tmpfs(scratch, "1m")  # now the scratch too: an import's CSV does not fit
        body, content_type = multipart({"csv": ("items.csv", import_csv(20_000, "disk"))})
        status, answer = call_sync(server.port, "POST", f"{API}/imports", token, raw=body, content_type=content_type)
        outcome.import_status, outcome.import_message = status, _message(answer)
        rows_after, files_after = counts()
        outcome.rows_added, outcome.files_added = rows_after - rows_before, files_after - files_before
        outcome.scratch_left = sum(1 for p in scratch.rglob("*") if p.is_file())
    finally:
        unmount(scratch)
        unmount(files)
        if held.exists():  # the archive's own originals back in place
            with contextlib.suppress(OSError):
                files.rmdir()  # the empty mount point
            held.rename(files)
    return outcome


# --- The run --------------------------------------------------------------------------------------


def bench_app(server):
    """An app on the server's database and data folder, for setting up and checking; it runs no background work."""
    from app import create_app
    from core.config import from_env
    from deploy.serve import plan

    env = plan(server.env).env  # DATABASE_URL of the local server too
    return create_app(from_env(env) | {
        "SEARCH_APPLY": "worker", "MEDIA_JOBS": "worker", "IMPORT_JOBS": "worker", "OAI_APPLY": "worker",
        "HARVEST_JOBS": "worker", "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    })  # fmt: skip


def forget_connections(app) -> None:
    """Drop the app's pooled connections (after the database server restarted)."""
    from core.db import db

    with app.app_context():
        db.engine.dispose()


_STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[faults {time.monotonic() - _STARTED:6.1f} s] {message}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--concurrency", action="store_true")
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--disk", action="store_true")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rows", type=int, default=5000, help="rows of the import killed mid-way")
    parser.add_argument("--keep", type=Path, help="a folder to keep the data folder and logs in (else a temporary one)")
    args = parser.parse_args(argv)
    if not (0 < args.seconds <= MAX_SECONDS and 1 <= args.clients <= MAX_CLIENTS and 1 <= args.workers <= 16
            and 10 <= args.rows <= 100_000):  # fmt: skip
        parser.error(f"--seconds up to {MAX_SECONDS}, --clients up to {MAX_CLIENTS}, --workers up to 16, "
                     "--rows from 10 to 100,000")  # fmt: skip
    phases = [p for p in ("concurrency", "kill", "disk") if getattr(args, p)] or ["concurrency", "kill", "disk"]
    if "disk" in phases and os.geteuid() != 0:
        parser.error("--disk mounts tmpfs folders: run it as root (or leave it out)")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="vitrine-faults-"))
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # PostgreSQL's own user must pass through it to the server's folder
    data_dir, log_path = folder / "data", folder / "serve.log"
    extra = {"VITRINE_IMPORT_JOB_LEASE_SECONDS": "5"}  # a killed import is taken over in seconds, not minutes
    if args.db == "sqlite":
        extra["DATABASE_URL"] = f"sqlite:///{data_dir / 'vitrine.sqlite3'}"
    say(f"bench/faults.py --db {args.db}: {', '.join(phases)}; {os.cpu_count()} CPUs, load "
        f"{os.getloadavg()[0]:.1f}; data folder {data_dir}, log {log_path}")  # fmt: skip
    failures = 0
    server = start(data_dir, args.workers, log_path, extra, demo=False)
    try:
        wait_until_ready(server)
        app = bench_app(server)
        say(f"serving on {HOST}:{server.port}: {args.workers} web workers and the background workers")
        if "concurrency" in phases:
            counts = concurrency(server.port, app, args.clients, args.seconds)
            differences, left = search_differences(app)
            say(f"search check after the run: {differences} items differ, {left} index tasks left "
                f"({'index == database' if not differences else 'INDEX DIFFERS'})")  # fmt: skip
            failures += (counts.server_errors + counts.no_answer + counts.lost_updates
                         + counts.accepted_without_version + differences)  # fmt: skip
        if "kill" in phases:
            done = kill_phase(server, app, args.rows)
            say(f"killed: web workers during {len(done['uploads'])} uploads (moment: answer "
                f"{done['uploads']}), the imports worker mid-import {done['import']}, the search worker with "
                f"{done['index']['backlog']} tasks queued {done['index']}; left behind before the restart: "
                f"{done['left by the kills']}")  # fmt: skip
            stop(server.process)
            say("server stopped; starting it again (each worker's start-up recovery runs)")
            again = extra | {"VITRINE_PG_PORT": server.env["VITRINE_PG_PORT"]}  # the same database address
            server = start(data_dir, args.workers, log_path, again, demo=False, port=server.port)
            wait_until_ready(server)
            forget_connections(app)  # the database server was restarted with it (PostgreSQL of its own)
            quiet = wait_for_quiet(app, done["import"]["id"])
            outcome = import_outcome(app, done["import"]["id"], done["import"]["tag"])
            found = leftovers(app)
            say(f"after the restart: import {outcome} of {args.rows} rows; {vars(found)}")
            failures += found.bad() + (not quiet) + (outcome["state"] != "done")
            failures += (outcome["items"], outcome["distinct"]) != (args.rows, args.rows)
        if "disk" in phases:
            outcome = disk_phase(server, app, data_dir)
            say(f"full disk: {vars(outcome)}")
            failures += outcome.bad()
    finally:
        stop(server.process)
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    say("all checks passed" if not failures else f"{failures} checks FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
