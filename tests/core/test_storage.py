import hashlib
import io

import pytest

from core.storage import Storage


def test_files_are_stored_once_by_sha256_and_read_only(tmp_path):
    storage = Storage(tmp_path)
    data = "Quyết định 1079/QĐ-TTg".encode()
    sha, size, created = storage.save(io.BytesIO(data))
    assert sha == hashlib.sha256(data).hexdigest() and size == len(data) and created
    assert storage.save_bytes(data) == (sha, size, False)
    path = storage.path_for(sha)
    assert path.read_bytes() == data and not path.stat().st_mode & 0o222
    assert storage.verify(sha)
    assert not list(tmp_path.glob(".incoming-*"))


def test_verify_detects_an_altered_or_missing_file(tmp_path):
    storage = Storage(tmp_path)
    sha, _size, _created = storage.save_bytes(b"original")
    path = storage.path_for(sha)
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    assert not storage.verify(sha)
    path.unlink()
    assert not storage.verify(sha)


def test_names_that_are_not_digests_are_refused(tmp_path):
    with pytest.raises(ValueError):
        Storage(tmp_path).path_for("../../etc/passwd")
