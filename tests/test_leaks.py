"""Nothing unpublished reaches the public (issue 24, part 6): markers planted in what the public must not see, then a
crawl of every public surface (tests/leak_crawl.py) that must find none of them, and find the published controls.

Planted, each with markers of its own so that a failure names what leaked: a draft item never published (a marker in
every field — title, description, caption, transcription in vi, en, fr and Tày, a tag no other item has, its file's
name, reference code, creator, source archive, fonds, rights note), an item in review, a withdrawn item (taken down
with a reason), an item published then taken back to draft and one taken back to review — those three shown in a
published exhibition whose own captions for them carry markers too —, a draft exhibition (its texts in four
languages, a section, a caption), an exhibition taken down, and one published (its books built) then taken back to
draft; the published control's rights note (the archivists' own) and the takedown's reason (the staff's). Each
item's file is an image of its own, whose SHA-256 is a marker as well.

Published controls (an item with markers in every text and its file's name, the exhibition's title) must be found on
each surface where they belong — search, API, OAI-PMH, IIIF, sitemap, exports, books, share previews — so that the
crawl cannot pass by reaching nothing. `make test` crawls in one language within a bound; the test marked `long`
crawls in vi, en and fr with a higher one.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest

from core.db import db
from core.uow import collected_effects
from exhibitions import takedown
from exhibitions.composing import archive, derive_exhibition, publish, unpublish
from exhibitions.models import QrTarget
from interop.oai import repository
from tests import public_site
from tests.archive import samples
from tests.leak_crawl import Crawl, Crawler, folded, public_entry_points

BASE_URL = "http://vitrine.test"
REPOSITORY = "vitrine.leaks.example"
FRAMEWORK_CODE = "ZYQFWKXQ"  # an exhibition's code is a few capitals: a marker of its own kind
LANGUAGES = ("vi", "en", "fr", "tyz")
FIELDS = ("title", "description", "caption", "transcription")
ITEM_FIELDS = ("creator", "source_archive", "fonds")


def marker(key: str) -> str:
    """A word found nowhere else, with Vietnamese letters (so that folding matters), and no marker inside another:
    each begins with the same letters and ends with the same two, around a key of letters of its own."""
    return f"Zyqđ{key}ẋq"


def control(key: str) -> str:
    """A published control's word, built like a marker but never mistaken for one."""
    return f"Cwpđ{key}ẋq"


@dataclass
class Site:
    """What was planted: markers by name, the ids of the records that must not be reached, the controls."""

    secrets: dict[str, str] = field(default_factory=dict)  # name → marker
    controls: dict[str, str] = field(default_factory=dict)  # name → text
    items: dict[str, int] = field(default_factory=dict)  # secret items by name → id
    media: dict[str, int] = field(default_factory=dict)  # their files
    exhibitions: dict[str, int] = field(default_factory=dict)  # draft, taken down, unpublished, published (P)
    entries: dict[str, int] = field(default_factory=dict)  # P's entries of the items taken back, by item name
    codes: dict[str, str] = field(default_factory=dict)  # QR codes of what must not be reached
    parts: dict[str, tuple[int, int]] = field(default_factory=dict)  # secret exhibitions' first section and entry
    control_item: int = 0


@pytest.fixture(scope="module")
def app(request, tmp_path_factory):
    yield from public_site.module_app(request, tmp_path_factory.mktemp("leaks"))


@pytest.fixture(scope="module")
def site(app) -> Site:
    built = _plant(Site())
    db.session.remove()
    return built


def _plant(site: Site, books_before: bool = False) -> Site:
    session = db.session
    users = public_site.make_staff(session, "leaks.test")
    curator, admin = users["curator"], users["admin"]
    site.secrets |= {f"the {role}'s e-mail": user.email for role, user in users.items()}  # who made or moved what
    with collected_effects():  # previews made once, at the end
        made = _plant_items(session, curator, site)
        session.commit()
    _plant_exhibitions(session, curator, admin, made, site, books_before)
    # The repository's contact, as its admin page sets it: without one, Identify names the admins' own addresses
    # (OAI-PMH requires one), which are secrets here.
    repository.update(session, admin, REPOSITORY, "Vitrine", f"archive@{REPOSITORY}")
    session.commit()
    return site


def _secret_item(site, name, key, fields=FIELDS) -> dict:
    """An item's data with markers `key` in its texts (one per field and language when `fields`) and reference code."""
    texts = {lang: {f: marker(f"{key}{f[:3]}{lang}") for f in fields} for lang in LANGUAGES}
    for lang, values in texts.items():
        site.secrets |= {f"{name}: {f} ({lang})": text for f, text in values.items()}
    code = f"LK-{key.upper()}-01"
    site.secrets[f"{name}: reference code"] = code
    return {"reference_code": code, "type": "photo", "date": "1946", "place": "vn-ha-noi", "terms": ["ICCPR"],
            "texts": texts}  # fmt: skip


def _plant_items(session, curator, site: Site) -> dict:
    made = {}
    draft = _secret_item(site, "draft item", "dra")
    draft |= {f: marker(f"dra{f[:3]}") for f in ITEM_FIELDS} | {"tags": [marker("dratag")],
                                                                 "rights_note": marker("dranote")}  # fmt: skip
    site.secrets |= {f"draft item: {f}": draft[f] for f in ITEM_FIELDS}
    site.secrets |= {"draft item: tag": marker("dratag"), "draft item: rights note": marker("dranote"),
                     "draft item: file name": marker("drafile")}  # fmt: skip
    plans = (  # name, data, moves, file name
        ("draft item", draft, (), f"{marker('drafile')}.png"),
        ("item in review", _secret_item(site, "item in review", "rev", ("title", "caption")), ("submit",), "r.png"),
        ("withdrawn item", _secret_item(site, "withdrawn item", "wit", ("title", "caption")),
         ("submit", "publish"), "w.png"),
        ("item back to draft", _secret_item(site, "item back to draft", "bkd", ("title", "caption")),
         ("submit", "publish"), "b.png"),
        ("item back in review", _secret_item(site, "item back in review", "bkr", ("title", "caption")),
         ("submit", "publish"), "s.png"),
    )  # fmt: skip
    for number, (name, data, moves, file_name) in enumerate(plans):
        image = samples.png_bytes((300, 201 + number))  # a file of its own: its digest names it alone
        made[name], media = public_site.make_item(session, curator, data, file_name, moves, image)
        site.items[name], site.media[name] = made[name].id, media.id
        site.secrets[f"{name}: file digest"] = media.sha256
    site.controls |= {f"control item: {f} ({lang})": control(f"it{f[:3]}{lang}") for lang in LANGUAGES for f in FIELDS}
    site.controls["control item: file name"] = control("file")
    site.secrets["control item: rights note"] = marker("connote")  # the archivists' note on a published item
    data = {"reference_code": "LK-CONTROL-01", "type": "photo", "date": "1946", "place": "vn-ha-noi",
            "terms": ["ICCPR"], "rights_note": marker("connote"),
            "texts": {lang: {f: control(f"it{f[:3]}{lang}") for f in FIELDS} for lang in LANGUAGES}}  # fmt: skip
    made["control"], _media = public_site.make_item(session, curator, data, f"{control('file')}.png",
                                                    image=samples.png_bytes((300, 220)))  # fmt: skip
    site.control_item = made["control"].id
    return made


def _plant_exhibitions(session, curator, admin, made: dict, site: Site, books_before: bool) -> None:
    control_item = made["control"]
    # The draft exhibition: its texts in four languages, a section and a caption.
    texts = {lang: {"title": marker(f"dextit{lang}"), "introduction": marker(f"dexint{lang}")} for lang in LANGUAGES}
    site.secrets |= {f"draft exhibition: {f} ({lang})": v for lang, vs in texts.items() for f, v in vs.items()}
    site.secrets |= {"draft exhibition: section": marker("dexsec"), "draft exhibition: caption": marker("dexcap")}
    draft = public_site.make_exhibition(
        session, curator, "LKD", texts, [made["draft item"], control_item], published=False,
        section_texts={"vi": {"title": marker("dexsec")}},
        captions={control_item.id: {"vi": marker("dexcap")}})  # fmt: skip
    # A draft framework, and a published exhibition derived from it: the public may read that one, not its source.
    site.secrets |= {"draft framework: code": FRAMEWORK_CODE, "draft framework: title": marker("fwktit")}
    framework = public_site.make_exhibition(session, curator, FRAMEWORK_CODE, {"vi": {"title": marker("fwktit")}},
                                            [control_item], published=False, is_framework=True)  # fmt: skip
    site.controls["derived exhibition: title"] = control("dertit")
    settings = {"code": "LKDER", "venue": "vn-cao-bang", "texts": {"vi": {"title": control("dertit")}}}
    derived = derive_exhibition(session, curator, framework, settings)
    publish(session, curator, derived)
    # Published, then taken down; published, then taken back to draft.
    site.secrets["exhibition taken down"] = marker("gonetit")
    gone = public_site.make_exhibition(session, curator, "LKG", {"vi": {"title": marker("gonetit")}}, [control_item])
    site.secrets["exhibition back to draft"] = marker("undtit")
    undone = public_site.make_exhibition(session, curator, "LKU", {"vi": {"title": marker("undtit")}},
                                         [control_item])  # fmt: skip
    # The published one (P), showing the control and the three items about to leave publication, with captions of
    # its own for them.
    taken_back = ("withdrawn item", "item back to draft", "item back in review")
    keys = {"withdrawn item": "pcwit", "item back to draft": "pcbkd", "item back in review": "pcbkr"}
    captions = {made[name].id: {"vi": marker(keys[name])} for name in taken_back}
    site.secrets |= {f"published exhibition's caption for the {name}": captions[made[name].id]["vi"]
                     for name in taken_back}  # fmt: skip
    site.controls["published exhibition: title"] = control("pextit")
    shown = public_site.make_exhibition(
        session, curator, "LKP", {"vi": {"title": control("pextit")}, "en": {"title": control("pextit")}},
        [*(made[name] for name in taken_back), control_item], captions=captions)  # fmt: skip
    # (Their panels first: a share preview's image, the JSON-LD's, must not be theirs.)
    # Archived with them: its frozen snapshot holds their texts, which must stay out of what it shows.
    site.controls["archived exhibition: title"] = control("arctit")
    frozen = public_site.make_exhibition(session, curator, "LKA", {"vi": {"title": control("arctit")}},
                                         [control_item, *(made[name] for name in taken_back)])  # fmt: skip
    session.flush()
    archive(session, curator, frozen)
    session.commit()
    if books_before:  # built while everything was public: they must be forgotten, not served
        _build_books((shown.id, undone.id, frozen.id))
        session.commit()  # the requests wrote: the test's session reads afresh from here, as another process would
    reason = marker("reason")
    site.secrets["the takedown's reason"] = reason
    public_site.apply_moves(session, curator, made["withdrawn item"], [("withdraw", reason)])
    public_site.apply_moves(session, curator, made["item back to draft"], [("withdraw", reason), "restore"])
    public_site.apply_moves(session, curator, made["item back in review"], [("withdraw", reason), "restore", "submit"])
    takedown.take_down(session, admin, gone, marker("reason"))
    unpublish(session, curator, undone)
    session.commit()
    site.exhibitions = {"draft exhibition": draft.id, "exhibition taken down": gone.id,
                        "exhibition back to draft": undone.id, "draft framework": framework.id,
                        "published": shown.id}  # fmt: skip
    site.entries = {name: next(e.id for e in shown.entries if e.item_id == made[name].id) for name in taken_back}
    for name, exhibition in (("draft exhibition", draft), ("exhibition taken down", gone),
                             ("exhibition back to draft", undone), ("draft framework", framework)):  # fmt: skip
        site.parts[name] = (exhibition.sections[0].id, exhibition.entries[0].id)
        site.codes[name] = public_site.qr_code(session, exhibition.id, QrTarget.EXHIBITION, None)
        site.codes[f"{name}: section"] = public_site.qr_code(session, exhibition.id, QrTarget.SECTION,
                                                             exhibition.sections[0].id)  # fmt: skip
    for name, entry in site.entries.items():
        site.codes[f"published exhibition's panel of the {name}"] = public_site.qr_code(
            session, shown.id, QrTarget.ENTRY, entry
        )
    site.codes["draft exhibition: panel"] = public_site.qr_code(session, draft.id, QrTarget.ENTRY,
                                                                draft.entries[0].id)  # fmt: skip


def _build_books(exhibition_ids) -> None:
    from flask import current_app

    client = current_app.test_client()
    for exhibition in exhibition_ids:
        for path in ("book-vi.epub", "offline-vi.zip"):
            with client.get(f"/exhibitions/{exhibition}/{path}") as response:
                assert response.status_code == 200, (exhibition, path, response.status_code)


def _forbidden(site: Site) -> dict[str, str]:
    """Addresses naming a planted record, which no public answer may link to."""
    published = site.exhibitions["published"]
    patterns = {f"{name}'s page": rf"^/(api/v1/|iiif/)?items/{record}(?:[/?.]|$)"
                for name, record in site.items.items()}  # fmt: skip
    patterns |= {f"{name}'s file": rf"^/(media/{record}(?:[/?]|$)|iiif/image/{record}-)"
                 for name, record in site.media.items()}  # fmt: skip
    patterns |= {name: rf"^/(api/v1/|iiif/)?exhibitions/{record}(?:[/?.]|$)"
                 for name, record in site.exhibitions.items() if name != "published"}  # fmt: skip
    patterns |= {f"published exhibition's panel of the {name}": rf"^/exhibitions/{published}/entries/{entry}(?:[/?]|$)"
                 for name, entry in site.entries.items()}  # fmt: skip
    patterns |= {f"QR code of the {name}": rf"^/q/{re.escape(code)}(?:[/?.]|$)" for name, code in site.codes.items()}
    return patterns


def crawl(app, site: Site, languages, language: str, queries, **bounds) -> Crawl:
    """The public site crawled from its entry points in `languages` and the search for `queries`, by a browser
    asking for `language`, within `bounds` (the Crawler's)."""
    crawler = Crawler(app.test_client(use_cookies=False), BASE_URL, site.secrets | site.controls, _forbidden(site),
                      language=language, **bounds)  # fmt: skip
    return crawler.run(public_entry_points(languages, queries))


# The fewest answers each surface must give, and where each control must be found: a crawl that reaches too
# little, or reads answers wrongly, fails here instead of passing.
MINIMUM_PAGES = {"pages": 25, "share": 25, "search": 10, "api": 6, "exports": 4, "oai": 8, "iiif": 4, "sitemap": 2,
                 "qr": 4, "files": 2}  # fmt: skip
CONTROLS_ON = {"control item: title (vi)": {"pages", "share", "search", "api", "exports", "oai", "iiif"},
               "control item: description (fr)": {"api", "exports", "oai", "iiif"},
               "control item: caption (tyz)": {"api", "exports"},
               "control item: file name": {"files"},
               "control item: address": {"sitemap"},
               "published exhibition: title": {"pages", "share", "api", "iiif", "oai"},
               "derived exhibition: title": {"pages", "api"},
               "archived exhibition: title": {"pages", "api", "iiif"}}  # fmt: skip
# The books are left out of the short crawl (an EPUB is about a second of font subsetting): tests/test_takedown.py
# and tests/exhibitions/test_reactions.py check what they leave out, the long crawl reads them all.
BOOKS = r"\.(epub|pdf|zip)$"
SHORT_QUERIES = ("draft item: title (vi)", "draft item: tag", "draft item: reference code",
                 "item in review: title (vi)", "withdrawn item: caption (vi)", "draft exhibition: title (vi)",
                 "draft item: file name")  # fmt: skip


def _queries(site: Site, names) -> list[str]:
    """What a visitor would type: the control's description (first: the bound of each kind of address leaves the
    last out), then planted words as planted and without their accents."""
    words = [site.secrets[name] for name in names]
    return [site.controls["control item: description (vi)"], *words, *(folded(word) for word in words[:2])]


def _check(found: Crawl, site: Site, minimum_pages: dict, controls_on: dict) -> None:
    assert found.leaks(site.secrets) == [], "\n".join(found.leaks(site.secrets))
    pages = found.pages()
    assert all(pages[surface] >= least for surface, least in minimum_pages.items()), (pages, found.skipped)
    missing = {name: surfaces - found.found(name) for name, surfaces in controls_on.items()}
    assert not any(missing.values()), (missing, pages)


def _check_search_counts(app, site: Site, names) -> None:
    """A search for a planted word finds nothing, not even a number: a count or a facet's would say it exists."""
    client = app.test_client(use_cookies=False)
    for word in _queries(site, names)[1:]:
        found = client.get("/api/v1/search", query_string={"q": word}).json
        assert (found["total"], found["hits"]) == (0, []), (word, found["total"])


# One database in `make test` (both in `make test-all`, the long crawl too): what each surface leaves out is a status
# filter that tests/test_takedown.py and the search and API tests check on both, and the planting costs seconds.
@pytest.mark.one_database
def test_the_crawl_finds_no_planted_marker_and_every_control(app, site):
    site.controls["control item: address"] = f"{BASE_URL}/items/{site.control_item}?lang="
    found = crawl(app, site, ("vi", "en", "fr"), "vi", _queries(site, SHORT_QUERIES), max_pages=150, per_pattern=3,
                  leave_out=BOOKS)  # fmt: skip
    _check(found, site, MINIMUM_PAGES, CONTROLS_ON)
    _check_search_counts(app, site, SHORT_QUERIES)
    print(f"\n{sum(found.pages().values())} answers by surface {dict(found.pages())}; left: {dict(found.skipped)}")


def _own_addresses(site: Site) -> list[str]:
    """The addresses of the planted records, as someone guessing ids and codes would type them."""
    addresses = []
    for name, record in site.items.items():
        media, digest = site.media[name], site.secrets[f"{name}: file digest"]
        addresses += [f"/items/{record}", f"/items/{record}?lang=en", f"/api/v1/items/{record}",
                      f"/api/v1/items/{record}/dc", f"/api/v1/items/{record}/dc.xml", f"/api/v1/items/{record}/history",
                      f"/iiif/items/{record}/manifest.json", f"/media/{media}", f"/media/{media}/web-1.jpg",
                      f"/media/{media}/thumb-1.jpg", f"/media/{media}/book-1.jpg", f"/iiif/image/{media}-1",
                      f"/iiif/image/{media}-1/info.json", f"/iiif/image/{media}-1/full/max/0/default.jpg",
                      f"/staff/items/{record}",
                      f"/exhibitions/{site.exhibitions['published']}/images/{digest}-web.jpg"]  # fmt: skip
    for name, record in site.exhibitions.items():
        if name == "published":
            continue
        section, entry = site.parts[name]
        base = f"/exhibitions/{record}"
        addresses += [base, f"{base}?lang=fr", f"{base}/sections/{section}", f"{base}/entries/{entry}",
                      f"{base}/book", f"{base}/book-vi.epub", f"{base}/catalogue-vi.pdf", f"{base}/offline-vi.zip",
                      f"/iiif/exhibitions/{record}/manifest.json", f"/api/v1/exhibitions/{record}",
                      f"/api/v1/exhibitions/{record}/view", f"/api/v1/exhibitions/{record}/qr-links",
                      f"/api/v1/exhibitions/{record}/differences"]  # fmt: skip
    addresses += [f"/exhibitions/{site.exhibitions['published']}/entries/{entry}" for entry in site.entries.values()]
    addresses += [f"/q/{code}{kind}" for code in site.codes.values() for kind in ("", ".png", ".svg")]
    # Panel codes as typed: the secret exhibitions' first panels, the published one's panels of the items taken back.
    addresses += ["/q/LKD-1", "/q/lkd01", "/q?code=LKD-001", "/q/LKU-1", "/q/LKG-1", "/q/LKP-1", "/q/LKP-2",
                  "/q?code=LKP3"]  # fmt: skip
    return addresses


@pytest.mark.one_database  # with the crawl above: one planting
def test_the_planted_records_own_addresses_answer_404_or_410(app, site):
    crawler = Crawler(app.test_client(use_cookies=False), BASE_URL, site.secrets, language="en")
    answers = {address: crawler.fetch(address) for address in _own_addresses(site)}
    # Not found, gone, or the staff's: a token asked for (401), a sign-in page (302 to /login). An IIIF image's base
    # address sends any identifier on to its info.json (303, as the Image API asks), which is asked here too.
    shown = {address: found.status for address, found in answers.items() if found.status not in (401, 404, 410)
             and not (found.status == 302 and address.startswith("/staff/"))
             and not (found.status == 303 and re.fullmatch(r"/iiif/image/\d+-1", address))}  # fmt: skip
    assert shown == {}
    assert [(found.url, leak) for found in answers.values() for leak in found.found] == []
    for name, record in site.items.items():  # OAI-PMH: never heard of, or deleted; never its record
        asked = {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": f"oai:{REPOSITORY}:item/{record}"}
        found = crawler.fetch(f"/oai?{urlencode(asked)}")
        assert found.status == 200 and found.found == (), (name, found)
    client = app.test_client(use_cookies=False)
    for name, record in site.exhibitions.items():  # a secret exhibition's set lists nothing, not even who is in it
        asked = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": f"exhibition:{record}"}
        listed = client.get(f"/oai?{urlencode(asked)}").get_data(True)
        assert ("<header" in listed) == (name == "published"), (name, listed[:500])


@pytest.fixture(scope="module")
def full_app(request, tmp_path_factory):
    yield from public_site.module_app(request, tmp_path_factory.mktemp("leaks-full"))


@pytest.fixture(scope="module")
def full_site(full_app) -> Site:
    """The same planting, the books of the exhibitions about to change built first."""
    built = _plant(Site(), books_before=True)
    db.session.remove()
    return built


FULL_MINIMUM_PAGES = MINIMUM_PAGES | {"pages": 35, "share": 60, "search": 30, "oai": 20, "books": 10}
FULL_CONTROLS_ON = CONTROLS_ON | {"published exhibition: title": CONTROLS_ON["published exhibition: title"] | {"books"},
                                  "control item: caption (vi)": {"books"}}  # fmt: skip


@pytest.mark.long
def test_the_full_crawl_in_each_language_books_and_packages_included(full_app, full_site):
    site = full_site
    site.controls["control item: address"] = f"{BASE_URL}/items/{site.control_item}?lang="
    names = [name for name in site.secrets if name.endswith(("(vi)", "tag", "code", "file name", "(tyz)"))]
    for language in ("vi", "en", "fr"):
        found = crawl(full_app, site, ("vi", "en", "fr", "tyz"), language, _queries(site, names), max_pages=800,
                      per_pattern=20, images_per_pattern=2)  # fmt: skip
        _check(found, site, FULL_MINIMUM_PAGES, FULL_CONTROLS_ON)
        print(
            f"\n{language}: {sum(found.pages().values())} answers by surface {dict(found.pages())}; "
            f"left: {dict(found.skipped)}"
        )
