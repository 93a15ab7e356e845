"""`flask bag export` and `flask bag import`: BagIt bags between archives, with progress shown.

A command, not a page: a bag of originals may be gigabytes, checked and copied for minutes; an admin runs it
beside the archive (or from a cron job) and hands the bag over by any means that carries a file.
"""

import click
from flask import current_app

from archive.cli import importing_user
from core.errors import VitrineError
from core.storage import get_storage
from core.uow import collected_effects, unit
from core.urls import MAX_ID
from interop.exports.bag_import import import_bag
from interop.exports.bag_reading import BagRefused
from interop.exports.bags import Progress, export_bag, select_items

bag_cli = click.Group("bag", help="BagIt bags of items: export a selection, import a bag from another archive.")


class Bars(Progress):
    """Progress drawn on the terminal: a bar per phase whose steps are counted, a line for the others."""

    def __init__(self):
        self.bar = None

    def phase(self, label: str, total: int | None = None) -> None:
        self.close()
        if total:
            self.bar = click.progressbar(length=total, label=label, show_pos=True)
            self.bar.__enter__()
        else:
            click.echo(f"{label}…")

    def step(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@bag_cli.command("export")
@click.argument("target", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--ids", help="Item ids, separated by commas.")
@click.option("--query", help="A search: words, or the parameters of the archive's search (q=…&term=ICCPR).")
@click.option("--exhibition", type=click.IntRange(1, MAX_ID), help="The items on an exhibition's panels, in order.")
@click.option("--include-unpublished", is_flag=True, help="Take drafts and withdrawn items too.")
def bag_export(target, ids, query, exhibition, include_unpublished):
    """Write a bag (a folder, or a ZIP when TARGET ends in .zip) of the items chosen one way."""
    wanted = [part for part in (ids or "").split(",") if part.strip()]
    bars = Bars()
    try:
        with unit("bag selection", write=False) as session:
            selection = select_items(session, ids=wanted, query=query, exhibition=exhibition,
                                     include_unpublished=include_unpublished)  # fmt: skip
        if selection.left_out:
            click.echo(f"left out, not published: {', '.join(selection.left_out)}", err=True)
        report = export_bag(get_storage(), selection.item_ids, target, bars)
    except VitrineError as error:
        raise click.ClickException(error.message) from None
    finally:
        bars.close()
    click.echo(f"wrote {report.path}: {report.items} items, {report.files} originals, {report.bytes} bytes")


@bag_cli.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option("--as", "email", help="The account recorded as creator (default: the first admin).")
def bag_import(path, email):
    """Import a bag (a folder or a ZIP) whole, or nothing of it: every problem is listed."""
    user_id = importing_user(email)
    bars = Bars()
    with collected_effects():  # the index catches up in _after_import, with progress, before a thread is woken
        try:
            report = import_bag(get_storage(), user_id, path, bars)
        except BagRefused as refused:
            bars.close()
            click.echo(refused.message, err=True)
            for problem in refused.problems:
                click.echo(f"  {problem}", err=True)
            raise SystemExit(1) from None
        except VitrineError as error:
            raise click.ClickException(error.message) from None
        finally:
            bars.close()
        _after_import(len(report.media_ids))
    for created in report.created:
        click.echo(f"created {created} (labels to review)")
    click.echo(f"bag {report.bag}: imported {len(report.imported)}, skipped {len(report.skipped)} already here")


def _after_import(files: int) -> None:
    """Previews of the imported originals and the search index, before the command returns (unless workers do)."""
    from archive.cli import index_imported
    from archive.jobs import open_job_count, run_pending

    index_imported()
    if not files:
        return
    if current_app.config["MEDIA_JOBS"] == "worker":
        click.echo(f"{files} files queued for `flask media worker`")
        return
    with unit("open media jobs", write=False) as session:
        waiting = open_job_count(session)
    with click.progressbar(length=waiting, label="previews", show_pos=True) as bar:
        outcomes = run_pending(current_app, on_job=lambda _outcome: bar.update(1))
    if outcomes["failed"]:
        click.echo(f"no previews could be made of {outcomes['failed']} files: see their items' pages", err=True)
