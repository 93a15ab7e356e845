"""`make serve` (`python -m deploy.serve`): Vitrine under gunicorn on PostgreSQL with its background workers,
all stopped together by Ctrl-C.

1. The database is DATABASE_URL's; without one, a server of our own in `<data dir>/postgresql/`
   (deploy.postgres: made on the first run, reached through its socket only), started here and stopped last.
2. `flask db upgrade` and `flask refdata load` run first (`flask demo load` too with DEMO=1), and the static
   files are copied by fingerprint to `<data dir>/static/`, where nginx serves them for a year.
3. gunicorn (settings below: WORKERS, BIND_HOST, PORT) and one worker command per kind of background work
   whose mode is `worker`: search outbox, media jobs, imports, harvests, OAI records. A mode the environment already
   sets to something else (VITRINE_MEDIA_JOBS=background…) is kept, and that work stays in the web processes.
4. Ctrl-C or SIGTERM: gunicorn finishes the requests under way, the workers stop, then the database. A second
   Ctrl-C stops them at once. A worker that dies is started again; if gunicorn dies, everything stops.

Every child runs in a session of its own, so the terminal's Ctrl-C reaches this process alone and the
order above holds.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.config import from_env
from core.static_files import copy_fingerprinted
from deploy.postgres import LocalPostgres, database_url, find_bin_dir

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 8000
DATABASE = "vitrine"
# The local server's port names its socket only (it listens on no TCP port): the usual one is free to take.
DEFAULT_PG_PORT = 5432
# Durable (unlike the tests'); room for every web and worker process's pool.
PG_SETTINGS = {"max_connections": "200"}
# Each kind of background work: the setting naming who does it, and the command that does it as a worker.
BACKGROUND = {
    "search": ("VITRINE_SEARCH_APPLY", ("search", "worker")),
    "media": ("VITRINE_MEDIA_JOBS", ("media", "worker")),
    "imports": ("VITRINE_IMPORT_JOBS", ("imports", "worker")),
    "harvest": ("VITRINE_HARVEST_JOBS", ("harvest", "worker")),
    "oai": ("VITRINE_OAI_APPLY", ("oai", "worker")),
}
GRACEFUL_SECONDS = 20  # gunicorn's graceful_timeout: requests under way may finish within it
RESTART_DELAY_SECONDS = 5


def default_workers() -> int:
    """gunicorn's rule of thumb for sync workers: two per core this process may run on, plus one."""
    return 2 * len(os.sched_getaffinity(0)) + 1


def _number(env, name: str, default: int, low: int, high: int) -> int:
    value = (env.get(name) or "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return int(value)


def gunicorn_settings(env) -> dict:
    """gunicorn's settings from the environment (deploy/gunicorn.conf.py hands them to it)."""
    host = (env.get("BIND_HOST") or "127.0.0.1").strip()
    port = _number(env, "PORT", DEFAULT_PORT, 1, 65535)
    return {
        "wsgi_app": "app:create_app()",
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": _number(env, "WORKERS", default_workers(), 1, 64),
        "worker_class": "sync",  # nginx in front buffers slow clients; the app holds no connection open
        # An upload is probed in its request (up to MEDIA_DECODE_TIMEOUT_SECONDS, 60 s): past it gunicorn's
        # default of 30 s killed the worker mid-upload.
        "timeout": 120,
        "graceful_timeout": GRACEFUL_SECONDS,
        "keepalive": 5,
        # The app reads X-Forwarded-* only through its ProxyFix, for VITRINE_TRUSTED_PROXIES hops
        # (core.proxies); gunicorn would otherwise take X-Forwarded-Proto from any local process.
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        "accesslog": "-",
        "proc_name": "vitrine",
        # gunicorn's control socket lives in $HOME, one per user: a second instance would take the first's.
        "control_socket_disable": True,
    }


@dataclass
class Process:
    """A long-running child: its name in messages, its command line."""

    name: str
    argv: list[str]


@dataclass
class Plan:
    """Everything `make serve` will do, worked out before anything is started (the tests read it)."""

    env: dict
    setup: list[list[str]]
    processes: list[Process]
    static_copies: Path = Path()  # where the proxy finds the static files by fingerprint
    local_postgres: Path | None = None  # the folder of our own server, when there is no DATABASE_URL
    pg_port: int = DEFAULT_PG_PORT
    url: str = ""
    workers: int = 0
    background: list[str] = field(default_factory=list)


def flask(*args: str) -> list[str]:
    """The command line of a `flask --app app …` command in this virtualenv."""
    return [sys.executable, "-m", "flask", "--app", "app", *args]


def plan(environ, demo: bool = False) -> Plan:
    """What to run, for this environment."""
    env = dict(environ)
    data_dir = Path(from_env(env)["DATA_DIR"])
    settings = gunicorn_settings(env)  # refuses bad numbers before anything starts
    env["VITRINE_DATA_DIR"] = str(data_dir)
    env.setdefault("PORT", str(DEFAULT_PORT))  # the app's default base URL follows it
    result = Plan(env=env, setup=[flask("db", "upgrade"), flask("refdata", "load")], processes=[],
                  static_copies=data_dir / "static")  # fmt: skip
    if demo:
        result.setup.append(flask("demo", "load"))
    if not env.get("DATABASE_URL"):
        result.local_postgres = data_dir / "postgresql"
        result.pg_port = _number(env, "VITRINE_PG_PORT", DEFAULT_PG_PORT, 1, 65535)
        env["DATABASE_URL"] = database_url(DATABASE, result.pg_port, result.local_postgres)
    result.processes.append(Process("web", [sys.executable, "-m", "gunicorn", "--config",
                                            str(ROOT / "deploy" / "gunicorn.conf.py")]))  # fmt: skip
    for name, (setting, command) in BACKGROUND.items():
        env[setting] = env.get(setting) or "worker"
        if env[setting] == "worker":
            result.processes.append(Process(name, flask(*command)))
            result.background.append(name)
    result.url, result.workers = f"http://{settings['bind'][0]}", settings["workers"]
    return result


class Supervisor:
    """Starts the plan's processes and keeps them until asked to stop."""

    def __init__(self, serving: Plan):
        self.plan = serving
        self.running: dict[str, subprocess.Popen] = {}
        self.stops_asked = 0
        self.server: LocalPostgres | None = None

    def _ask_to_stop(self, _signum, _frame) -> None:
        self.stops_asked += 1
        if self.stops_asked > 1:  # asked again: no more waiting
            self._kill_all()

    def run(self) -> int:
        """Serve until Ctrl-C or SIGTERM (0), or until the web server stops by itself (its exit code)."""
        signal.signal(signal.SIGINT, self._ask_to_stop)
        signal.signal(signal.SIGTERM, self._ask_to_stop)
        try:
            self._start_database()
            for command in self.plan.setup:
                if self.stops_asked:
                    return 0
                subprocess.run(command, env=self.plan.env, cwd=ROOT, check=True, start_new_session=True)
            copied = copy_fingerprinted(ROOT / "static", self.plan.static_copies)
            say(f"{copied} static files copied under {self.plan.static_copies} for the proxy")
            for process in self.plan.processes:
                self._start(process)
            say(f"serving {self.plan.url} ({self.plan.workers} web workers; "
                f"background: {', '.join(self.plan.background) or 'in the web processes'}); Ctrl-C stops")  # fmt: skip
            return self._watch()
        except subprocess.CalledProcessError as failed:
            say(f"stopped: {' '.join(failed.cmd[3:])} failed ({failed.returncode})")
            return 1
        except RuntimeError as failed:  # the database server would not start: its own words
            say(f"stopped: {failed}")
            return 1
        finally:
            self._stop_all()
            if self.server is not None and self.server.running:
                self.server.stop()
                say("database stopped")

    def _start_database(self) -> None:
        if self.plan.local_postgres is None:
            return
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise SystemExit("no PostgreSQL server installed: `make serve` installs it, or set DATABASE_URL")
        self.server = LocalPostgres(self.plan.local_postgres, bin_dir, PG_SETTINGS, tcp=False)
        fresh = not self.server.initialised
        if self.server.adopt_running():
            if self.server.port != self.plan.pg_port:
                raise RuntimeError(f"the database in {self.plan.local_postgres} already runs on port "
                                   f"{self.server.port}: set VITRINE_PG_PORT to it, or stop it")  # fmt: skip
            say(f"database already running in {self.plan.local_postgres}: taken over")
        else:
            self.server.start(self.plan.pg_port)
            say(f"database {'made and ' if fresh else ''}started in {self.plan.local_postgres}")
        self.server.ensure_database(DATABASE)

    def _start(self, process: Process) -> None:
        child = subprocess.Popen(process.argv, env=self.plan.env, cwd=ROOT, start_new_session=True)
        self.running[process.name] = child
        say(f"started {process.name} (pid {child.pid})")

    def _watch(self) -> int:
        restarts: dict[str, float] = {}
        while not self.stops_asked:
            time.sleep(0.2)
            for process in self.plan.processes:
                child = self.running.get(process.name)
                if child is None or child.poll() is None:
                    if child is None and time.monotonic() >= restarts.get(process.name, 0):
                        self._start(process)
                    continue
                if process.name == "web":
                    say(f"the web server stopped ({child.returncode}): stopping everything")
                    return child.returncode or 1
                say(f"{process.name} stopped ({child.returncode}); starting it again in {RESTART_DELAY_SECONDS} s")
                del self.running[process.name]
                restarts[process.name] = time.monotonic() + RESTART_DELAY_SECONDS
        return 0

    def _stop_all(self) -> None:
        # gunicorn's TERM is its graceful stop; the workers end their step on Ctrl-C's own signal.
        for name, child in self.running.items():
            if child.poll() is None:
                _signal_group(child, signal.SIGTERM if name == "web" else signal.SIGINT)
        deadline = time.monotonic() + GRACEFUL_SECONDS + 5
        for child in self.running.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(max(deadline - time.monotonic(), 0.1))
        self._kill_all()
        if self.running:
            say("stopped " + ", ".join(self.running))
        self.running = {}

    def _kill_all(self) -> None:
        for child in self.running.values():
            if child.poll() is None:
                _signal_group(child, signal.SIGKILL)
                child.wait()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    # The child leads its own session: its group holds what it started (gunicorn's workers, a sandbox).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)


_STARTED = time.monotonic()


def say(message: str) -> None:
    """One line of the supervisor's own, told apart from its children's logs, with the seconds since its start."""
    print(f"[serve {time.monotonic() - _STARTED:.1f} s] {message}", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    """`python -m deploy.serve [--demo]`: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m deploy.serve", description=__doc__.split("\n")[0])
    parser.add_argument("--demo", action="store_true", help="load the demo archive into an empty database")
    args = parser.parse_args(argv)
    try:
        serving = plan(os.environ, demo=args.demo or os.environ.get("DEMO", "") not in ("", "0"))
    except ValueError as error:
        say(str(error))
        return 2
    return Supervisor(serving).run()


if __name__ == "__main__":
    sys.exit(main())
