"""CLI commands of the archive: reference data and demo data."""

import click

from archive.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from archive.reference import load_reference_data
from core.db import db
from core.storage import get_storage

refdata_cli = click.Group("refdata", help="Reference data: vocabularies, places, bodies.")
demo_cli = click.Group("demo", help="Demo data for a first look.")


@refdata_cli.command("load")
def refdata_load():
    """Create or update the programme's vocabularies, provinces, venues and bodies."""
    counts = load_reference_data(db.session)
    db.session.commit()
    click.echo(", ".join(f"{n} {kind}" for kind, n in counts.items()))


@demo_cli.command("load")
def demo_load():
    """Load the demo archive if the database has no items yet."""
    load_reference_data(db.session)
    created = load_demo(db.session, get_storage())
    db.session.commit()
    if not created:
        click.echo("the database already has items: demo data not loaded")
        return
    click.echo(f"loaded {created} demo items")
    for email, role in DEMO_USERS:
        click.echo(f"  {role:<10} {email}  password: {DEMO_PASSWORD}")
