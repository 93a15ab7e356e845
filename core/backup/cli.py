"""`flask backup DEST` and `flask restore SRC`, with their progress on the terminal."""

from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app

from core.backup.folder import BackupError, human
from core.backup.restore import restore_snapshot
from core.backup.snapshot import make_snapshot


@contextmanager
def progress_bar(label: str, total: int | None, unit: str = "B"):
    """A progress bar of `total` bytes, or other units (a line for a step of unknown length); yields `advance(n)`."""
    if not total:
        click.echo(f"{label} …")
        yield lambda _n: None
        return
    size = human(total) if unit == "B" else f"{total} {unit}"
    with click.progressbar(length=total, label=f"{label} ({size})") as bar:
        yield bar.update


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--with-derivatives", is_flag=True, help="Copy the previews too (else a restore makes them again).")
def backup_command(dest: Path, with_derivatives: bool):
    """Write a consistent snapshot of the archive into DEST, a new or empty folder, while the site runs."""
    try:
        info = make_snapshot(current_app, dest, with_derivatives, progress=progress_bar)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    originals = info["originals"]
    click.echo(f"snapshot in {Path(dest).absolute()}: database at migration {info['migration']} "
               f"({sum(info['tables'].values())} rows in {len(info['tables'])} tables), {originals['files']} "
               f"originals ({human(originals['bytes'])}, {originals['referenced']} named by the database)"
               + (f", {info['derivatives']['files']} derivatives" if with_derivatives else ""))  # fmt: skip
    for problem in info["problems"]:
        click.echo(problem, err=True)
    if info["problems"]:
        click.echo("the live archive has lost or altered originals: run `flask fixity check`", err=True)
        raise SystemExit(1)


@click.command("restore")
@click.argument("src", type=click.Path(path_type=Path))
def restore_command(src: Path):
    """Restore the snapshot in SRC into this site's empty data folder and empty database (same engine)."""
    try:
        restored = restore_snapshot(current_app, src, progress=progress_bar)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {sum(restored['tables'].values())} rows in {len(restored['tables'])} tables, as many "
               f"as the snapshot's, at migration {restored['migration']}")  # fmt: skip
    if restored["upgraded_to"]:
        click.echo(f"database upgraded to migration {restored['upgraded_to']}")
    for report in restored["reports"]:
        click.echo(report)
    for sha256 in restored["unheld"]:
        click.echo(f"MISSING original {sha256}: the archive had lost it before the snapshot", err=True)
    if restored["unheld"]:
        raise SystemExit(1)
