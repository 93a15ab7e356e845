"""The per-process runner thread of queued work (core.background)."""

import threading

from flask import Flask

from core.background import runner


def test_a_poke_runs_the_work_in_a_thread_with_an_app_context():
    app, done = Flask(__name__), threading.Event()
    seen = []

    def work(app_, should_stop):
        from flask import current_app

        seen.append((current_app.name, threading.current_thread().name, should_stop()))
        done.set()

    running = runner(app, "test-runner", name="test-runner", work=work)
    assert runner(app, "test-runner", name="other", work=None) is running  # one per app and key
    running.poke()
    assert done.wait(5)
    running.stop(timeout=5)
    assert seen[0] == (app.name, "test-runner", False)
    assert not running.thread.is_alive()


def test_stop_drains_a_last_pass_only_when_asked():
    for drain, expected in ((True, 2), (False, 1)):
        app, passes = Flask(__name__), []
        first = threading.Event()

        def work(app_, should_stop, passes=passes, first=first):
            passes.append(should_stop())
            first.set()

        running = runner(app, "r", name="r", work=work, drain=drain)
        running.start()  # a first look at once
        assert first.wait(5)
        running.stop(timeout=5)
        assert len(passes) == expected
        assert passes[1:] == [True] * (expected - 1)  # the drained pass knows it is stopping
