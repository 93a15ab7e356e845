"""Backup and restore on real files and the test's database (SQLite or PostgreSQL): a snapshot taken while
items are written restores to a consistent archive; a restore gives the same rows, files and search answers;
every refusal says what is wrong and leaves the target as empty as it was.

A tiny archive and its snapshots are made once a module; each test starts from a copy of the archive.
"""

import json
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import downgrade
from sqlalchemy import select

from app import create_app
from archive.media import derivative_path
from archive.models import Item, MediaFile
from archive.services import create_item
from core.auth import User, create_user
from core.backup import BackupError, make_snapshot, restore_snapshot
from core.backup import folder as backup_folder
from core.backup.databases import migration_of, table_counts
from core.backup.restore import code_migrations
from core.db import db
from core.search import Query, index_to_read, reindex, search_index
from core.storage import get_storage
from core.uow import unit
from deploy.postgres import find_bin_dir
from tests.archive.samples import png_bytes
from tests.conftest import PASSWORD, TEST_DB, VitrineCliRunner, app_settings, copy_database, data_dir

QUERIES = ["quyen con nguoi", "tre em", "children", "ảnh", "binh dang gioi"]
TEXTS = [
    {"vi": {"title": "Quyền trẻ em", "description": "Ảnh tư liệu"}, "en": {"title": "Children's rights"}},
    {"vi": {"title": "Bình đẳng giới", "description": "Quyền con người"}},
    {"vi": {"title": "Quyền con người", "description": "Ảnh hội nghị"}, "fr": {"title": "Droits de l'homme"}},
]


def _make_archive(session) -> None:
    user = create_user(session, "backup-archivist@vitrine.test", PASSWORD, "archivist")
    storage = get_storage()
    for n, texts in enumerate(TEXTS):
        item = create_item(session, user, {"reference_code": f"BK-{n}", "type": "photo", "date": "1946",
                                           "place": "vn-ha-noi", "terms": ["CRC"], "texts": texts})  # fmt: skip
        if n < 2:  # two originals, real images, with a preview each
            data = png_bytes((24 + n, 16))
            sha256, size, _created = storage.save_bytes(data)
            session.add(MediaFile(item=item, sha256=sha256, size=size, mime_type="image/png", width=24 + n,
                                  height=16, original_name=f"bk-{n}.png"))  # fmt: skip
            preview = derivative_path(sha256, "thumb")
            preview.parent.mkdir(parents=True, exist_ok=True)
            preview.write_bytes(data)
    storage.save_bytes(b"an original taken off its item: kept in storage, named by no row")


@dataclass(frozen=True)
class Template:
    database: str | Path
    folder: Path
    snapshot: Path  # with derivatives
    bare: Path  # without


@pytest.fixture(scope="module")
def template(request, tmp_path_factory) -> Template:
    """The tiny archive, indexed, with a generated secret key, and two snapshots of it taken by the command."""
    folder = tmp_path_factory.mktemp("backup-archive")
    url = copy_database(request, folder)
    settings = app_settings(data_dir(folder), url)
    del settings["SECRET_KEY"]  # the key is generated into the data folder, as on a real site
    app = create_app(settings)
    with app.app_context():
        _make_archive(db.session)
        db.session.commit()
        index_to_read(app)  # the outbox applied: the index is whole
        runner = VitrineCliRunner(app)
        for name, options in (("snapshot", ["--with-derivatives"]), ("bare", [])):
            result = runner.invoke(args=["backup", str(folder / name), *options])
            assert result.exit_code == 0, result.output
        assert "originals" in result.output and "3 originals" in result.output
        db.session.remove()
        db.engine.dispose()  # a template database must have no connection left
    database = url.rsplit("/", 1)[-1] if TEST_DB == "postgresql" else Path(url.removeprefix("sqlite:///"))
    return Template(database, folder, folder / "snapshot", folder / "bare")


@pytest.fixture
def database_url(request, tmp_path, template):
    """The test's live archive: a copy of the template's database and data folder."""
    shutil.copytree(data_dir(template.folder), data_dir(tmp_path))
    return copy_database(request, tmp_path, template.database)


@pytest.fixture
def app_config(tmp_path, database_url):
    settings = app_settings(data_dir(tmp_path), database_url)
    del settings["SECRET_KEY"]
    return settings


@pytest.fixture
def target(request, tmp_path):
    """An app on an empty data folder and an empty database of the test's engine."""
    if TEST_DB == "postgresql":
        url = request.getfixturevalue("pg_database_factory")("template0")
    else:
        url = f"sqlite:///{tmp_path / 'restored' / 'vitrine.sqlite3'}"
    settings = app_settings(tmp_path / "restored", url)
    del settings["SECRET_KEY"]
    restored = create_app(settings)
    yield restored
    with restored.app_context():
        db.engine.dispose()


def invoke(app, *args):
    """Run a command of `app`, as `flask --app app …` would."""
    with app.app_context():
        return VitrineCliRunner(app).invoke(args=list(args))


def counts(app) -> dict[str, int]:
    with app.app_context(), unit("test.counts", write=False) as session:
        return table_counts(session.connection())


def answers(app) -> dict[str, tuple]:
    with app.app_context():
        index = index_to_read(app)
        return {q: (r.total, [h.id for h in r.hits]) for q in QUERIES if (r := index.search(Query(text=q)))}


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def is_empty(app) -> bool:
    leftovers = [p.name for p in Path(app.config["DATA_DIR"]).iterdir() if p.name != "secret_key"]
    with app.app_context(), unit("test.empty", write=False) as session:
        return not leftovers and not table_counts(session.connection())


# --- Restoring ---------------------------------------------------------------------------


def test_a_restore_gives_an_identical_archive(app, target, template):
    result = invoke(target, "restore", str(template.snapshot))
    assert result.exit_code == 0, result.output
    assert "as many as the snapshot's" in result.output and "search index rebuilt: 3 items" in result.output
    assert counts(target) == counts(app)
    assert answers(target) == answers(app) and answers(app)["children"][0] == 1
    for folder in ("STORAGE_DIR", "DERIVATIVES_DIR"):
        assert files(Path(target.config[folder])) == files(Path(app.config[folder])) != {}
    assert target.config["SECRET_KEY"] != app.config["SECRET_KEY"]  # the target's own, until it restarts
    assert (data_dir_of(target) / "secret_key").read_text() == app.config["SECRET_KEY"]
    assert invoke(target, "fixity", "check").exit_code == 0
    assert invoke(target, "search", "check").exit_code == 0
    assert not list(data_dir_of(target).glob(".restoring-*"))


def test_the_postgresql_search_index_is_left_out_of_a_snapshot_and_rebuilt(app_config, target, tmp_path):
    """SEARCH_ENGINE=postgresql keeps the index in the database: pg_dump leaves it out, the restore rebuilds it."""
    if TEST_DB != "postgresql":
        pytest.skip("the PostgreSQL engine needs a PostgreSQL database")
    live = create_app({**app_config, "SEARCH_ENGINE": "postgresql"})
    with live.app_context():
        reindex(live)
    assert invoke(live, "backup", str(tmp_path / "snapshot")).exit_code == 0
    dump = tmp_path / "snapshot" / backup_folder.DATABASE / "vitrine.dump"
    listing = subprocess.run([str(find_bin_dir() / "pg_restore"), "--list", str(dump)], capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
    assert "vitrine_search" not in listing and "items" in listing
    target.config["SEARCH_ENGINE"] = "postgresql"
    result = invoke(target, "restore", str(tmp_path / "snapshot"))
    assert result.exit_code == 0 and "search index rebuilt: 3 items" in result.output, result.output
    assert answers(target) == answers(live) and answers(live)["children"][0] == 1
    with live.app_context():
        db.engine.dispose()


def test_a_snapshot_without_previews_restores_with_previews_made_again(app, target, template):
    result = invoke(target, "restore", str(template.bare))
    assert result.exit_code == 0, result.output
    assert "previews made of 2 of 2 files" in result.output
    with target.app_context():
        shas = list(db.session.scalars(select(MediaFile.sha256)))
        assert all(derivative_path(sha, kind).is_file() for sha in shas for kind in ("thumb", "web"))
        db.session.remove()


def test_a_snapshot_from_a_newer_migration_is_refused_naming_both(target, template, tmp_path):
    snapshot = _copy(template.snapshot, tmp_path / "newer")
    info = json.loads((snapshot / "snapshot.json").read_text())
    (snapshot / "snapshot.json").write_text(json.dumps(info | {"migration": "0099"}))
    result = invoke(target, "restore", str(snapshot))
    assert result.exit_code == 1
    assert "migration 0099" in result.output and f"its latest is {info['migration']}" in result.output
    assert is_empty(target)


def test_a_snapshot_from_an_older_migration_is_restored_then_upgraded(app, target, tmp_path):
    with app.app_context():
        downgrade(revision="-1")  # the live archive as the Vitrine before the latest migration left it
        db.engine.dispose()
    assert invoke(app, "backup", str(tmp_path / "older")).exit_code == 0
    older = json.loads((tmp_path / "older" / "snapshot.json").read_text())["migration"]
    result = invoke(target, "restore", str(tmp_path / "older"))
    assert result.exit_code == 0, result.output
    head = code_migrations(target).get_current_head()
    assert older != head and f"at migration {older}" in result.output
    assert f"database upgraded to migration {head}" in result.output
    with target.app_context(), unit("test.migration", write=False) as session:
        assert migration_of(session.connection()) == head


def test_a_damaged_snapshot_is_refused_naming_each_damaged_file(target, template, tmp_path):
    snapshot = _copy(template.snapshot, tmp_path / "damaged")
    original = next(p for p in (snapshot / "files").rglob("*") if p.is_file())
    original.chmod(0o644)
    original.write_bytes(original.read_bytes()[:-1] + b"!")
    preview = next(p for p in (snapshot / "derivatives").rglob("*") if p.is_file())
    preview.unlink()
    result = invoke(target, "restore", str(snapshot))
    assert result.exit_code == 1 and "the snapshot is damaged, nothing was restored" in result.output
    assert f"{original.relative_to(snapshot)} does not match its checksum" in result.output
    assert f"{preview.relative_to(snapshot)} is missing" in result.output
    assert is_empty(target)


def test_a_restore_refuses_a_target_that_is_not_empty(app, target, template):
    (data_dir_of(target) / "notes.txt").write_text("someone's")
    result = invoke(target, "restore", str(template.snapshot))
    assert result.exit_code == 1 and "is not empty (notes.txt)" in result.output
    (data_dir_of(target) / "notes.txt").unlink()
    into_live = create_app({**app_settings(data_dir_of(target), app.config["SQLALCHEMY_DATABASE_URI"])})
    result = invoke(into_live, "restore", str(template.snapshot))
    assert result.exit_code == 1 and "the database" in result.output and "is not empty" in result.output
    with into_live.app_context():
        db.engine.dispose()
    assert is_empty(target)


def test_a_folder_that_is_not_a_whole_snapshot_is_refused(target, template, tmp_path):
    unfinished = _copy(template.snapshot, tmp_path / "unfinished")
    (unfinished / "snapshot.json").unlink()  # written last: a backup that stopped has none
    assert "not a snapshot, or one that did not finish" in invoke(target, "restore", str(unfinished)).output
    edited = _copy(template.snapshot, tmp_path / "edited")
    with open(edited / "manifest-sha256.txt", "a") as manifest:
        manifest.write(f"{'0' * 64}  ../outside\n")
    assert "manifest-sha256.txt does not match" in invoke(target, "restore", str(edited)).output
    assert is_empty(target)


# --- Backing up --------------------------------------------------------------------------


def test_a_backup_refuses_a_full_destination_the_data_folder_and_too_little_room(app, tmp_path, monkeypatch):
    full = tmp_path / "full"
    full.mkdir()
    (full / "last-week").mkdir()
    assert "is not empty" in invoke(app, "backup", str(full)).output
    inside = data_dir_of(app) / "backups" / "today"
    result = invoke(app, "backup", str(inside))
    assert result.exit_code == 1 and "is inside the data folder" in result.output and not inside.exists()
    monkeypatch.setattr(backup_folder, "disk_free", lambda _path: 10 * 1024 * 1024)
    result = invoke(app, "backup", str(tmp_path / "small-disk"))
    assert result.exit_code == 1 and "not enough space" in result.output and "10.0 MiB is free" in result.output
    assert not (tmp_path / "small-disk").exists()


def test_the_manifest_reads_with_sha256sum_and_names_every_file(template):
    listed = (template.snapshot / "manifest-sha256.txt").read_text().splitlines()
    on_disk = {str(p.relative_to(template.snapshot)) for p in template.snapshot.rglob("*") if p.is_file()}
    assert {line.split("  ", 1)[1] for line in listed} == on_disk - {"manifest-sha256.txt", "snapshot.json"}
    check = subprocess.run(["sha256sum", "--check", "--quiet", "manifest-sha256.txt"], cwd=template.snapshot)
    assert check.returncode == 0
    info = json.loads((template.snapshot / "snapshot.json").read_text())
    assert info["database"]["engine"] == ("postgresql" if TEST_DB == "postgresql" else "sqlite")
    assert info["originals"] == {"files": 3, "bytes": info["originals"]["bytes"], "referenced": 2}
    assert info["tables"]["items"] == 3 and info["problems"] == [] and info["secret_key"]


@pytest.mark.parametrize("writes", [4, pytest.param(400, marks=pytest.mark.long)])
def test_a_backup_taken_while_items_are_written_restores_to_a_consistent_archive(app, target, tmp_path, writes):
    """A writer adds items with files throughout; waits in the progress steps make sure some land after the
    files were first listed, after the database snapshot, and while the originals are copied."""
    with app.app_context():
        for n in range(writes - 4):  # the long form: a bigger archive to copy while the writer goes on
            get_storage().save_bytes(f"filler {n}".encode())
        with unit("test.writer.user") as session:
            user_id = session.scalar(select(User.id).limit(1))
    writer = Writer(app, user_id)
    writer.start()
    try:
        info = make_snapshot(app, tmp_path / "snapshot", with_derivatives=True, progress=writer.interleaved)
    finally:
        writer.stop()
    assert writer.error is None, writer.error
    assert info["problems"] == [] and 3 < info["tables"]["items"] < 3 + writer.written
    # Stored after the database snapshot, before the files were listed, and the one named by no row.
    assert info["originals"]["files"] >= info["originals"]["referenced"] + 3
    with app.app_context(), unit("test.live", write=False) as session:
        assert session.scalar(select(Item.id).where(Item.reference_code == f"W-{writer.written - 1}"))
    result = invoke(target, "restore", str(tmp_path / "snapshot"))
    assert result.exit_code == 0, result.output
    assert "as many as the snapshot's" in result.output
    # Counted after the restore's steps too: the index rebuilt from the database took in the queued index tasks.
    assert counts(target) == info["tables"] | {"search_tasks": 0}
    fixity = invoke(target, "fixity", "check")
    assert fixity.exit_code == 0 and f"{info['originals']['referenced']} originals checked, 0 missing" in fixity.output


class Writer(threading.Thread):
    """Adds items with a stored file each, one unit per item, until stopped."""

    def __init__(self, app, user_id: int):
        super().__init__(daemon=True)
        self.app, self.user_id = app, user_id
        self.written, self.error = 0, None
        self._stop_asked = threading.Event()

    def run(self):
        try:
            with self.app.app_context():
                while not self._stop_asked.is_set():
                    self._write(self.written)
                    self.written += 1
                    time.sleep(0.005)
        except Exception as error:  # said by the test
            self.error = error

    def _write(self, n: int) -> None:
        sha256, size, _created = get_storage().save_bytes(f"written while backing up {n}".encode())
        with unit("test.writer") as session:
            data = {"reference_code": f"W-{n}", "type": "document", "date": "1950", "texts": {"vi": {"title": "Văn"}}}
            item = create_item(session, session.get(User, self.user_id), data)
            session.add(MediaFile(item=item, sha256=sha256, size=size, mime_type="text/plain"))

    @contextmanager
    def interleaved(self, label: str, _total, unit: str = "B"):
        """The snapshot's progress, waiting for two more items written before and after the database snapshot
        and as the originals are copied."""
        if label.startswith("database") or label == "originals":
            self._wait_for(self.written + 2)
        yield lambda _n: None
        if label.startswith("database"):
            self._wait_for(self.written + 2)

    def _wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while self.written < count and self.error is None:
            assert time.monotonic() < deadline, "the writer stopped writing"
            time.sleep(0.005)

    def stop(self):
        self._stop_asked.set()
        self.join(30)


# --- restic, when installed ----------------------------------------------------------------


@pytest.mark.long  # restic sets up a repository with a deliberately slow key derivation: seconds of CPU
@pytest.mark.skipif(not shutil.which("restic"), reason="restic is not installed (apt-get install restic)")
def test_the_readme_nightly_backup_through_restic_restores(app, target, tmp_path, template):
    env = {"RESTIC_REPOSITORY": str(tmp_path / "repository"), "RESTIC_PASSWORD": "drill", "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path), "RESTIC_CACHE_DIR": str(tmp_path / "cache")}  # fmt: skip

    def restic(*args):
        done = subprocess.run(["restic", *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    restic("init")
    restic("backup", "--tag", "vitrine", str(template.snapshot))
    restic("forget", "--tag", "vitrine", "--keep-daily", "7", "--keep-weekly", "5", "--prune")
    restic("restore", "latest", "--tag", "vitrine", "--target", str(tmp_path / "drill"))
    result = invoke(target, "restore", str(tmp_path / "drill" / template.snapshot.relative_to("/")))
    assert result.exit_code == 0, result.output
    assert counts(target) == counts(app)


# --- Helpers -------------------------------------------------------------------------------


def data_dir_of(app) -> Path:
    return Path(app.config["DATA_DIR"])


def _copy(snapshot: Path, to: Path) -> Path:
    shutil.copytree(snapshot, to)
    return to


def test_the_service_refuses_like_the_command(app, tmp_path):
    with pytest.raises(BackupError, match="holds no snapshot.json"):
        restore_snapshot(app, tmp_path)
    assert search_index(app).count() == 3
