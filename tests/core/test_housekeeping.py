"""Housekeeping: registered tasks run together; one failing is logged and spares the others."""

from flask import Flask

from core.housekeeping import register_task, run_tasks


def test_a_failing_task_is_logged_and_the_others_still_run(caplog):
    app = Flask(__name__)

    def broken(_app):
        raise OSError("disk gone")

    def tidy(_app):
        return 3

    register_task(app, broken)
    register_task(app, tidy)
    assert run_tasks(app) == {"tidy": 3}
    assert "housekeeping task broken failed" in caplog.text
