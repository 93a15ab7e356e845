"""Who runs the harvests asked for from the admin page (queued runs): HARVEST_JOBS says.

- "background" (default): a thread of each web process, poked once the page's unit commits and looking again
  every HARVEST_POLL_SECONDS (for a run queued while no process ran one); the request itself never harvests;
- "worker": only `flask --app app harvest worker` (or `harvest run`), for sites that keep long work out of the
  web processes.
"""

import logging

from flask import current_app
from sqlalchemy import select

from core import background
from core.uow import unit
from interop.harvest.models import HarvestRun, RunState
from interop.harvest.running import AlreadyRunning, harvest

log = logging.getLogger(__name__)
MODES = ("background", "worker")
_KEY = "vitrine_harvest_background"


def init_app(app) -> None:
    """Check the setting once, at start."""
    if app.config["HARVEST_JOBS"] not in MODES:
        raise ValueError(f"HARVEST_JOBS must be one of {', '.join(MODES)}, not {app.config['HARVEST_JOBS']!r}")


def wake(_run_id: int | None = None) -> None:
    """After a harvest was queued: wake this process's runner (background), or leave it to the worker."""
    try:
        app = current_app._get_current_object()
    except RuntimeError:  # no app: a worker finds the run
        return
    if app.config["HARVEST_JOBS"] == "background":
        _background(app).poke()


def start_background(app=None) -> None:
    """Start this process's runner thread when HARVEST_JOBS is "background" (the first request does)."""
    app = app or current_app
    if app.config.get("HARVEST_JOBS") == "background":
        _background(app).start()


def stop_background(app=None) -> None:
    """Stop this process's runner thread, if it runs (tests, shutdown)."""
    running = (app or current_app).extensions.get(_KEY)
    if running is not None:
        running.stop()


def _background(app):
    return background.runner(app, _KEY, name="harvest", work=lambda _app, should_stop: run_queued(should_stop),
                             poll_seconds=app.config["HARVEST_POLL_SECONDS"])  # fmt: skip


def run_queued(should_stop=None, on_page=None) -> list[HarvestRun]:
    """Run every queued harvest, oldest first, until none is left (or `should_stop()`); returns the runs."""
    done, passed = [], set()
    while not (should_stop and should_stop()):
        with unit("harvest queue", write=False) as session:
            query = select(HarvestRun.id, HarvestRun.repository_id).where(HarvestRun.state == RunState.QUEUED)
            if passed:
                query = query.where(HarvestRun.id.not_in(passed))
            queued = session.execute(query.order_by(HarvestRun.id).limit(1)).first()
        if queued is None:
            return done
        passed.add(queued.id)
        try:
            done.append(harvest(queued.repository_id, queued.id, on_page=on_page))
        except AlreadyRunning:  # its source is being harvested elsewhere: that run answers the ask
            continue
        except Exception:
            log.exception("harvest run %s failed", queued.id)
    return done
