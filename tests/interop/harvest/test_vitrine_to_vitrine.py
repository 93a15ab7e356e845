"""Vitrine to Vitrine, end to end: provinces' instances, each with its own database, repository identifier and
OAI-PMH repository served over HTTP, harvested by a national instance (the test's app) — publish → the item
appears nationally with its image; edit → updated; withdraw → deleted nationally; and the national repository
re-exposes each harvested record under its own identifier with a provenance block naming the province's.

The short form (one province, one item) runs in `make test`; the long one (two provinces using the same local
reference code, several pages, an edit, a withdrawal and a return) in `make test-all`."""

import io
import threading
from dataclasses import dataclass

import pytest
from flask import Flask
from PIL import Image
from werkzeug.serving import make_server

from app import create_app
from archive.media import Upload, attach_media
from archive.models import Item, ItemProvenance, ItemStatus
from archive.services import create_item, set_text
from archive.workflow import apply_transition
from core.auth import User, create_user
from core.db import db
from core.storage import get_storage
from interop.harvest.models import RunState
from interop.oai.identifiers import set_repository_id
from tests.conftest import app_settings, copy_database, data_dir
from tests.interop.oai.helpers import NS, parse

NATIONAL = "csdl-quoc-gia.example.vn"


@pytest.fixture
def app_config(app_config):
    # The national instance fetches images and keeps its own OAI records up to date as it harvests.
    return app_config | {"HARVEST_FETCH_IMAGES": True, "OAI_APPLY": "inline"}


@dataclass
class Province:
    """A province's instance: its app (own database and data folder), served over HTTP, and its staff."""

    app: Flask
    root: str
    repository_id: str
    archivist: int = 0
    curator: int = 0

    @property
    def oai(self) -> str:
        return f"{self.root}/oai"

    def publish(self, code: str, titles: dict, colour=(90, 120, 60), terms=("ICCPR",)) -> int:
        """A new item, with texts per language and a PNG, submitted and published; returns its id there."""
        with self.app.app_context():
            try:
                archivist, curator = db.session.get_one(User, self.archivist), db.session.get_one(User, self.curator)
                texts = {lang: {"title": title} for lang, title in titles.items()}
                item = create_item(db.session, archivist, {"reference_code": code, "type": "photo", "date": "1954-05",
                                                           "place": "vn-cao-bang", "terms": list(terms),
                                                           "texts": texts})  # fmt: skip
                image = io.BytesIO()
                Image.new("RGB", (64, 48), colour).save(image, "PNG")
                image.seek(0)
                attach_media(db.session, get_storage(), archivist, item, [Upload(f"{code}.png", image)])
                db.session.commit()  # its preview is made after this commit (MEDIA_JOBS inline)
                apply_transition(db.session, archivist, item, "submit")
                apply_transition(db.session, curator, item, "publish")
                db.session.commit()
                return item.id
            finally:
                db.session.remove()

    def change(self, item_id: int, action=None, **texts) -> None:
        """Retitle an item (`lang=title`), or move it in the workflow (`action`: withdraw, restore, …)."""
        with self.app.app_context():
            try:
                curator = db.session.get_one(User, self.curator)
                item = db.session.get_one(Item, item_id)
                for lang, title in texts.items():
                    set_text(db.session, curator, item, lang, {"title": title}, item.version)
                if action:
                    apply_transition(db.session, curator, item, action, "as the test says")
                db.session.commit()
            finally:
                db.session.remove()


@pytest.fixture
def provinces(request, tmp_path, app):
    """Factory: a province's instance on a database of its own, its OAI-PMH repository served on a local port."""
    started = []

    def start(name: str, repository_id: str) -> Province:
        folder = tmp_path / name
        folder.mkdir()
        settings = app_settings(data_dir(folder), copy_database(request, folder)) | {"OAI_APPLY": "inline",
                                                                                  "OAI_PAGE_SIZE": 2}  # fmt: skip
        province_app = create_app(settings)
        server = make_server("127.0.0.1", 0, province_app, threaded=True)
        root = f"http://127.0.0.1:{server.server_port}"
        province_app.config["BASE_URL"] = root  # the addresses its records carry
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        started.append((server, thread, province_app))
        province = Province(province_app, root, repository_id)
        with province_app.app_context():
            set_repository_id(db.session, None, repository_id)
            province.archivist = create_user(db.session, f"archivist@{name}.test", "a long passphrase", "archivist").id
            province.curator = create_user(db.session, f"curator@{name}.test", "a long passphrase", "curator").id
            db.session.commit()
            db.session.remove()
        return province

    yield start
    for server, thread, province_app in started:
        server.shutdown()
        thread.join()
        with province_app.app_context():
            db.engine.dispose()


@pytest.fixture
def national(app, runner):
    """The national instance's own repository identifier, and harvesting by its command line."""
    set_repository_id(db.session, None, NATIONAL)
    db.session.commit()

    def harvest(*names):
        result = runner.invoke(args=["harvest", "run", *names])
        assert result.exit_code == 0, result.output
        return result.output

    return harvest


def add(runner, name: str, province: Province) -> None:
    result = runner.invoke(args=["harvest", "add", name, province.oai])
    assert result.exit_code == 0, result.output


def held(oai_identifier: str) -> Item:
    db.session.rollback()
    return db.session.scalars(db.select(Item).join(ItemProvenance)
                              .where(ItemProvenance.oai_identifier == oai_identifier)).one()  # fmt: skip


def national_record(client, item: Item):
    """The national repository's record of a harvested item (GetRecord), parsed."""
    response = client.get("/oai", query_string={"verb": "GetRecord", "metadataPrefix": "oai_dc",
                                                "identifier": f"oai:{NATIONAL}:item/{item.id}"})  # fmt: skip
    return parse(response.data)


PROVENANCE = "{http://www.openarchives.org/OAI/2.0/provenance}"


def test_publish_appears_nationally_with_its_image_and_withdraw_deletes_it(app, client, runner, national,
                                                                           provinces):  # fmt: skip
    cao_bang = provinces("cao-bang", "caobang.example.vn")
    local_id = cao_bang.publish("CB-001", {"vi": "Pác Bó, 1941", "en": "Pac Bo, 1941"})
    add(runner, "cao-bang", cao_bang)
    national()
    item = held(f"oai:caobang.example.vn:item/{local_id}")
    assert item.status == ItemStatus.PUBLISHED and item.reference_code == "caobang.example.vn:CB-001"
    assert {t.lang: t.title for t in item.texts} == {"vi": "Pác Bó, 1941", "en": "Pac Bo, 1941"}
    assert [t.code for t in item.terms] == ["ICCPR"] and item.place.code == "vn-cao-bang"
    (media,) = item.media
    assert media.source_url.startswith(f"{cao_bang.root}/media/") and media.source_url.endswith("/web-1.jpg")
    assert media.mime_type == "image/jpeg"  # the province's 1,600 px display image, its previews made here
    assert item.provenance.source_url == f"{cao_bang.root}/items/{local_id}"
    assert item.provenance.manifest_url == f"{cao_bang.root}/iiif/items/{local_id}/manifest.json"
    record = national_record(client, item)
    origin = record.find(f".//{PROVENANCE}originDescription")
    assert origin.findtext(f"{PROVENANCE}baseURL") == cao_bang.oai
    assert origin.findtext(f"{PROVENANCE}identifier") == f"oai:caobang.example.vn:item/{local_id}"
    assert origin.findtext(f"{PROVENANCE}datestamp") == item.provenance.datestamp
    # Withdrawn in the province: deleted nationally at the next harvest, and in the national repository.
    cao_bang.change(local_id, action="withdraw")
    national("cao-bang")
    item = held(f"oai:caobang.example.vn:item/{local_id}")
    assert item.status == ItemStatus.WITHDRAWN and item.provenance.deleted
    assert national_record(client, item).find("oai:GetRecord/oai:record/oai:header", NS).get("status") == "deleted"


@pytest.mark.long
def test_two_provinces_into_one_national_database_kept_in_step(app, client, runner, national, provinces):
    from interop.harvest.models import HarvestRun

    cao_bang = provinces("cao-bang", "caobang.example.vn")
    gia_lai = provinces("gia-lai", "gialai.example.vn")
    # The same local code in both provinces: qualified by each repository identifier, they never clash.
    cb = [cao_bang.publish("HS-001", {"vi": "Hang Pác Bó"}, (10, 20, 30)),
          cao_bang.publish("HS-002", {"vi": "Suối Lê-nin", "fr": "Le ruisseau Lénine"}, (40, 50, 60)),
          cao_bang.publish("HS-003", {"vi": "Núi Các Mác"}, (70, 80, 90), terms=("CRC",))]  # fmt: skip
    gl = [gia_lai.publish("HS-001", {"vi": "Nhà rông", "bdq": "Rông"}, (200, 10, 10)),
          gia_lai.publish("GL-002", {"vi": "Cồng chiêng Tây Nguyên"}, (10, 200, 10))]  # fmt: skip
    add(runner, "cao-bang", cao_bang)
    add(runner, "gia-lai", gia_lai)
    output = national()
    assert "cao-bang: page 2" in output and "gia-lai: complete" in output  # 2 records a page: tokens followed
    codes = {held(f"oai:{p.repository_id}:item/{i}").reference_code for p, ids in ((cao_bang, cb), (gia_lai, gl))
             for i in ids}  # fmt: skip
    assert codes == {"caobang.example.vn:HS-001", "caobang.example.vn:HS-002", "caobang.example.vn:HS-003",
                     "gialai.example.vn:HS-001", "gialai.example.vn:GL-002"}  # fmt: skip
    assert all(len(held(f"oai:caobang.example.vn:item/{i}").media) == 1 for i in cb)
    assert {t.lang for t in held(f"oai:gialai.example.vn:item/{gl[0]}").texts} == {"vi", "bdq"}
    # Changes in the provinces: a retitled item, a withdrawn one, then one back after a second review.
    cao_bang.change(cb[1], en="The Lenin stream")
    gia_lai.change(gl[1], action="withdraw")
    national()
    assert held(f"oai:caobang.example.vn:item/{cb[1]}").text_for("en").title == "The Lenin stream"
    assert held(f"oai:gialai.example.vn:item/{gl[1]}").status == ItemStatus.WITHDRAWN
    gia_lai.change(gl[1], action="restore")
    gia_lai.change(gl[1], action="submit")
    gia_lai.change(gl[1], action="publish")
    national("gia-lai")
    back = held(f"oai:gialai.example.vn:item/{gl[1]}")
    assert back.status == ItemStatus.PUBLISHED and not back.provenance.deleted
    assert db.session.scalar(db.select(db.func.count()).select_from(ItemProvenance)) == 5  # never stored twice
    runs = db.session.scalars(db.select(HarvestRun).order_by(HarvestRun.id)).all()
    assert {run.state for run in runs} == {RunState.COMPLETE} and runs[-1].from_date is not None
    # The national repository carries every harvested record under its own identifiers, with their origin.
    for item in db.session.scalars(db.select(Item).where(Item.status == ItemStatus.PUBLISHED)):
        origin = national_record(client, item).find(f".//{PROVENANCE}originDescription")
        assert origin.findtext(f"{PROVENANCE}identifier") == item.provenance.oai_identifier
