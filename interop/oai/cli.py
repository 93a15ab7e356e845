"""`flask --app app oai …`: the repository's identifier, rebuilding its records, applying its outbox."""

import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from archive.models import Item
from core.errors import ValidationError
from core.uow import collected_effects, unit
from interop.oai import repository, tracking
from interop.oai.identifiers import set_repository_id, stored_repository_id


@click.group("oai", help="The OAI-PMH repository at /oai.")
def oai_cli():
    pass


@oai_cli.command("show")
@with_appcontext
def show():
    """Print the repository identifier, the records and the tasks waiting."""
    with unit("oai.show") as session:
        identifier = repository.current_identifier(session)
    click.echo(f"repository identifier: {identifier or '(none: set VITRINE_REPOSITORY_ID or run oai set-id)'}")
    click.echo(f"records waiting to be brought up to date: {tracking.pending_count()}")


@oai_cli.command("set-id")
@click.argument("identifier")
@click.option("--force", is_flag=True, help="Change an identifier already set (every record gets a new identifier).")
@with_appcontext
def set_id(identifier: str, force: bool):
    """Set the repository identifier (a domain name such as vitrine.caobang.gov.vn), once."""
    with unit("oai.read id", write=False) as session:
        current = stored_repository_id(session)
    if current and force and identifier.strip().lower() != current:
        click.echo(f"Warning: the identifier changes from {current}: every record gets a new OAI identifier; "
                   "harvesters will see them as new records, and the records under the old identifiers are never "
                   "reported deleted.", err=True)  # fmt: skip
    try:
        with unit("oai.set id") as session:
            set_repository_id(session, None, identifier, force=force)
    except ValidationError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"repository identifier: {identifier.strip().lower()}")


@oai_cli.command("rebuild")
@with_appcontext
def rebuild():
    """Recompute every record from the database; only those whose content changed get a new datestamp."""
    with unit("oai.count", write=False) as session:
        total = session.scalar(select(func.count()).select_from(Item))
    with click.progressbar(length=total, label="OAI records", show_pos=True) as bar, collected_effects():
        seen, changed = tracking.rebuild(on_batch=bar.update)
    click.echo(f"{seen} records looked at, {changed} with a new datestamp.")


@oai_cli.command("worker")
@click.option("--once", is_flag=True, help="Apply what is queued, then stop.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between looks at the queue.")
@with_appcontext
def worker(once: bool, interval: float):
    """Apply queued record changes (for OAI_APPLY=worker)."""
    app = current_app._get_current_object()
    while True:
        applied = tracking.apply_pending(app)
        if applied:
            click.echo(f"{applied} record tasks applied")
        if once:
            return
        time.sleep(interval)
