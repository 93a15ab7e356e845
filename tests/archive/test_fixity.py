"""Fixity checks, derivative rebuilds and the media API."""

import io
import os
import shutil
import time

import pytest

from archive.media import derivative_path
from archive.models import FixityRun
from core.storage import get_storage
from tests.archive import samples
from tests.archive.test_media import attach


def test_fixity_check_passes_then_reports_missing_and_altered_files(app, db_session, make_item, runner, login_as):
    first, second = make_item(), make_item()
    (kept,) = attach(db_session, first, ("a.png", samples.png_bytes()))
    (altered,) = attach(db_session, second, ("b.jpg", samples.jpeg_with_exif()))
    (lost,) = attach(db_session, second, ("c.png", samples.png_bytes((50, 50))))
    ok = runner.invoke(args=["fixity", "check"])
    assert ok.exit_code == 0 and "3 originals checked, 0 missing, 0 altered" in ok.output

    path = get_storage().path_for(altered.media.sha256)
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    get_storage().path_for(lost.media.sha256).unlink()
    failed = runner.invoke(args=["fixity", "check"])
    assert failed.exit_code == 1
    assert f"MISSING {lost.media.sha256} items: {second.reference_code}" in failed.output
    assert f"ALTERED {altered.media.sha256} items: {second.reference_code}" in failed.output
    assert kept.media.sha256 not in failed.output

    runs = db_session.query(FixityRun).order_by(FixityRun.id).all()
    assert [(r.checked, r.missing, r.altered, r.passed) for r in runs] == [(3, 0, 0, True), (3, 1, 1, False)]
    admin, _user = login_as("admin")
    page = admin.get("/staff/figures?lang=en").get_data(True)
    assert "3 originals checked, 1 missing, 1 altered; 0 stray files unknown to the database." in page
    assert second.reference_code in page
    curator, _user = login_as("curator")
    assert second.reference_code not in curator.get("/staff/figures").get_data(True)


def test_media_rebuild_makes_the_derivatives_again(app, db_session, make_item, runner):
    (entry,) = attach(db_session, make_item(), ("register.tif", samples.multipage_tiff(2)))
    shutil.rmtree(derivative_path(entry.media.sha256, "web").parent)
    result = runner.invoke(args=["media", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "1 of 1 files rebuilt" in result.output
    assert derivative_path(entry.media.sha256, "thumb", 2).is_file()


def test_api_upload_needs_a_token_and_answers_with_the_media(app, client, db_session, make_item, auth):
    item = make_item()
    url = f"/api/v1/items/{item.id}/media"

    def files():
        return {"files": [(io.BytesIO(samples.png_bytes()), "one.png"), (io.BytesIO(samples.cmyk_jpeg()), "two.jpg")]}

    assert client.post(url, data=files(), content_type="multipart/form-data").status_code == 401
    response = client.post(url, data=files(), content_type="multipart/form-data", headers=auth("archivist"))
    assert response.status_code == 201, response.json
    assert [(m["mime_type"], m["original_name"], m["pages"]) for m in response.json["media"]] == [
        ("image/png", "one.png", 1),
        ("image/jpeg", "two.jpg", 1),
    ]
    refused = client.post(url, data={"files": [(io.BytesIO(b"%!PS-Adobe"), "x.pdf")]},
                          content_type="multipart/form-data", headers=auth("archivist"))  # fmt: skip
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "unsupported_type" and refused.json["error"]["field"] == "files"
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/items/{item_id}/media"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]


@pytest.mark.one_database
def test_a_rebuild_updates_the_index_once_at_the_end_not_after_each_file(app, db_session, make_item, monkeypatch):
    from archive.media import rebuild_previews
    from core.search import outbox

    app.config["SEARCH_APPLY"] = "inline"  # after each commit, as in a CLI command
    entries = [attach(db_session, make_item(), (f"{n}.png", samples.png_bytes((40 + n, 40))))[0] for n in range(3)]
    db_session.commit()
    applied = []
    real = outbox.apply_pending_safely
    monkeypatch.setattr(outbox, "apply_pending_safely", lambda app: applied.append(real(app)) or applied[-1])
    assert rebuild_previews(get_storage(), [entry.media.id for entry in entries], read_text=False) == []
    assert len(applied) == 1 and applied[0] >= 3  # every file's item, in one index commit
    assert outbox.pending_count() == 0


def test_fixity_lists_stray_files_unknown_to_the_database_and_keeps_detached_originals(app, db_session, make_item,
                                                                                      runner, login_as):  # fmt: skip
    from archive.media import detach_media

    item = make_item()
    kept, taken_off = attach(db_session, item, ("a.png", samples.png_bytes()), ("b.png", samples.png_bytes((60, 40))))
    detach_media(db_session, item.created_by, item, taken_off.media.id)  # its original stays, named in the history
    db_session.commit()
    storage = get_storage()
    old = time.time() - 2 * 3600  # written before the grace an upload in progress has
    unknown = storage.root / "ab" / "cd" / ("ab" + "cd" + "e" * 60)
    misplaced = storage.root / "00" / "00" / kept.media.sha256  # a known digest in the wrong place
    note = storage.root / "notes.txt"
    interrupted = storage.root / ".incoming-x1y2"
    fresh = storage.root / ".incoming-now"  # an upload being stored: not reported yet
    for path in (unknown, misplaced, note, interrupted, fresh):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"stray")
        if path != fresh:
            os.utime(path, (old, old))
    (storage.root / "linked").symlink_to(storage.root.parent, target_is_directory=True)  # listed, never entered

    result = runner.invoke(args=["fixity", "check"])
    assert result.exit_code == 0, result.output  # every original is there and intact
    assert "1 originals checked, 0 missing, 0 altered, 5 stray files" in result.output
    strays = sorted(line.split()[1] for line in result.output.splitlines() if line.startswith("STRAY"))
    assert strays == [".incoming-x1y2", f"00/00/{kept.media.sha256}", f"ab/cd/{unknown.name}", "linked", "notes.txt"]
    assert taken_off.media.sha256 not in result.output and "incoming-now" not in result.output
    run = db_session.query(FixityRun).order_by(FixityRun.id.desc()).first()
    assert (run.stray, run.passed) == (5, True)
    assert {p["path"] for p in run.problems if p["problem"] == "stray"} == set(strays)

    admin, _user = login_as("admin")
    page = admin.get("/staff/figures?lang=en").get_data(True)
    assert "1 originals checked, 0 missing, 0 altered; 5 stray files unknown to the database." in page
    assert "<code>notes.txt</code>" in page
