"""`flask --app app harvest add | run | list | worker`."""

from tests.interop.harvest.helpers import item_of


def test_add_run_and_list_from_the_command_line(app, runner, repository):
    added = runner.invoke(args=["harvest", "add", "quang-tri", repository.base_url, "--lang", "vi"])
    assert added.exit_code == 0, added.output
    assert "repository identifier quangtri-museum.example.org, granularity YYYY-MM-DDThh:mm:ssZ" in added.output
    run = runner.invoke(args=["harvest", "run", "quang-tri"])
    assert run.exit_code == 0, run.output
    assert "quang-tri: page 2, 4 of 5 records (added 4, updated 0, deleted 0, skipped 0)" in run.output
    assert "quang-tri: complete, 3 pages, 5 records: added 4" in run.output
    assert item_of(101).text_for("vi").title == "Cầu Hiền Lương trên sông Bến Hải"
    listed = runner.invoke(args=["harvest", "list"])
    assert "quang-tri  " in listed.output and "4 items (0 deleted)" in listed.output
    assert "complete: added 4, updated 0, deleted 0, skipped 0" in listed.output


def test_a_source_that_is_not_oai_pmh_is_not_added(app, runner, repository):
    refused = runner.invoke(args=["harvest", "add", "nowhere", f"{repository.root}/handle/123456789/101"])
    assert refused.exit_code == 1 and "nowhere" not in runner.invoke(args=["harvest", "list"]).output
    asked = len(repository.log)
    bad = runner.invoke(args=["harvest", "add", "Bad Name", "ftp://x"])
    assert bad.exit_code == 1 and len(repository.log) == asked  # refused before asking anyone


def test_a_failed_harvest_says_why_and_exits_1(app, runner, repository):
    runner.invoke(args=["harvest", "add", "museum", repository.base_url])
    repository.answers[("ListRecords", None, None)] = "external-entity.xml"
    run = runner.invoke(args=["harvest", "run"])
    assert run.exit_code == 1 and "museum: failed" in run.output
    assert runner.invoke(args=["harvest", "run", "unknown"]).exit_code == 1


def test_the_worker_runs_what_the_page_queued(app, runner, repository):
    from archive.models import SourceRepository
    from core.accounts import COMMAND_LINE
    from core.db import db
    from interop.harvest.sources import queue_harvest

    runner.invoke(args=["harvest", "add", "museum", repository.base_url])
    queue_harvest(db.session, COMMAND_LINE, db.session.scalars(db.select(SourceRepository)).one())
    db.session.commit()
    worked = runner.invoke(args=["harvest", "worker", "--once"])
    assert worked.exit_code == 0 and "museum: complete" in worked.output
