"""Fixtures for the exports: a province's archive (the test's app) with a repository identifier, a second
archive beside it (the national database: its own database and data folder), and items worth exporting."""

import io

import pytest
from PIL import Image

from app import create_app
from archive.media import Upload, attach_media
from archive.models import Scheme, Term
from core.auth import create_user
from core.db import db
from core.storage import get_storage
from tests.archive.conftest import api_token, auth  # noqa: F401  (bearer tokens for the API)
from tests.conftest import PASSWORD, VitrineTestClient, app_settings, copy_database, data_dir

PROVINCE = "cao-bang.vitrine.vn"
NATIONAL = "national.vitrine.vn"
RIGHTS = "http://rightsstatements.org/vocab/InC/1.0/"


@pytest.fixture
def app_config(app_config):
    return app_config | {"REPOSITORY_ID": PROVINCE}


@pytest.fixture
def national(request, tmp_path):
    """Another archive in the same process: its own database (copied from the reference one) and data folder."""
    folder = tmp_path / "national"
    folder.mkdir()
    other = create_app(app_settings(data_dir(folder), copy_database(request, folder)) | {"REPOSITORY_ID": NATIONAL})
    other.test_client_class = VitrineTestClient
    with other.app_context():
        create_user(db.session, "admin@national.test", PASSWORD, "admin")
        db.session.commit()
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def image_bytes(kind: str, colour: tuple, size=(48, 32)) -> bytes:
    """A small real image."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


@pytest.fixture
def local_term(db_session):
    """A vocabulary and a term only this archive has (the national one lacks both)."""
    scheme = Scheme(code="cao-bang-themes", labels={"vi": "Chủ đề Cao Bằng", "en": "Cao Bang themes"}, position=9)
    term = Term(scheme=scheme, code="CB-BORDER", labels={"vi": "Biên giới", "en": "Border", "fr": "Frontière"})
    db_session.add_all([scheme, term])
    db_session.commit()
    return term


@pytest.fixture
def rich_item(db_session, published_item, curator, local_term):
    """A published item in three languages (one an ethnic-minority one), with terms of two vocabularies, a free
    tag, a place, a body, rights as a URI and two originals (a JPEG and a PNG)."""
    item = published_item(
        reference_code="CB-1954-007", type="photo", date="c. 1954", place="vn-cao-bang", body="bngg",
        creator="Võ An Ninh", source_archive="Trung tâm Lưu trữ quốc gia III", fonds="Phông Bộ Tuyên truyền",
        rights=RIGHTS, terms=["ICCPR", "CB-BORDER"], tags=["biên giới", "trẻ em"],
        texts={"vi": {"title": "Lớp học ở Cao Bằng", "description": "Trẻ em người Tày học chữ.",
                      "caption": "Lớp học, 1954", "transcription": "Chữ viết trên bảng", "state": "reviewed"},
               "en": {"title": "A class in Cao Bang", "description": "Tày children learning to read.",
                      "state": "machine"},
               "tyz": {"title": "Lớp slấc ở Cao Bằng"}},
    )  # fmt: skip
    uploads = [Upload("lop-hoc.jpg", io.BytesIO(image_bytes("JPEG", (200, 30, 30)))),
               Upload("mat-sau.png", io.BytesIO(image_bytes("PNG", (30, 30, 200))))]  # fmt: skip
    attach_media(db_session, get_storage(), curator, item, uploads)
    db_session.commit()
    return item
