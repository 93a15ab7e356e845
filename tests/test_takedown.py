"""Takedown across every public surface (issue 24, part 4), on the real app and database.

One site is built per module: an item with a real file shown in a live and in an archived exhibition, another item
beside it, and an archived exhibition that is taken down. A curator withdraws the item with a reason and an admin
takes the exhibition down; the tests then walk what the public can reach — pages, files, IIIF, QR codes, OAI-PMH,
search, the API, the sitemap, the books — for the item's marker word, reference code and file, and for the
exhibition's title, then check the staff side (the reason, who may undo, what a refusal keeps) and, last, that
undoing both brings everything back. The tests run in file order: the last two undo the takedowns.
"""

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

import pypdf
import pytest
from sqlalchemy import select

from archive.models import Item
from archive.workflow import apply_transition
from core.audit import AuditEvent
from core.auth import User
from core.db import db
from core.uow import collected_effects
from exhibitions import takedown
from exhibitions.composing import archive
from exhibitions.models import Exhibition, QrTarget
from interop.oai.identifiers import set_repository_id
from tests import public_site
from tests.conftest import PASSWORD

MARK = "Zyxwv"  # in every text of the withdrawn item, and nowhere else
CODE = "TKD-ZYXWV-01"
GONE_EXHIBITION = "Qwertz"  # in the title of the exhibition taken down
REPOSITORY = "vitrine.takedown.example"
REASON = "The lender disputes the rights: withdrawn until the ministry decides."


@dataclass
class Site:
    """The ids of what was built."""

    item: int = 0  # withdrawn
    kept: int = 0
    media: int = 0  # the withdrawn item's file
    sha256: str = ""
    live: int = 0  # published, shows both items
    frozen: int = 0  # archived, shows both items
    gone: int = 0  # archived, shows the kept item, taken down
    entries: dict[str, int] = field(default_factory=dict)  # live, frozen: the withdrawn item's entry; kept-<id>
    codes: dict[str, str] = field(default_factory=dict)  # live, frozen, gone: their codes leading there
    users: dict[str, str] = field(default_factory=dict)  # role → email


@pytest.fixture(scope="module")
def app(request, tmp_path_factory):
    yield from public_site.module_app(request, tmp_path_factory.mktemp("takedown"))


@pytest.fixture(scope="module")
def site(app) -> Site:
    built = _build(Site())
    _take_down(built)
    db.session.remove()
    return built


def _build(site: Site) -> Site:
    session = db.session
    users = public_site.make_staff(session, "takedown.test")
    curator = users["curator"]
    with collected_effects():  # previews made once, at the end
        withdrawn, media = public_site.make_item(
            session, curator, public_site.item_data(CODE, "Bức ảnh gỡ xuống", MARK)
        )
        kept, _none = public_site.make_item(
            session, curator, public_site.item_data("TKD-KEPT-01", "Bức ảnh ở lại"), file_name=None
        )  # one file to look for
        session.commit()
    live, frozen, gone = (
        public_site.make_exhibition(session, curator, code, {"vi": {"title": title}, "en": {"title": title}}, items)
        for code, title, items in (("TKL", "Triển lãm đang mở", [withdrawn, kept]),
                                   ("TKA", "Triển lãm đã đóng", [withdrawn, kept]),
                                   ("TKG", f"Triển lãm {GONE_EXHIBITION}", [kept])))  # fmt: skip
    session.flush()
    archive(session, curator, frozen)
    archive(session, curator, gone)
    set_repository_id(session, None, REPOSITORY)
    session.commit()
    site.item, site.kept, site.media, site.sha256 = withdrawn.id, kept.id, media.id, media.sha256
    site.live, site.frozen, site.gone = live.id, frozen.id, gone.id
    for name, exhibition in (("live", live), ("frozen", frozen)):
        entry = next(e for e in exhibition.entries if e.item_id == withdrawn.id)
        site.entries[name] = entry.id
        site.codes[name] = public_site.qr_code(session, exhibition.id, QrTarget.ENTRY, entry.id)
        site.entries[f"kept-{exhibition.id}"] = next(e.id for e in exhibition.entries if e.item_id == kept.id)
    site.codes["gone"] = public_site.qr_code(session, gone.id, QrTarget.EXHIBITION, None)
    site.users = {role: user.email for role, user in users.items()}
    return site


def _take_down(site: Site) -> None:
    session = db.session
    users = {user.role: user for user in session.scalars(select(User))}
    apply_transition(session, users["curator"], session.get(Item, site.item), "withdraw", REASON)
    takedown.take_down(session, users["admin"], session.get(Exhibition, site.gone), "Shown without consent.")
    session.commit()


def _leaks(text: str) -> list[str]:
    """What of the withdrawn item (or the exhibition taken down) a public answer shows."""
    folded = unicodedata.normalize("NFC", text)
    return [found for found in (MARK, CODE, GONE_EXHIBITION) if found.lower() in folded.lower()]


def _get(client, path: str, status: int = 200, **kwargs):
    """The answer to a GET, read whole and closed (a file sent is an open file until then)."""
    with client.get(path, **kwargs) as response:
        response.get_data()
    assert response.status_code == status, (path, response.status_code, response.data[:300])
    return response


@pytest.fixture
def visitor(app, site):
    """A visitor's client reading in English."""
    client = app.test_client()
    client.set_cookie("vitrine_lang", "en")
    return client


def signed_in(app, site, role: str):
    client = app.test_client()
    client.set_cookie("vitrine_lang", "en")
    response = client.post("/login", data={"email": site.users[role], "password": PASSWORD})
    assert response.status_code == 302
    db.session.commit()
    return client


# --- The item taken down ----------------------------------------------------------------------------------------


def test_its_page_files_and_images_are_gone(visitor, site):
    for path in (f"/items/{site.item}", f"/media/{site.media}", f"/media/{site.media}/web-1.jpg",
                 f"/media/{site.media}/thumb-1.jpg", f"/iiif/image/{site.media}-1/info.json",
                 f"/iiif/image/{site.media}-1/full/max/0/default.jpg", f"/iiif/items/{site.item}/manifest.json",
                 f"/exhibitions/{site.frozen}/images/{site.sha256}-web.jpg",
                 f"/exhibitions/{site.live}/images/{site.sha256}-thumb.jpg"):  # fmt: skip
        assert not _leaks(_get(visitor, path, 410).get_data(True)), path
    page = _get(visitor, f"/items/{site.item}", 410).get_data(True)
    assert "Withdrawn from public view" in page and REASON not in page  # the reason is the staff's
    assert _get(visitor, f"/items/{site.kept}").status_code == 200


def test_exhibitions_live_and_archived_show_a_placeholder_in_the_readers_language(visitor, site):
    for exhibition in (site.live, site.frozen):
        for lang, sentence in (("en", "This item has been withdrawn from public view."),
                               ("vi", "Tư liệu này đã được rút khỏi công bố.")):  # fmt: skip
            page = _get(visitor, f"/exhibitions/{exhibition}?lang={lang}").get_data(True)
            assert sentence in page and not _leaks(page) and site.sha256 not in page, (exhibition, lang)
            assert f'/entries/{site.entries[f"kept-{exhibition}"]}"' in page  # the rest is still shown
    for name, exhibition in (("live", site.live), ("frozen", site.frozen)):
        entry = _get(visitor, f"/exhibitions/{exhibition}/entries/{site.entries[name]}?lang=en", 410).get_data(True)
        assert "Withdrawn from public view" in entry and not _leaks(entry) and site.sha256 not in entry


def test_its_codes_answer_410_with_a_clear_page(visitor, site):
    for name in ("live", "frozen"):
        page = _get(visitor, f"/q/{site.codes[name]}", 410).get_data(True)
        assert "This item is no longer shown" in page and not _leaks(page)


def test_oai_pmh_reports_it_deleted(visitor, site):
    identifier = f"oai:{REPOSITORY}:item/{site.item}"
    record = _get(visitor, "/oai", query_string={"verb": "GetRecord", "identifier": identifier,
                                                  "metadataPrefix": "oai_dc"}).get_data(True)  # fmt: skip
    assert 'status="deleted"' in record and not _leaks(record)
    listed = _get(visitor, "/oai", query_string={"verb": "ListRecords", "metadataPrefix": "oai_dc"}).get_data(True)
    assert identifier in listed and not _leaks(listed)
    assert re.search(rf'<header status="deleted">\s*<identifier>{re.escape(identifier)}<', listed)


def test_search_and_the_api_leave_it_out(visitor, site):
    page = _get(visitor, "/items", query_string={"q": "Chú thích"}).get_data(True)  # its caption's words too
    assert f'href="/items/{site.kept}"' in page and f'href="/items/{site.item}"' not in page
    found = _get(visitor, "/api/v1/search", query_string={"q": MARK}).json
    assert found["total"] == 0 and not _leaks(str(found["hits"]))
    listed = _get(visitor, "/api/v1/items", query_string={"per_page": 100}).json
    assert site.kept in [i["id"] for i in listed["items"]] and not _leaks(str(listed))
    for path in (f"/api/v1/items/{site.item}", f"/api/v1/items/{site.item}/dc", f"/api/v1/items/{site.item}/dc.xml"):
        assert _get(visitor, path, 410).json["error"]["code"] == "gone"
    for exhibition in (site.live, site.frozen):
        detail = _get(visitor, f"/api/v1/exhibitions/{exhibition}").json
        view = _get(visitor, f"/api/v1/exhibitions/{exhibition}/view").json
        assert not _leaks(str(detail)) and not _leaks(str(view)) and site.sha256 not in str(view)
        assert site.item not in [e.get("item_id") for s in detail["sections"] for e in s["entries"]]
        assert [e["withdrawn"] for s in view["sections"] for e in s["entries"]] == [True, False]


def test_the_sitemap_iiif_manifests_and_home_leave_it_out(visitor, site):
    sitemap = _get(visitor, "/sitemap.xml").get_data(True)
    assert f"/items/{site.item}?" not in sitemap and f"/items/{site.kept}?" in sitemap
    assert not any(f"/entries/{site.entries[name]}?" in sitemap for name in ("live", "frozen"))
    for exhibition in (site.live, site.frozen):
        manifest = _get(visitor, f"/iiif/exhibitions/{exhibition}/manifest.json").get_data(True)
        assert not _leaks(manifest) and f"/iiif/image/{site.media}-" not in manifest
    assert not _leaks(_get(visitor, "/").get_data(True))


@pytest.mark.one_database  # books drawn from the reading view, whose queries the tests above check on both
def test_books_catalogues_and_packages_are_rebuilt_with_the_placeholder(visitor, site):
    # The archived exhibition's, whose books were frozen until now (a live one's: test_ebooks, test_catalogue_…).
    for exhibition in (site.frozen,):
        with zipfile.ZipFile(io.BytesIO(_get(visitor, f"/exhibitions/{exhibition}/book-vi.epub").data)) as book:
            text = " ".join(book.read(n).decode() for n in book.namelist() if n.endswith((".xhtml", ".opf", ".ncx")))
            assert "Đã rút khỏi công bố" in text and not _leaks(text)
            assert not [n for n in book.namelist() if site.sha256[:20] in n]
        pdf = pypdf.PdfReader(io.BytesIO(_get(visitor, f"/exhibitions/{exhibition}/catalogue-en.pdf").data))
        text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
        assert "Withdrawn from public view" in text and not _leaks(text)
        with zipfile.ZipFile(io.BytesIO(_get(visitor, f"/exhibitions/{exhibition}/offline-vi.zip").data)) as package:
            names = package.namelist()
            pages = " ".join(package.read(n).decode() for n in names if n.endswith(".html"))
        assert "Tư liệu này đã được rút khỏi công bố." in pages and not _leaks(pages)
        assert not [n for n in names if site.sha256 in n or f"entry-{site.entries['live']}." in n]


# --- The exhibition taken down ------------------------------------------------------------------------------------


def test_an_exhibition_taken_down_is_gone_from_every_surface(visitor, site):
    base = f"/exhibitions/{site.gone}"
    for path in (base, f"{base}/book", f"{base}/book-vi.epub", f"{base}/catalogue-vi.pdf",
                 f"/iiif/exhibitions/{site.gone}/manifest.json", f"/api/v1/exhibitions/{site.gone}",
                 f"/api/v1/exhibitions/{site.gone}/view"):  # fmt: skip
        assert not _leaks(_get(visitor, path, 410).get_data(True)), path
    page = _get(visitor, f"/q/{site.codes['gone']}", 410).get_data(True)
    assert "This exhibition is no longer shown" in page and not _leaks(page)
    for path in ("/exhibitions", "/", "/sitemap.xml", "/iiif/exhibitions/collection.json", "/api/v1/exhibitions",
                 f"/items/{site.kept}"):  # fmt: skip
        response = _get(visitor, path)
        assert not _leaks(response.get_data(True)) and f"/exhibitions/{site.gone}" not in response.get_data(True), path
    sets = _get(visitor, "/oai", query_string={"verb": "ListSets"}).get_data(True)
    assert f"exhibition:{site.gone}<" not in sets and f"exhibition:{site.frozen}<" in sets


# --- Staff ---------------------------------------------------------------------------------------------------------


def test_staff_see_why_and_only_an_admin_may_undo(app, site):
    curator, admin, archivist = (signed_in(app, site, role) for role in ("curator", "admin", "archivist"))
    page = _get(curator, f"/staff/items/{site.item}").get_data(True)
    assert REASON in page and site.users["curator"] in page and "Undo the takedown" not in page
    assert "Undo the takedown" in _get(admin, f"/staff/items/{site.item}").get_data(True)
    assert "Undo the takedown" not in _get(archivist, f"/staff/items/{site.item}").get_data(True)
    typed = "Please show it again, the lender agreed."
    refused = curator.post(f"/staff/items/{site.item}/transition", data={"action": "reinstate", "comment": typed})
    assert refused.status_code == 403 and typed in refused.get_data(True)
    composer = _get(curator, f"/staff/exhibitions/{site.gone}").get_data(True)
    assert "Shown without consent." in composer and "Undo the takedown" not in composer
    assert "Undo the takedown" in _get(admin, f"/staff/exhibitions/{site.gone}").get_data(True)
    assert "Take down from public view" not in _get(curator, f"/staff/exhibitions/{site.live}").get_data(True)
    assert "Take down from public view" in _get(admin, f"/staff/exhibitions/{site.live}").get_data(True)
    refused = curator.post(f"/staff/exhibitions/{site.live}/take_down", data={"reason": typed})
    assert refused.status_code == 403 and typed in refused.get_data(True)
    assert _get(admin, f"/exhibitions/{site.gone}").status_code == 200  # a preview, said so
    empty = admin.post(f"/staff/exhibitions/{site.live}/take_down", data={"reason": "  "})
    assert empty.status_code == 422 and "Say why" in empty.get_data(True)


# --- Undoing (these two change the site: they run last) -----------------------------------------------------------


def test_undoing_the_items_takedown_brings_it_back_everywhere_audited(app, visitor, site):
    admin = signed_in(app, site, "admin")
    done = admin.post(
        f"/staff/items/{site.item}/transition", data={"action": "reinstate", "comment": "Rights cleared."}
    )
    assert done.status_code == 302, done.get_data(True)
    assert MARK in _get(visitor, f"/items/{site.item}").get_data(True)
    assert _get(visitor, f"/media/{site.media}/web-1.jpg").status_code == 200
    assert _get(visitor, f"/iiif/image/{site.media}-1/info.json").status_code == 200
    for exhibition in (site.live, site.frozen):  # the archived one as it was frozen
        assert MARK in _get(visitor, f"/exhibitions/{exhibition}?lang=vi").get_data(True)
    asked = {"verb": "GetRecord", "identifier": f"oai:{REPOSITORY}:item/{site.item}", "metadataPrefix": "oai_dc"}
    assert 'status="deleted"' not in _get(visitor, "/oai", query_string=asked).get_data(True)
    assert _get(visitor, "/api/v1/search", query_string={"q": MARK}).json["total"] == 1
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "item",
                                                         AuditEvent.record_id == site.item,
                                                         AuditEvent.action.in_(("withdraw", "reinstate")))
                                .order_by(AuditEvent.id)).all()  # fmt: skip
    assert [(e.action, e.user.email, e.comment) for e in events] == [
        ("withdraw", site.users["curator"], REASON),
        ("reinstate", site.users["admin"], "Rights cleared."),
    ]


def test_undoing_the_exhibitions_takedown_shows_it_again_audited(app, visitor, site):
    admin = signed_in(app, site, "admin")
    done = admin.post(f"/staff/exhibitions/{site.gone}/undo_takedown", data={"reason": "Consent given."})
    assert done.status_code == 302, done.get_data(True)
    assert GONE_EXHIBITION in _get(visitor, f"/exhibitions/{site.gone}").get_data(True)
    assert f"/exhibitions/{site.gone}" in _get(visitor, "/exhibitions").get_data(True)
    assert _get(visitor, f"/q/{site.codes['gone']}", 410).get_data(True).count("This exhibition has closed") == 1
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "exhibition",
                                                         AuditEvent.record_id == site.gone,
                                                         AuditEvent.action.in_(takedown.ACTIONS))
                                .order_by(AuditEvent.id)).all()  # fmt: skip
    assert [(e.action, e.user.email, e.comment, e.after) for e in events] == [
        ("take_down", site.users["admin"], "Shown without consent.", {"taken_down": True}),
        ("undo_takedown", site.users["admin"], "Consent given.", {"taken_down": False}),
    ]
