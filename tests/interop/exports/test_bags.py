"""BagIt bags between two archives: a province's (the test's app) and the national database (`national`), each
with its own database and data folder. A bag validates with bagit.py, round-trips with nothing lost and the same
checksums, imports once however often it is imported, and is refused whole — nothing of it written — for a
reference code that clashes, a checksum that fails or a path that leaves it."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from archive.models import Item, ItemStatus, MediaFile, Scheme, Term
from archive.services import create_item
from core.auth import User
from core.storage import get_storage
from core.uow import unit
from interop.exports import BagRefused, export_bag, import_bag
from interop.exports.models import ImportedItem
from tests.interop.exports.conftest import PROVINCE, RIGHTS

BAGIT = Path(sys.executable).parent / "bagit.py"
VOLATILE = {"url", "created_at", "updated_at"}


def _export(ids, target: Path) -> Path:
    export_bag(get_storage(), list(ids), target)
    return target


def _import(app, path: Path):
    """Import into `app` as its admin, messages in English; returns the report."""
    with app.app_context(), force_locale("en"):
        with unit("admin", write=False) as session:
            admin = session.scalar(select(User.id).where(User.email == "admin@national.test"))
        return import_bag(get_storage(), admin, path)


def _count(app, model) -> int:
    with app.app_context(), unit("count", write=False) as session:
        return session.scalar(select(func.count()).select_from(model))


def _records(folder: Path) -> dict[str, dict]:
    """Every item record of an unpacked bag, by reference code, without what names the instance."""
    records = {}
    for path in (folder / "data" / "items").glob("*/item.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        records[record["reference_code"]] = {k: v for k, v in record.items() if k not in VOLATILE}
    return records


def _manifest(folder: Path, algorithm: str) -> dict[str, str]:
    lines = (folder / f"manifest-{algorithm}.txt").read_text().splitlines()
    return {path: digest for digest, path in (line.split(maxsplit=1) for line in lines)}


def _unzip(path: Path, into: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
    [folder] = into.iterdir()
    return folder


def _validate(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BAGIT), "--validate", str(folder)], capture_output=True, text=True,
                          check=False)  # fmt: skip


# --- The round trip ------------------------------------------------------------------------


def _code_id(app, code: str) -> int:
    with app.app_context(), unit("read", write=False) as session:
        return session.scalar(select(Item.id).where(Item.reference_code == code))


def test_a_bag_round_trips_with_nothing_lost(app, tmp_path, rich_item, published_item, national):
    plain = published_item(reference_code="CB-PLAIN", texts={"vi": {"title": "Không có tệp"}})
    bag = _export([rich_item.id, plain.id], tmp_path / "cao-bang.zip")
    unpacked = _unzip(bag, tmp_path / "unpacked")
    assert unpacked.name == "cao-bang"
    checked = _validate(unpacked)  # the bagit package's own command
    assert checked.returncode == 0, checked.stderr
    assert (unpacked / "bagit.txt").read_text().startswith("BagIt-Version: 1.0\n")
    info = (unpacked / "bag-info.txt").read_text()
    assert f"Source-Organization: {PROVINCE}" in info and "Payload-Oxum: " in info
    assert set(_manifest(unpacked, "sha512")) == set(_manifest(unpacked, "sha256"))
    assert (unpacked / "data" / "items" / str(rich_item.id) / "dc.xml").read_bytes().startswith(b"<?xml")
    sent = _records(unpacked)
    assert sent["CB-1954-007"]["identity"] == {"repository": PROVINCE, "id": str(rich_item.id)}

    report = _import(national, bag)
    assert sorted(report.imported) == ["CB-1954-007", "CB-PLAIN"] and report.skipped == []
    assert {"vocabulary cao-bang-themes", "term CB-BORDER"} <= set(report.created)
    with national.app_context(), unit("read", write=False) as session:
        here = session.scalar(select(Item).where(Item.reference_code == "CB-1954-007"))
        assert here.status == ItemStatus.PUBLISHED and here.rights == RIGHTS
        assert {t.lang: t.state for t in here.texts} == {"vi": "reviewed", "en": "machine", "tyz": "draft"}
        border = session.scalar(select(Term).where(Term.code == "CB-BORDER"))
        assert border.scheme.code == "cao-bang-themes" and border.labels["fr"] == "Frontière"
        assert border.translation_states == {"vi": "draft", "en": "draft", "fr": "draft"}
        for media in here.media:  # the same bytes, stored by their SHA-256, previews made, no text read again
            assert get_storage().verify(media.sha256)
            assert media.jobs[-1].state == "done" and media.jobs[-1].read_text is False

    # Out of the national database again: the same records, identity and files, checksum for checksum.
    with national.app_context():
        again = _unzip(_export([here.id, _code_id(national, "CB-PLAIN")], tmp_path / "again.zip"), tmp_path / "again")
    assert _records(again) == sent
    files = {path: digest for path, digest in _manifest(unpacked, "sha512").items() if "/files/" in path}
    assert len(files) == 2 and {p: d for p, d in _manifest(again, "sha512").items() if "/files/" in p} == files

    # Imported twice, or brought home to the archive it started in: nothing is added.
    counts = {model: _count(national, model) for model in (Item, MediaFile, Term, Scheme, ImportedItem)}
    assert _import(national, bag).skipped == ["CB-1954-007", "CB-PLAIN"]
    assert {model: _count(national, model) for model in counts} == counts
    home = {model: _count(app, model) for model in (Item, MediaFile, Term)}
    assert sorted(_import_here(app, again).skipped) == ["CB-1954-007", "CB-PLAIN"]
    assert {model: _count(app, model) for model in home} == home


def _import_here(app, path: Path):
    with app.app_context():
        with unit("admin", write=False) as session:
            user = session.scalar(select(User.id).order_by(User.id))
        return import_bag(get_storage(), user, path)


# --- Refusals: whole, nothing written ----------------------------------------------------------


@pytest.fixture
def small_bag(tmp_path, published_item) -> Path:
    """A bag folder of two items without files (cheap to make and to spoil)."""
    items = [published_item(reference_code=f"CB-{n}", texts={"vi": {"title": f"Tài liệu {n}"}}) for n in (1, 2)]
    return _export([item.id for item in items], tmp_path / "small")


def _refused(app, path) -> list[str]:
    before = {model: _count(app, model) for model in (Item, ImportedItem, Term)}
    with pytest.raises(BagRefused) as refused:
        _import(app, path)
    assert {model: _count(app, model) for model in before} == before
    return refused.value.problems


def test_a_different_item_under_an_existing_reference_code_refuses_the_bag(small_bag, national):
    with national.app_context(), unit("a local item") as session:
        admin = session.scalar(select(User).where(User.email == "admin@national.test"))
        create_item(session, admin, {"reference_code": "CB-2", "type": "document",
                                     "texts": {"vi": {"title": "Khác"}}})  # fmt: skip
    problems = _refused(national, small_bag)
    assert problems == ["CB-2: another item here already has this reference code."]


def test_an_imported_item_whose_code_changed_refuses_the_bag(small_bag, national):
    _import(national, small_bag)
    record = small_bag / "data" / "items"
    path = next(record.glob("*/item.json"))
    data = json.loads(path.read_text())
    data["reference_code"] = "CB-RENAMED"
    path.write_text(json.dumps(data))
    bag = _rebag(small_bag)
    problems = _refused(national, bag)
    assert len(problems) == 1 and "is here already as CB-" in problems[0]


def _rebag(folder: Path) -> Path:
    """The bag's manifests written again over a changed payload (a bag made elsewhere, honestly)."""
    import bagit

    bag = bagit.Bag(str(folder))
    bag.save(manifests=True)
    return folder


def test_a_failed_checksum_refuses_the_bag_whole(small_bag, national):
    path = next((small_bag / "data" / "items").glob("*/item.json"))
    path.write_text(path.read_text().replace("Tài liệu", "Tai lieu"))
    relative = path.relative_to(small_bag).as_posix()
    assert sorted(_refused(national, small_bag)) == [
        f"{relative} does not match its SHA256 checksum in the manifest.",
        f"{relative} does not match its SHA512 checksum in the manifest.",
    ]


def test_a_zip_whose_paths_leave_it_is_refused(tmp_path, small_bag, national):
    for number, entry in enumerate(["../escaped.txt", "/tmp/absolute.txt", "small/data/../../up.txt"]):
        bag = tmp_path / f"slip-{number}.zip"
        shutil.make_archive(str(bag.with_suffix("")), "zip", small_bag.parent, small_bag.name)
        with zipfile.ZipFile(bag, "a") as archive:
            archive.writestr(entry, b"where it should not be")
        problems = _refused(national, bag)
        assert problems == [f"The ZIP holds an entry with an unsafe path: {entry}."]
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/absolute.txt").exists()


def test_a_symbolic_link_in_a_bag_is_refused(tmp_path, small_bag, national):
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the bag")
    os.symlink(secret, small_bag / "data" / "link.txt")
    assert _refused(national, small_bag) == ["data/link.txt is a symbolic link."]


def test_a_manifest_path_outside_the_bag_is_refused(small_bag, national):
    manifest = small_bag / "manifest-sha256.txt"
    manifest.write_text(manifest.read_text() + "0" * 64 + "  ../../etc/passwd\n")
    assert any("unsafe" in problem for problem in _refused(national, small_bag))


def test_an_empty_folder_or_a_zip_of_anything_is_no_bag(tmp_path, national):
    (tmp_path / "empty").mkdir()
    assert _refused(national, tmp_path / "empty") == ["No bagit.txt: this is not a bag."]
    (tmp_path / "junk.zip").write_bytes(b"PK not really")
    assert "not a ZIP file" in _refused(national, tmp_path / "junk.zip")[0]


def test_a_term_known_here_in_another_vocabulary_refuses_the_bag(tmp_path, published_item, local_term, national):
    item = published_item(reference_code="CB-T", terms=["CB-BORDER"])
    bag = _export([item.id], tmp_path / "terms")
    with national.app_context(), unit("a term elsewhere") as session:
        scheme = session.scalar(select(Scheme).where(Scheme.code == "themes"))
        session.add(Term(scheme=scheme, code="CB-BORDER", labels={"vi": "Biên giới"}))
    assert _refused(national, bag) == [
        "CB-T: the term CB-BORDER is in the vocabulary themes here, in cao-bang-themes in the bag."
    ]
