"""What the IIIF tests serve, built once a module: published items with real files (the validator's own test
image among them), a draft and a withdrawn item, a published exhibition of two sections; and a live server."""

import io
import threading
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.serving import make_server

from app import create_app
from archive.media import Upload, attach_media
from archive.services import create_item
from archive.workflow import apply_transition
from core.auth import create_user
from core.db import db
from core.storage import get_storage
from core.uow import collected_effects
from exhibitions.composing import add_entry, add_section, create_exhibition, publish
from tests.archive import samples
from tests.conftest import app_settings, copy_database, data_dir

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "iiif"
VALIDATOR_IMAGE = FIXTURES / "67352ccc-d1b0-11e1-89ae-279075081939.png"


@dataclass
class Site:
    """The ids of what was built, and the address it is served at (if it is)."""

    base_url: str
    items: dict[str, int] = field(default_factory=dict)  # name → item id
    media: dict[str, int] = field(default_factory=dict)  # name → media id
    exhibition: int | None = None
    draft_exhibition: int | None = None
    app: object = None


def _item(session, user, name, files, status="published", **overrides):
    data = {"reference_code": f"IIIF-{name.upper()}", "type": "photo", "date": "1946", "place": "vn-ha-noi",
            "terms": ["ICCPR", "CRC"], "creator": "Võ An Ninh", "body": "bngg",
            "source_archive": "Trung tâm Lưu trữ quốc gia III", "fonds": "Phông Bộ Tuyên truyền",
            "rights": "http://rightsstatements.org/vocab/InC/1.0/",
            "texts": {"vi": {"title": f"Ảnh {name}", "description": "Quyền con người", "caption": "Chú thích"},
                      "en": {"title": f"Photo {name}", "description": "Human rights"}}} | overrides  # fmt: skip
    item = create_item(session, user, data)
    attached = attach_media(session, get_storage(), user, item, [Upload(n, io.BytesIO(b)) for n, b in files])
    if status in ("published", "withdrawn"):
        apply_transition(session, user, item, "submit")
        apply_transition(session, user, item, "publish")
    if status == "withdrawn":
        apply_transition(session, user, item, "withdraw", comment="rights unclear")
    session.commit()  # the inline media runner makes the previews after this commit
    return item, [entry.media for entry in attached]


def build(site: Site) -> Site:
    """Items, files and exhibitions, committed, in the site's app."""
    session = db.session
    user = create_user(session, "curator@vitrine.test", "correct horse battery", "curator")
    session.commit()
    with collected_effects():
        item, media = _item(session, user, "validator", [("validator.png", VALIDATOR_IMAGE.read_bytes())])
        site.items["validator"], site.media["validator"] = item.id, media[0].id
        item, media = _item(session, user, "turned", [("turned.jpg", samples.jpeg_with_exif(6, (600, 400)))],
                            rights="© Cục Văn thư và Lưu trữ nhà nước")  # fmt: skip
        site.items["turned"], site.media["turned"] = item.id, media[0].id
        item, media = _item(session, user, "pages", [("pages.tif", samples.multipage_tiff(3)),
                                                     ("letter.pdf", samples.text_pdf(["Letter", "Human rights"]))],
                            type="document")  # fmt: skip
        site.items["pages"], site.media["tiff"], site.media["pdf"] = item.id, media[0].id, media[1].id
        item, media = _item(session, user, "draft", [("draft.png", samples.png_bytes())], status="draft")
        site.items["draft"], site.media["draft"] = item.id, media[0].id
        item, media = _item(session, user, "withdrawn", [("gone.png", samples.png_bytes((320, 200)))],
                            status="withdrawn")  # fmt: skip
        site.items["withdrawn"], site.media["withdrawn"] = item.id, media[0].id
        exhibition = create_exhibition(session, user, {
            "venue": "vn-cao-bang", "opens_on": "2026-09-01", "closes_on": "2026-12-31", "primary_language": "vi",
            "languages": ["en"], "texts": {"vi": {"title": "Quyền con người ở Cao Bằng", "introduction": "Ảnh."},
                                           "en": {"title": "Human rights in Cao Bang"}}})  # fmt: skip
        first = add_section(session, user, exhibition, {"vi": {"title": "Phần 1"}, "en": {"title": "Part 1"}})
        second = add_section(session, user, exhibition, {"vi": {"title": "Phần 2"}, "en": {"title": "Part 2"}})
        add_entry(session, user, first, site.items["validator"], panel_number="1")
        add_entry(session, user, first, site.items["turned"], panel_number="2")
        add_entry(session, user, second, site.items["pages"], panel_number="3")
        publish(session, user, exhibition)
        draft = create_exhibition(session, user, {"venue": "vn-cao-bang", "primary_language": "vi",
                                                  "texts": {"vi": {"title": "Bản nháp"}}})  # fmt: skip
        session.commit()
        site.exhibition, site.draft_exhibition = exhibition.id, draft.id
    return site


def build_site(request, folder: Path, base_url: str, **config) -> Site:
    """A site of the module's own: a database copied from the reference one, built by an app at `base_url`."""
    url = copy_database(request, folder)
    app = create_app(app_settings(data_dir(folder), url) | {"BASE_URL": base_url, **config})
    site = Site(base_url, app=app)
    with app.app_context():
        build(site)
        db.session.remove()
    return site


class LiveServer:
    """A threaded HTTP server on a free local port whose app is given once the port is known (an app's own
    addresses, the IIIF ids among them, are under its BASE_URL)."""

    def __init__(self):
        self.app = None
        self.server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _dispatch(self, environ, start_response):
        return self.app(environ, start_response)

    def start(self, app) -> None:
        self.app = app
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        if self.app is not None:
            self.thread.join()
            with self.app.app_context():
                db.engine.dispose()
