"""CLI commands of the archive: reference data, demo data, media derivatives, fixity."""

import os
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select

from archive.demo import DEMO_PASSWORD, DEMO_USERS, draw_demo_photos, load_demo
from archive.fixity import check_originals, detached_originals, recorded_originals
from archive.media import rebuild_previews
from archive.models import Item, MediaFile
from archive.reference import load_reference_data
from core.errors import VitrineError
from core.search import reindex
from core.storage import get_storage
from core.uow import collected_effects, unit

refdata_cli = click.Group("refdata", help="Reference data: vocabularies, places, bodies.")
demo_cli = click.Group("demo", help="Demo data for a first look.")
media_cli = click.Group("media", help="Derivatives of the stored originals, and the jobs that make them.")
fixity_cli = click.Group("fixity", help="Checks that every original is present and unaltered.")


@refdata_cli.command("load")
def refdata_load():
    """Create or update the programme's vocabularies, provinces, venues and bodies."""
    with unit("reference data") as session:
        counts = load_reference_data(session)
    click.echo(", ".join(f"{n} {kind}" for kind, n in counts.items()))


@demo_cli.command("load")
def demo_load():
    """Load the demo archive if the database has no items yet."""
    with unit("reference data") as session:
        load_reference_data(session)
        has_items = session.scalar(select(func.count(Item.id))) > 0
    if has_items:
        click.echo("the database already has items: demo data not loaded")
        return
    photos = draw_demo_photos(get_storage())  # drawing is slow: before the unit that writes
    with unit("demo archive") as session:
        created = load_demo(session, photos)
        media_ids = list(session.scalars(select(MediaFile.id).order_by(MediaFile.id)))
    rebuild_previews(get_storage(), media_ids, read_text=False)
    click.echo(f"loaded {created} demo items")
    # Later layers (exhibitions) add their demo data here: the archive may not import them.
    with unit("demo exhibitions") as session:
        reports = [step(session) for step in current_app.extensions.get("vitrine.demo_steps", [])]
    for report in filter(None, reports):
        click.echo(report)
    for email, role in DEMO_USERS:
        click.echo(f"  {role:<10} {email}  password: {DEMO_PASSWORD}")


search_cli = click.Group("search", help="The full-text index: apply queued changes, rebuild, check.")


@search_cli.command("worker")
@click.option("--once", is_flag=True, help="Apply what is queued, then stop.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between looks at the queue.")
@click.option("--procs", default=os.cpu_count() or 1, show_default=True, type=click.IntRange(1, 64),
              help="Processes writing a big backlog.")  # fmt: skip
def search_worker(once, interval, procs):
    """Apply queued index tasks; run one beside the web workers when SEARCH_APPLY=worker."""
    from core.search import apply_pending_safely, clean_abandoned

    for name in clean_abandoned(current_app):
        click.echo(f"removed {name}, an index folder a stopped process left half-built")

    def step():
        applied = apply_pending_safely(current_app, procs=procs)
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
@click.option("--procs", default=os.cpu_count() or 1, show_default=True, type=click.IntRange(1, 64),
              help="Indexing processes.")  # fmt: skip
def search_reindex(procs):
    """Rebuild the index from the database into a fresh folder and swap it in, whatever state the old one is in."""
    import time

    from core.search import clean_abandoned

    for name in clean_abandoned(current_app):
        click.echo(f"removed {name}, an index folder a stopped process left half-built")

    with unit("search.reindex.total", write=False) as session:
        total = session.scalar(select(func.count()).select_from(Item))
    started, read = time.monotonic(), [0]

    def counted() -> None:
        read[0] += 1
        if read[0] % 100 == 0:  # the bar is drawn at each update (~10 µs): every hundred items
            bar.update(100, read[0])

    with click.progressbar(length=total, label="indexing items", show_pos=True,
                           item_show_func=lambda done: _rate(done, started) if done else None) as bar:  # fmt: skip
        count = reindex(current_app, procs=procs, on_document=counted)
        bar.update(read[0] % 100, read[0])
    seconds = time.monotonic() - started
    click.echo(f"indexed {count} items in {seconds:.1f} s ({_rate(count, started)})")


def _rate(count: int, started: float) -> str:
    import time

    return f"{count / max(time.monotonic() - started, 0.001):,.0f} items/s"


def reindex_after_restore(_snapshot: dict, progress) -> str:
    """Restore step: the search index built from the restored database (a snapshot holds none)."""
    with unit("search.reindex.total", write=False) as session:
        total = session.scalar(select(func.count()).select_from(Item))
    # A process per segment of REBUILD_CHUNK items at most: a small archive is indexed without a pool.
    procs = max(1, min(os.cpu_count() or 1, -(-total // 5000)))
    with progress("search index", total, unit="items") as advance:
        count = reindex(current_app, procs=procs, on_document=lambda: advance(1))
    return f"search index rebuilt: {count} items"


@search_cli.command("check")
def search_check():
    """List items whose index entry differs from the database; exit 1 if there are any."""
    from core.search import IndexUnavailable, check, pending_count

    try:
        problems = check(current_app)
    except IndexUnavailable as error:
        raise click.ClickException(f"{error}: run `flask search reindex`") from None
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
    with unit("media to rebuild", write=False) as session:
        media_ids = list(session.scalars(select(MediaFile.id).order_by(MediaFile.id)))
    with click.progressbar(length=len(media_ids), label="derivatives", show_pos=True) as bar:
        failed = rebuild_previews(get_storage(), media_ids, read_text=False, on_file=lambda: bar.update(1))
    for problem in failed:
        click.echo(problem, err=True)
    click.echo(f"{len(media_ids) - len(failed)} of {len(media_ids)} files rebuilt")
    if failed:
        raise SystemExit(1)


def previews_after_restore(snapshot: dict, progress) -> str | None:
    """Restore step: the previews of every original, when the snapshot was made without them."""
    if snapshot["derivatives"]["included"]:
        return None
    with unit("media to rebuild", write=False) as session:
        media_ids = list(session.scalars(select(MediaFile.id).order_by(MediaFile.id)))
    with progress("previews", len(media_ids), unit="files") as advance:
        failed = rebuild_previews(get_storage(), media_ids, read_text=False, on_file=lambda: advance(1))
    return "\n".join([*failed, f"previews made of {len(media_ids) - len(failed)} of {len(media_ids)} files"])


@media_cli.command("worker")
@click.option("--once", is_flag=True, help="Run every job that can be claimed now, then stop.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between looks at the queue.")
def media_worker(once, interval):
    """Make the previews and text of uploaded files; run beside the web workers when MEDIA_JOBS=worker.
    Recovers first, and again every RECOVERY_SECONDS."""
    import time

    from archive.jobs import RECOVERY_SECONDS, recover, run_pending
    from core.housekeeping import run_tasks

    next_recovery = 0.0

    def step():
        nonlocal next_recovery
        # Again now and then: a web worker killed mid-upload (gunicorn starts another) leaves its scratch behind,
        # and no web process looks for it.
        if time.monotonic() >= next_recovery:
            next_recovery = time.monotonic() + RECOVERY_SECONDS
            found = recover(current_app)
            tidied = run_tasks(current_app)  # the other packages' housekeeping: this worker runs for good
            if any(tidied.values()):
                click.echo("housekeeping: " + ", ".join(f"{name} {count}" for name, count in tidied.items()))
            if any(found.values()):  # quiet when there was nothing to recover
                click.echo(f"recovery: {found['incoming']} half-saved files, {found['builds']} half-built preview "
                           f"folders and {found['scratch']} upload folders of stopped processes removed")  # fmt: skip
        outcomes = run_pending(current_app)
        if outcomes:
            click.echo(f"{outcomes['done']} files processed, {outcomes['failed']} failed, "
                       f"{outcomes['lost']} claimed again by another worker")  # fmt: skip

    _work_loop(step, once, interval)


@media_cli.command("retry")
def media_retry():
    """Queue again every job that failed (after raising a limit, or installing Tesseract)."""
    from archive.jobs import retry_failed

    with unit("retry media jobs") as session:
        count = retry_failed(session)
    click.echo(f"{count} failed jobs queued again")


@fixity_cli.command("check")
def fixity_check():
    """Re-read every original; report missing or altered files with their items (exit 1 on any), and stray
    files in the originals' folder that the database does not know."""
    with unit("fixity originals", write=False) as session:
        originals = recorded_originals(session)
        detached = detached_originals(session)
    with click.progressbar(length=len(originals), label="fixity", show_pos=True) as bar:

        def progress(items):
            for sha256 in items:
                yield sha256
                bar.update(1)

        run = check_originals(get_storage(), originals, progress, detached)  # reads every file: no unit open
    with unit("fixity run") as session:
        session.add(run)
    for problem in run.problems:
        if problem["problem"] == "stray":
            click.echo(f"STRAY {problem['path']} unknown to the database", err=True)
        else:
            click.echo(f"{problem['problem'].upper()} {problem['sha256']} items: {', '.join(problem['items'])}",
                       err=True)  # fmt: skip
    click.echo(f"{run.checked} originals checked, {run.missing} missing, {run.altered} altered, "
               f"{run.stray} stray files")  # fmt: skip
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

    user_id = importing_user(email)
    try:
        scan = ingest.scan_csv(Path(csv_file))  # the file refused whole, naming the line, before anything is stored
        source = ingest.FileSource(files_from)
    except VitrineError as error:  # a bad CSV or ZIP: a message, not a traceback
        raise click.ClickException(error.message) from None
    # The index catches up here, with its progress shown, before the import's after-commit
    # effects run: a background thread poked at once would take the index and drain it alone.
    with collected_effects():
        try:
            with open(csv_file, encoding="utf-8-sig", newline="") as fh:
                rows = ingest.read_rows(fh)
                label = "dry run" if dry_run else "import"
                with click.progressbar(rows, length=scan.rows, label=label, show_pos=True) as bar:
                    report = ingest.import_rows(get_storage(), user_id, rows, source, dry_run,
                                                progress=lambda _rows: bar, repeated=scan.repeated)  # fmt: skip
        finally:
            source.close()
        if not dry_run:
            index_imported()
    if report.media and not dry_run:
        _run_import_jobs(len(report.media))
    for problem in report.problems:
        click.echo(f"line {problem.line} [{problem.reference_code}]: {problem.message}", err=True)
    if report.problem_count > len(report.problems):
        click.echo(f"… and {report.problem_count - len(report.problems)} more rows with problems", err=True)
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {report.imported_count}, skipped {report.skipped_count} already present, "
               f"{report.problem_count} rows with problems")  # fmt: skip
    if report.problem_count:
        raise SystemExit(1)


def index_imported() -> None:
    """Bring the search index up to date before a command returns, unless a worker does, with a
    line of progress per index commit: what an import or a harvest queued is searchable once it ends."""
    import time

    from core.search import catch_up, pending_count

    if current_app.config.get("SEARCH_APPLY", "background") == "worker":
        if waiting := pending_count(current_app):
            click.echo(f"search index: {waiting} updates queued for `flask search worker`")
        return
    started = time.monotonic()
    shown = {"done": -1, "at": started}

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        # Waiting while another process applies, a line only when it moved or every ten seconds.
        if done == shown["done"] and now - shown["at"] < 10:
            return
        shown.update(done=done, at=now)
        click.echo(f"search index: {done} of {total} updates applied ({done / max(now - started, 0.001):,.0f}/s)")

    try:
        catch_up(current_app, procs=os.cpu_count() or 1, on_progress=show)
    except Exception as error:  # what was imported stays imported; its index updates stay queued
        click.echo(f"search index not brought up to date ({error}): the updates stay queued for `flask search "
                   "worker`, or run `flask search reindex`", err=True)  # fmt: skip


def _run_import_jobs(count: int) -> None:
    """Make the imported files' previews before the command returns, unless a worker does."""
    from archive.jobs import open_job_count, run_pending

    if current_app.config["MEDIA_JOBS"] == "worker":
        click.echo(f"{count} files queued for `flask media worker`")
        return
    with unit("open media jobs", write=False) as session:
        waiting = open_job_count(session)
    # Every open job, not only this import's: a runner may not be running anywhere.
    with click.progressbar(length=waiting, label="previews", show_pos=True) as bar:
        outcomes = run_pending(current_app, on_job=lambda _outcome: bar.update(1))
    if outcomes["failed"]:
        click.echo(f"no previews could be made of {outcomes['failed']} files: see their items' pages", err=True)


def importing_user(email) -> int:
    """The id of the account an import (`--as EMAIL`) records as creator: the one named, else the first admin."""
    from core.auth import Role, User

    query = select(User.id).where(User.email == email.strip().lower()) if email else (
        select(User.id).where(User.role == Role.ADMIN).order_by(User.id).limit(1))  # fmt: skip
    with unit("importing user", write=False) as session:
        user_id = session.scalar(query)
    if user_id is None:
        raise click.UsageError("no such user: pass --as EMAIL of an existing account")
    return user_id


export_cli = click.Group("export", help="Export the archive's metadata.")


@export_cli.command("csv")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def export_csv(output):
    """Write every item as the CSV that `import` reads."""
    from archive import ingest

    with unit("export", write=False) as session:
        columns, rows = ingest.export_rows(session)
    ingest.write_csv(output, columns, rows)


imports_cli = click.Group("imports", help="CSV imports asked for from the web page or the API.")


@imports_cli.command("worker")
@click.option("--once", is_flag=True, help="Run every import that can be claimed now, then stop.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between looks at the queue.")
def imports_worker(once, interval):
    """Run queued imports; run beside the web workers when IMPORT_JOBS=worker. Recovers first."""
    from archive.import_jobs import recover, run_pending

    found = recover(current_app)
    click.echo(f"recovery: {found['requeued']} imports queued again, {found['dead']} dead-lettered, "
               f"{found['cleaned']} staging folders of stopped processes removed")  # fmt: skip

    def step():
        # The index catches up here, in a process per CPU, before the imports' after-commit effects run.
        with collected_effects():
            count = run_pending(current_app)
            if count:
                click.echo(f"{count} imports run")
                index_imported()

    _work_loop(step, once, interval)
