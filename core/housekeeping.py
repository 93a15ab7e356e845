"""Tidying that must happen even on days nobody uses a feature: the packages above core register tasks
(`register_task`, wired in app.py) and a long-running worker (`flask media worker`, which `make serve` starts)
runs them all at its start and every few minutes (`run_tasks`)."""

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)
_TASKS = "vitrine.housekeeping"


def register_task(app, task: Callable[[object], int]) -> None:
    """Run `task(app)` with the others; it returns how many things it tidied."""
    app.extensions.setdefault(_TASKS, []).append(task)


def run_tasks(app) -> dict[str, int]:
    """Run every registered task; {its name: what it tidied}. One task failing is logged and skips only itself."""
    done = {}
    for task in app.extensions.get(_TASKS, []):
        try:
            done[task.__name__] = task(app)
        except Exception:  # the next round tries again; the worker goes on with its jobs
            log.exception("housekeeping task %s failed", task.__name__)
    return done
