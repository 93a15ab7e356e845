"""A harvester written by others (sickle) against the repository served over HTTP: a full harvest through
resumption tokens gets every published item once; an incremental one after edits gets exactly those changed."""

import threading
from datetime import timedelta

import pytest
from sickle import Sickle
from sickle.oaiexceptions import NoRecordsMatch
from sqlalchemy import select, update
from werkzeug.serving import make_server

from archive import reference_editing
from archive.models import Item, Term
from archive.services import SessionLookups, create_items, set_text, validate_new_item
from archive.workflow import apply_transition
from core.db import db
from exhibitions.composing import publish
from interop.oai import datestamps, tracking
from interop.oai.models import OaiRecord
from tests.interop.oai.conftest import REPOSITORY_ID
from tests.interop.oai.helpers import NS


@pytest.fixture
def serve(app_config, repository_id):
    """Factory: /oai of the test's database served on a free local port (settings overridden), CSRF on."""
    from app import create_app

    servers = []

    def start(**overrides):
        app = create_app(app_config | {"WTF_CSRF_ENABLED": True} | overrides)  # harvesters POST without a token
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread, app))
        return f"http://127.0.0.1:{server.server_port}/oai"

    yield start
    for server, thread, app in servers:
        server.shutdown()
        thread.join()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_oai(serve):
    return serve()


def harvest(url: str, method: str = "GET", **args) -> tuple[dict, str]:
    """identifier → record of a whole ListRecords list (sickle follows the tokens), and the first responseDate."""
    records = Sickle(url, http_method=method, max_retries=0, timeout=30).ListRecords(metadataPrefix="oai_dc", **args)
    response_date = records.oai_response.xml.findtext("oai:responseDate", namespaces=NS)
    seen = {}
    for record in records:
        assert record.header.identifier not in seen, "a record came twice"
        seen[record.header.identifier] = record
    return seen, response_date


def ident(item) -> str:
    return f"oai:{REPOSITORY_ID}:item/{item.id}"


def test_full_then_incremental_harvest(live_oai, publish_many, published_item, make_item, make_exhibition, curator,
                                       make_user, db_session):  # fmt: skip
    edited, other, withdrawn = publish_many(3)
    renamed = published_item(terms=["CEDAW"])
    exhibition = make_exhibition(sections=1, entries=1)
    [shown] = [entry.item for entry in exhibition.entries]
    draft = make_item()
    db_session.execute(update(OaiRecord).values(datestamp=datestamps.now() - timedelta(hours=1)))
    db_session.commit()

    full, response_date = harvest(live_oai)
    published = [edited, other, withdrawn, renamed, shown]
    assert set(full) == {ident(item) for item in published} and ident(draft) not in full
    assert not any(record.header.deleted for record in full.values())
    assert full[ident(edited)].metadata["title"] == ["Ảnh tư liệu số 1"]

    set_text(db_session, curator, edited, "en", {"title": "Archival photo"}, edited.version)  # a text
    term = db_session.scalar(select(Term).where(Term.code == "CEDAW"))  # a term's label
    labels = {lang: (text, "reviewed") for lang, text in term.labels.items()} | {"en": ("CEDAW", "draft")}
    reference_editing.update_record(db_session, make_user("admin"), term, labels)
    publish(db_session, curator, exhibition)  # a set: the item now shows in a published exhibition
    apply_transition(db_session, curator, withdrawn, "withdraw", "duplicate")  # a withdrawal
    db_session.commit()

    changed, _date = harvest(live_oai, method="POST", **{"from": response_date})
    assert set(changed) == {ident(edited), ident(renamed), ident(shown), ident(withdrawn)}
    assert changed[ident(withdrawn)].header.deleted
    assert "Archival photo" in changed[ident(edited)].metadata["title"]
    assert f"exhibition:{exhibition.id}" in changed[ident(shown)].header.setSpecs
    with pytest.raises(NoRecordsMatch):
        harvest(live_oai, set=f"exhibition:{exhibition.id}", until="2000-01-01")


@pytest.mark.long
def test_a_larger_harvest_changing_under_the_harvester(serve, db_session, curator):
    """The full size (make test-all): 150 items in pages of 7, with items edited between pages; every record
    present when the list began comes exactly once."""
    drafts = [validate_new_item({"reference_code": f"BULK-{n:04d}", "type": "photo", "terms": ["CRC"],
                                 "texts": {"vi": {"title": f"Ảnh {n}"}}}, SessionLookups(db_session))
              for n in range(150)]  # fmt: skip
    ids = create_items(db_session, curator, drafts)
    db_session.execute(update(Item).where(Item.id.in_(ids)).values(status="published"))
    db_session.commit()
    tracking.rebuild()
    records = Sickle(serve(OAI_PAGE_SIZE=7), max_retries=0, timeout=30).ListIdentifiers(metadataPrefix="oai_dc")
    seen = []
    for number, header in enumerate(records):
        seen.append(header.identifier)
        if number % 20 == 5:  # the archive changes while the harvester pages through
            item = db_session.get(Item, ids[(number * 7) % len(ids)])
            set_text(db_session, curator, item, "en", {"title": f"Edited at {number}"}, item.version)
            db_session.commit()
    assert sorted(seen) == sorted(ident_of(i) for i in ids)


def ident_of(item_id: int) -> str:
    return f"oai:{REPOSITORY_ID}:item/{item_id}"
