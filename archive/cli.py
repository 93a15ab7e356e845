"""CLI commands of the archive: reference data, demo data, media derivatives, fixity."""

import os

import click
from flask import current_app
from sqlalchemy import select

from archive.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from archive.fixity import recorded_originals, run_fixity_check
from archive.media import process_media
from archive.models import MediaFile
from archive.reference import load_reference_data
from core.db import db
from core.errors import VitrineError
from core.storage import get_storage

refdata_cli = click.Group("refdata", help="Reference data: vocabularies, places, bodies.")
demo_cli = click.Group("demo", help="Demo data for a first look.")
media_cli = click.Group("media", help="Derivatives of the stored originals, and the jobs that make them.")
fixity_cli = click.Group("fixity", help="Checks that every original is present and unaltered.")


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
    process_media(db.session, get_storage(), db.session.scalars(select(MediaFile)).all(), read_text=False)
    db.session.commit()
    click.echo(f"loaded {created} demo items")
    # Later layers (exhibitions) add their demo data here: the archive may not import them.
    for step in current_app.extensions.get("vitrine.demo_steps", []):
        if report := step(db.session):
            click.echo(report)
    db.session.commit()
    for email, role in DEMO_USERS:
        click.echo(f"  {role:<10} {email}  password: {DEMO_PASSWORD}")


search_cli = click.Group("search", help="The full-text index: apply queued changes, rebuild, check.")


@search_cli.command("worker")
@click.option("--once", is_flag=True, help="Apply what is queued, then stop.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between looks at the queue.")
def search_worker(once, interval):
    """Apply queued index tasks; run one beside the web workers when SEARCH_APPLY=worker."""
    from core.search import apply_pending_safely

    def step():
        applied = apply_pending_safely(current_app)
        if applied:
            click.echo(f"applied {applied} index tasks")

    _work_loop(step, once, interval)


def _work_loop(step, once: bool, interval: float) -> None:
    """Run `step` once, or for ever with a pause between runs (a worker command)."""
    import time

    while True:
        step()
        if once:
            return
        time.sleep(interval)


@search_cli.command("reindex")
@click.option("--procs", default=os.cpu_count() or 1, show_default=True, help="Indexing processes.")
def search_reindex(procs):
    """Rebuild the index from the database into a fresh folder and swap it in."""
    from sqlalchemy import func, select

    from archive.models import Item
    from core.search import reindex
    from core.uow import unit

    with unit("search.reindex.total", write=False) as session:
        total = session.scalar(select(func.count()).select_from(Item))
    with click.progressbar(length=total, label="indexing items") as bar:
        count = reindex(current_app, procs=procs, on_document=lambda: bar.update(1))
    click.echo(f"indexed {count} items")


@search_cli.command("check")
def search_check():
    """List items whose index entry differs from the database; exit 1 if there are any."""
    from core.search import check, pending_count

    problems = check(current_app)
    for item_id, problem in problems:
        click.echo(f"item {item_id}: {problem}")
    click.echo(f"{len(problems)} items differ; {pending_count(current_app)} index tasks queued")
    if problems:
        raise SystemExit(1)


@media_cli.command("rebuild")
def media_rebuild():
    """Make again the thumbnails and web images of every original (they are never the only copy).

    Runs here and now with a progress bar, not through the job queue: it is an admin's
    command, often run after changing the derivative sizes, and should say when it is done.
    """
    media_files = db.session.scalars(select(MediaFile).order_by(MediaFile.id)).all()
    failed = []
    with click.progressbar(media_files, label="derivatives", show_pos=True) as bar:
        for media in bar:
            failed += process_media(db.session, get_storage(), [media], read_text=False)
            db.session.commit()
    for problem in failed:
        click.echo(problem, err=True)
    click.echo(f"{len(media_files) - len(failed)} of {len(media_files)} files rebuilt")
    if failed:
        raise SystemExit(1)


@media_cli.command("worker")
@click.option("--once", is_flag=True, help="Run every job that can be claimed now, then stop.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between looks at the queue.")
def media_worker(once, interval):
    """Make the previews and text of uploaded files; run beside the web workers when MEDIA_JOBS=worker."""
    from archive.jobs import run_pending

    def step():
        outcomes = run_pending(current_app)
        if outcomes:
            click.echo(f"{outcomes['done']} files processed, {outcomes['failed']} failed, "
                       f"{outcomes['lost']} claimed again by another worker")  # fmt: skip

    _work_loop(step, once, interval)


@media_cli.command("retry")
def media_retry():
    """Queue again every job that failed (after raising a limit, or installing Tesseract)."""
    from archive.jobs import retry_failed

    count = retry_failed(db.session)
    db.session.commit()
    click.echo(f"{count} failed jobs queued again")


@fixity_cli.command("check")
def fixity_check():
    """Re-read every original; report missing or altered files with their items; exit 1 on any."""
    originals = recorded_originals(db.session)
    with click.progressbar(length=len(originals), label="fixity", show_pos=True) as bar:

        def progress(items):
            for sha256 in items:
                yield sha256
                bar.update(1)

        run = run_fixity_check(db.session, get_storage(), originals, progress)
    db.session.commit()
    for problem in run.problems:
        click.echo(f"{problem['problem'].upper()} {problem['sha256']} items: {', '.join(problem['items'])}", err=True)
    click.echo(f"{run.checked} originals checked, {run.missing} missing, {run.altered} altered")
    if not run.passed:
        raise SystemExit(1)


@click.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--files", "files_from", required=True, type=click.Path(exists=True), help="A folder or a ZIP.")
@click.option("--dry-run", is_flag=True, help="Check every row and report; import nothing.")
@click.option("--as", "email", help="The archivist recorded as creator (default: the first admin).")
def import_command(csv_file, files_from, dry_run, email):
    """Import items from a UTF-8 CSV (one row per item) and the files it names."""
    from archive import ingest

    user = _importing_user(email)
    try:
        with open(csv_file, encoding="utf-8-sig", newline="") as fh:
            rows = ingest.read_rows(fh)
        source = ingest.FileSource(files_from)
    except VitrineError as error:  # a bad CSV or ZIP: a message, not a traceback
        raise click.ClickException(error.message) from None
    try:
        with click.progressbar(rows, label="dry run" if dry_run else "import", show_pos=True) as bar:
            report = ingest.import_rows(db.session, get_storage(), user, rows, source, dry_run,
                                        progress=lambda _rows: bar)  # fmt: skip
    finally:
        source.close()
    if dry_run:
        db.session.rollback()
    elif report.media:
        _run_import_jobs(len(report.media))
    for problem in report.problems:
        click.echo(f"line {problem.line} [{problem.reference_code}]: {problem.message}", err=True)
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {len(report.imported)}, skipped {len(report.skipped)} already present, "
               f"{len(report.problems)} rows with problems")  # fmt: skip
    if report.problems:
        raise SystemExit(1)


def _run_import_jobs(count: int) -> None:
    """Make the imported files' previews before the command returns, unless a worker does."""
    from archive.jobs import open_job_count, run_pending

    db.session.commit()
    if current_app.config["MEDIA_JOBS"] == "worker":
        click.echo(f"{count} files queued for `flask media worker`")
        return
    # Every open job, not only this import's: a runner may not be running anywhere.
    with click.progressbar(length=open_job_count(db.session), label="previews", show_pos=True) as bar:
        db.session.rollback()  # no read transaction left open while the decoders run
        outcomes = run_pending(current_app, on_job=lambda _outcome: bar.update(1))
    if outcomes["failed"]:
        click.echo(f"no previews could be made of {outcomes['failed']} files: see their items' pages", err=True)


def _importing_user(email):
    from core.auth import Role, User

    query = select(User).where(User.email == email.strip().lower()) if email else (
        select(User).where(User.role == Role.ADMIN).order_by(User.id).limit(1))  # fmt: skip
    user = db.session.scalar(query)
    if user is None:
        raise click.UsageError("no such user: pass --as EMAIL of an existing account")
    return user


export_cli = click.Group("export", help="Export the archive's metadata.")


@export_cli.command("csv")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def export_csv(output):
    """Write every item as the CSV that `import` reads."""
    from archive import ingest

    columns, rows = ingest.export_rows(db.session)
    ingest.write_csv(output, columns, rows)
