"""`flask --app app harvest …`: add a source, harvest one or all now (progress shown), list them, run the queue."""

import time

import click
from flask import current_app
from sqlalchemy import select

from archive.models import SourceRepository
from core.accounts import COMMAND_LINE
from core.errors import VitrineError
from core.uow import collected_effects, unit
from interop.harvest import protocol
from interop.harvest.errors import failure_message, problem_message
from interop.harvest.fetching import Fetcher, FetchError, Limits
from interop.harvest.models import RunState
from interop.harvest.runner import run_queued
from interop.harvest.running import AlreadyRunning, Progress, harvest
from interop.harvest.sources import add_source, get_source, source_rows, validated_source

harvest_cli = click.Group("harvest", help="Harvest other repositories (OAI-PMH, oai_dc) into this archive.")


@harvest_cli.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--set", "set_spec", help="Harvest only this OAI-PMH set.")
@click.option("--lang", "default_lang", default="und", show_default=True,
              help="The language of the source's texts that carry no xml:lang.")  # fmt: skip
@click.option("--image-host", "image_hosts", multiple=True, help="Another host its images may be fetched from.")
def add(name, url, set_spec, default_lang, image_hosts):
    """Add the OAI-PMH repository at URL as a source named NAME; its Identify is asked first."""
    try:
        with unit("harvest add check", write=False) as session:
            values = validated_source(session, name, url, set_spec, default_lang, image_hosts)
        with Fetcher(values["base_url"], Limits.from_config(current_app.config), values["image_hosts"]) as fetcher:
            identity = protocol.identify(fetcher.oai({"verb": "Identify"}).body)
        with unit("harvest add") as session:
            repository = add_source(session, COMMAND_LINE, values, identity)
    except VitrineError as error:
        problems = getattr(error, "errors", None) or [(None, error.message)]
        raise click.ClickException("; ".join(message for _field, message in problems)) from None
    except FetchError as error:
        raise click.ClickException(failure_message(error.code, error.detail)) from None
    click.echo(f"added {repository.name}: {repository.repository_name or '(no name)'} at {repository.base_url}, "
               f"repository identifier {repository.repository_identifier}, "
               f"granularity {repository.granularity}")  # fmt: skip


@harvest_cli.command("run")
@click.argument("name", required=False)
def run(name):
    """Harvest NAME now (every source without NAME): from the last complete harvest, resuming a stopped one."""
    with unit("harvest sources", write=False) as session:
        if name:
            try:
                sources = [(get_source(session, name).id, name)]
            except VitrineError as error:
                raise click.ClickException(error.message) from None
        else:
            sources = list(session.execute(select(SourceRepository.id, SourceRepository.name)
                                           .order_by(SourceRepository.name)))  # fmt: skip
    failed = 0
    with collected_effects():  # the index catches up below, with progress, before a background thread is woken
        for repository_id, source in sources:
            click.echo(f"{source}: harvesting")
            try:
                outcome = harvest(repository_id, on_page=_show_progress)
            except AlreadyRunning:
                click.echo(f"{source}: a harvest of it is running in another process", err=True)
                failed += 1
                continue
            _report(outcome)
            failed += outcome.state != RunState.COMPLETE
        _after_harvest()
    if failed:
        raise SystemExit(1)


def _show_progress(progress: Progress) -> None:
    of = f" of {progress.complete_list_size}" if progress.complete_list_size else ""
    click.echo(f"  {progress.source}: page {progress.pages}, {progress.records}{of} records "
               f"(added {progress.added}, updated {progress.updated}, deleted {progress.deleted}, "
               f"skipped {progress.skipped})")  # fmt: skip


def _report(run) -> None:
    name = run.repository.name
    click.echo(f"{name}: {run.state}, {run.pages} pages, {run.records} records: added {run.added}, "
               f"updated {run.updated}, unchanged {run.unchanged}, deleted {run.deleted}, skipped {run.skipped}; "
               f"{run.images} images")  # fmt: skip
    for problem in run.problems or []:
        click.echo(f"  {problem['identifier']}: {problem_message(problem)}", err=True)
    if run.error_code:
        click.echo(f"{name}: {failure_message(run.error_code, run.error_detail)}", err=True)


def _after_harvest() -> None:
    """Bring the index and the harvested images' previews up to date before returning, unless workers do."""
    from archive.cli import index_imported
    from archive.jobs import run_pending

    index_imported()
    if current_app.config["MEDIA_JOBS"] != "worker":
        outcomes = run_pending(current_app)
        if outcomes:
            click.echo(f"previews: {outcomes['done']} made, {outcomes['failed']} failed")


@harvest_cli.command("list")
def list_sources():
    """Every source: its address, last harvest, items, and what went wrong."""
    with unit("harvest list", write=False) as session:
        rows = source_rows(session)
    if not rows:
        click.echo("no source yet: flask --app app harvest add NAME URL")
    for row in rows:
        repository, last = row.repository, row.last_run
        scope = f" set {repository.set_spec}" if repository.set_spec else ""
        click.echo(f"{repository.name}  {repository.base_url}{scope}  {row.items} items ({row.deleted} deleted)")
        if last is None:
            click.echo("  never harvested")
            continue
        when = (last.finished_at or last.started_at or last.created_at).strftime("%Y-%m-%d %H:%M")
        click.echo(f"  last run {when} {last.state}: added {last.added}, updated {last.updated}, "
                   f"deleted {last.deleted}, skipped {last.skipped}")  # fmt: skip
        if last.error_code:
            click.echo(f"  {failure_message(last.error_code, last.error_detail)}")


@harvest_cli.command("worker")
@click.option("--once", is_flag=True, help="Run the harvests queued now, then stop.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between looks at the queue.")
def worker(once, interval):
    """Run the harvests asked for from the admin page; run one when HARVEST_JOBS=worker."""
    while True:
        for outcome in run_queued(on_page=_show_progress):
            _report(outcome)
        _after_harvest()
        if once:
            return
        time.sleep(interval)
