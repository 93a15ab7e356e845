"""`make serve`: gunicorn with its settings from the environment, the background workers, a PostgreSQL server
of its own when there is no DATABASE_URL, and Ctrl-C stopping all of it (the whole run is `long`; what the
script would start is checked here without starting it)."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from gunicorn.config import Config

from deploy.postgres import free_port
from deploy.serve import BACKGROUND, default_workers, gunicorn_settings, plan

ROOT = Path(__file__).resolve().parents[2]


def test_gunicorn_settings_come_from_the_environment_and_gunicorn_takes_them():
    settings = gunicorn_settings({})
    assert settings["bind"] == ["127.0.0.1:8000"] and settings["workers"] == default_workers() >= 3
    assert settings["wsgi_app"] == "app:create_app()"
    # Forwarded headers are the app's to read (core.proxies), never gunicorn's guess.
    assert settings["forwarded_allow_ips"] == "" and settings["secure_scheme_headers"] == {}
    chosen = gunicorn_settings({"WORKERS": "4", "PORT": "8123", "BIND_HOST": "::1"})
    assert (chosen["workers"], chosen["bind"]) == (4, ["[::1]:8123"])
    config = Config()
    for name, value in chosen.items():
        config.set(name, value)  # gunicorn's own validation of each setting
    assert (config.workers, config.address, config.forwarded_allow_ips) == (4, [("::1", 8123)], [])
    for bad in ({"WORKERS": "0"}, {"WORKERS": "many"}, {"PORT": "80000"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            gunicorn_settings(bad)


def test_without_a_database_the_plan_starts_one_in_the_data_folder_and_every_worker(tmp_path):
    serving = plan({"VITRINE_DATA_DIR": str(tmp_path), "PORT": "8123"}, demo=True)
    assert serving.local_postgres == tmp_path / "postgresql" and serving.pg_port == 5432
    assert serving.env["DATABASE_URL"] == f"postgresql+psycopg://postgres@/vitrine?host={tmp_path}/postgresql&port=5432"
    assert [command[3:] for command in serving.setup] == [["--app", "app", "db", "upgrade"],
                                                          ["--app", "app", "refdata", "load"],
                                                          ["--app", "app", "demo", "load"]]  # fmt: skip
    assert [p.name for p in serving.processes] == ["web", "search", "media", "harvest", "oai"]
    assert serving.processes[0].argv[1:] == ["-m", "gunicorn", "--config", str(ROOT / "deploy" / "gunicorn.conf.py")]
    assert serving.processes[2].argv[1:] == ["-m", "flask", "--app", "app", "media", "worker"]
    assert {serving.env[setting] for setting, _command in BACKGROUND.values()} == {"worker"}
    assert serving.url == "http://127.0.0.1:8123"


def test_a_database_url_and_a_mode_chosen_elsewhere_are_kept(tmp_path):
    env = {"VITRINE_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@db.internal/vitrine",
           "VITRINE_MEDIA_JOBS": "background"}  # fmt: skip
    serving = plan(env)
    assert serving.local_postgres is None and serving.env["DATABASE_URL"] == env["DATABASE_URL"]
    assert [p.name for p in serving.processes] == ["web", "search", "harvest", "oai"]
    assert serving.env["VITRINE_MEDIA_JOBS"] == "background" and len(serving.setup) == 2


def test_the_make_target_runs_the_script():
    makefile = (ROOT / "Makefile").read_text()
    assert "$(PY) -m deploy.serve" in makefile.split("\nserve:")[1].split("\n\n")[0]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make serve stopped ({process.returncode}):\n{log.read_text()}")
        try:
            if _get(url)[0] == 200:
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer:\n{log.read_text()}")


@pytest.mark.long
@pytest.mark.slow
def test_serve_starts_postgres_gunicorn_and_the_workers_and_ctrl_c_stops_them_all():
    # Not pytest's tmp_path: its parent is closed to other users, and the server runs as postgres when root.
    data = Path(tempfile.mkdtemp(prefix="vitrine-serve-"))
    data.chmod(0o755)
    log = data / "serve.log"
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VITRINE_", "DATABASE_URL"))}
    env |= {"VITRINE_DATA_DIR": str(data), "PORT": str(port), "WORKERS": "1", "VITRINE_PG_PORT": str(free_port())}
    with open(log, "w") as output:
        process = subprocess.Popen([sys.executable, "-m", "deploy.serve"], cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
        status, page = _get(f"http://127.0.0.1:{port}/items?lang=en")
        assert status == 200 and "<html" in page
        process.send_signal(signal.SIGINT)  # as Ctrl-C in its terminal
        assert process.wait(90) == 0, log.read_text()
        said = log.read_text()
        pids = [int(pid) for pid in re.findall(r"\[serve [\d.]+ s\] started \w+ \(pid (\d+)\)", said)]
        assert len(pids) == 5 and "database stopped" in said, said
        for pid in pids:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        assert not (data / "postgresql" / "data" / "postmaster.pid").exists()
        with pytest.raises(OSError):
            _get(f"http://127.0.0.1:{port}/healthz")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(data, ignore_errors=True)
