"""The real server for the benchmarks that need one (bench/load.py, bench/faults.py): `python -m deploy.serve`,
what `make serve` runs, in a data folder of the bench's own, on free loopback ports, stopped in order at the end.

Its log (the supervisor's lines and every child's) goes to a file; `pids` reads the supervisor's `started <name>
(pid N)` lines from it, so a bench can signal one process (the search worker, the imports worker, gunicorn).
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: no other address is ever a target
START_TIMEOUT = 600  # first start: initdb, migrations, the demo's images drawn and indexed
STOP_TIMEOUT = 60
_STARTED = re.compile(r"started (\w+) \(pid (\d+)\)")


def free_port() -> int:
    """A TCP port of the loopback address nobody listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
    """One GET on our server, redirects not followed; its status and body."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(f"http://{HOST}:{port}{path}", timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class Server:
    """A running `deploy.serve`: its process, port, environment (DATABASE_URL included once known) and log."""

    process: subprocess.Popen
    port: int
    env: dict
    log_path: Path

    def pids(self) -> dict[str, int]:
        """The newest pid of each process the supervisor started (web: gunicorn's master), read from its log."""
        found = {}
        for name, pid in _STARTED.findall(self.log_path.read_text(errors="replace")):
            found[name] = int(pid)
        return found


def serve_env(data_dir: Path, workers: int, port: int, extra: dict | None = None, demo: bool = True) -> dict:
    """The environment `deploy.serve` gets: ours without any VITRINE_* or DATABASE_URL, then the bench's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("VITRINE_") and key != "DATABASE_URL"}
    env |= {"VITRINE_DATA_DIR": str(data_dir), "WORKERS": str(workers), "PORT": str(port), "BIND_HOST": HOST,
            "VITRINE_PG_PORT": str(free_port()), "SECRET_KEY": "bench-server"}  # fmt: skip
    if demo:
        env["DEMO"] = "1"
    return env | (extra or {})


@contextmanager
def serving(data_dir: Path, workers: int, log_path: Path, extra_env: dict | None = None, demo: bool = True,
            ready: Callable[[int], bool] | None = None):  # fmt: skip
    """`python -m deploy.serve` with `workers` web workers; yields a Server once /healthz answers and `ready(port)`
    is true (by default: the demo is searchable, the search worker applied its outbox)."""
    server = start(data_dir, workers, log_path, extra_env, demo)
    try:
        wait_until_ready(server, ready or (demo_searchable if demo else None))
        yield server
    finally:
        stop(server.process)


def start(data_dir: Path, workers: int, log_path: Path, extra_env: dict | None = None, demo: bool = True,
          port: int | None = None) -> Server:  # fmt: skip
    """Start `deploy.serve` (a session of its own: our Ctrl-C reaches this script, which stops it in order)."""
    port = port or free_port()
    env = serve_env(data_dir, workers, port, extra_env, demo)
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "deploy.serve"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    return Server(process, port, env, log_path)


def demo_searchable(port: int) -> bool:
    """Whether the demo answers a search (the search worker applied its outbox)."""
    from json import loads

    status, body = get(port, "/api/v1/search?q=quyen&per_page=1")
    return status == 200 and loads(body)["total"] > 0


def wait_until_ready(server: Server, ready: Callable[[int], bool] | None = None) -> None:
    """Until /healthz answers 200 and `ready(port)` is true."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"deploy.serve stopped ({server.process.returncode}); its log: {server.log_path}")
        try:
            if get(server.port, "/healthz", 2)[0] == 200 and (ready is None or ready(server.port)):
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server was not ready in {START_TIMEOUT} s; its log: {server.log_path}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM: deploy.serve lets gunicorn finish, stops the workers, then the database; again if it lingers."""
    for signum in (signal.SIGTERM, signal.SIGTERM):  # the second asks it to kill its children at once
        if process.poll() is not None:
            return
        process.send_signal(signum)
        try:
            process.wait(STOP_TIMEOUT)
            return
        except subprocess.TimeoutExpired:
            continue
    process.kill()
    process.wait()


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers under its master), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name may hold spaces and parentheses: the fields after its closing one are plain.
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found
