"""Building a small public site once a module, for the tests that walk what the public reaches after a change
(tests/test_takedown.py, tests/test_leaks.py): an app on a database of its own, staff, items with a real file
moved along the workflow, exhibitions, their QR codes.
"""

import io

from sqlalchemy import select

from app import create_app
from archive.media import Upload, attach_media
from archive.services import create_item
from archive.workflow import apply_transition
from core.auth import create_user
from core.db import db
from core.storage import get_storage
from exhibitions.composing import add_entry, add_section, create_exhibition, publish
from exhibitions.models import QrLink, QrTarget
from tests.archive import samples
from tests.conftest import PASSWORD, VitrineTestClient, app_settings, copy_database, data_dir

STAFF = ("archivist", "curator", "admin")


def module_app(request, folder, **settings):
    """An app on a database copied for the module (OAI-PMH records applied inline); yields it in its context."""
    url = copy_database(request, folder)
    app = create_app(app_settings(data_dir(folder), url) | {"OAI_APPLY": "inline"} | settings)
    app.test_client_class = VitrineTestClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def make_staff(session, domain: str) -> dict:
    """An archivist, a curator and an admin, committed: role → user."""
    users = {role: create_user(session, f"{role}@{domain}", PASSWORD, role) for role in STAFF}
    session.commit()
    return users


def item_data(code: str, title: str, mark: str = "") -> dict:
    """An item's fields with `mark` in its Vietnamese texts and its English title."""
    return {"reference_code": code, "type": "photo", "date": "1946", "place": "vn-ha-noi", "terms": ["ICCPR"],
            "texts": {"vi": {"title": f"{title} {mark}".strip(), "caption": f"Chú thích {mark}".strip(),
                             "description": f"Mô tả {mark}".strip()},
                      "en": {"title": f"Photo {mark}".strip()}}}  # fmt: skip


def make_item(session, user, data: dict, file_name: str | None = "photo.png", moves=("submit", "publish"),
              image: bytes | None = None):  # fmt: skip
    """An item from `data`, with a file named `file_name` (None: no file; a small PNG unless `image` is given), moved
    along the workflow (a move's name, or its name and comment); (item, media)."""
    item = create_item(session, user, data)
    media = None
    if file_name:
        upload = Upload(file_name, io.BytesIO(image or samples.png_bytes()))
        [attached] = attach_media(session, get_storage(), user, item, [upload])
        media = attached.media
    apply_moves(session, user, item, moves)
    return item, media


def apply_moves(session, user, item, moves) -> None:
    """Move an item along the workflow: each move a name, or a name and its comment."""
    for move in moves:
        name, comment = (move, None) if isinstance(move, str) else move
        apply_transition(session, user, item, name, comment)


def make_exhibition(session, user, code: str, texts: dict, items: list, published: bool = True,
                    section_texts: dict | None = None, captions: dict | None = None, **more):  # fmt: skip
    """An exhibition of one section holding `items` (captions: item id → captions per language), published unless
    said otherwise; `more` settings (is_framework…)."""
    settings = {"code": code, "venue": "vn-cao-bang", "primary_language": "vi", "opens_on": "2026-09-01",
                "languages": [lang for lang in texts if lang != "vi"], "texts": texts} | more  # fmt: skip
    exhibition = create_exhibition(session, user, settings)
    section = add_section(session, user, exhibition, section_texts or {"vi": {"title": "Phần 1"},
                                                                       "en": {"title": "Part 1"}})  # fmt: skip
    for item in items:
        add_entry(session, user, section, item.id, captions=(captions or {}).get(item.id))
    if published:
        publish(session, user, exhibition)
    return exhibition


def qr_code(session, exhibition_id: int, target: QrTarget, target_id: int | None) -> str:
    """The code of an exhibition's QR link to a target, in no language of its own."""
    return session.scalar(select(QrLink.code).where(QrLink.exhibition_id == exhibition_id, QrLink.target == target,
                                                    QrLink.target_id.is_(target_id) if target_id is None
                                                    else QrLink.target_id == target_id,
                                                    QrLink.lang.is_(None)))  # fmt: skip
