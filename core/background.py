"""A thread per process for work queued in the database: the search outbox, media jobs.

Requests commit their rows and poke the runner; it does the work after the response, so
no request waits for it. The rows stay in the database until done, so a process that
dies loses nothing: another runner, or a worker command, finds them.
"""

import atexit
import os
import threading


class Runner:
    """Calls `work(app, should_stop)` in a daemon thread of this process each time it is poked.

    `poll_seconds` also wakes it now and then (work a stopped process left); `drain` makes
    stop() wait for one last pass (a CLI command exits right after its commit).
    """

    def __init__(self, app, name: str, work, poll_seconds: float | None = None, drain: bool = False):
        self.app = app
        self.name = name
        self.work = work
        self.poll_seconds = poll_seconds
        self.drain = drain
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.thread = None
        self.pid = None
        self.stopping = False

    def start(self) -> None:
        """Start the thread in this process unless it runs (a fork does not inherit it)."""
        with self.lock:
            if self.thread is not None and self.pid == os.getpid() and self.thread.is_alive():
                return
            self.pid, self.stopping = os.getpid(), False
            self.wake.set()  # look at once: there may be work from before
            self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self.thread.start()
            atexit.register(self.stop)

    def poke(self) -> None:
        """There is new work: start if needed, and wake up."""
        self.start()
        self.wake.set()

    def stop(self, timeout: float = 30) -> None:
        self.stopping = True
        self.wake.set()
        if self.thread is not None and self.pid == os.getpid():
            self.thread.join(timeout)

    def _finished(self) -> bool:
        # Stopping, and no poke left to drain (a poke during the last pass counts).
        return self.stopping and not (self.drain and self.wake.is_set())

    def _run(self) -> None:
        while not self._finished():
            self.wake.wait(self.poll_seconds)
            if self._finished():
                return
            self.wake.clear()
            with self.app.app_context():
                self.work(self.app, lambda: self.stopping)


def runner(app, key: str, **options) -> Runner:
    """The app's one Runner under `key`, made on first use (options as for Runner)."""
    app = getattr(app, "_get_current_object", lambda: app)()  # the thread outlives any context
    return app.extensions.setdefault(key, Runner(app, **options))
