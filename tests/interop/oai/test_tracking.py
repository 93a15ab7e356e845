"""Datestamps move exactly when what a record shows moves: texts, a term's label, rights, set memberships,
files, publication; and `flask oai rebuild` recomputes them."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from archive import reference_editing
from archive.models import Term
from archive.services import set_text, update_item
from archive.workflow import apply_transition
from core.db import db
from exhibitions.composing import archive, publish, unpublish
from interop.oai import datestamps
from interop.oai.models import OaiRecord, OaiRecordSet, OaiTask


def record(item_id) -> OaiRecord:
    db.session.commit()  # read afresh
    return db.session.get(OaiRecord, item_id)


def specs(item_id) -> set[str]:
    return set(db.session.scalars(select(OaiRecordSet.spec).where(OaiRecordSet.item_id == item_id)))


@pytest.fixture
def aged(db_session):
    """Set every record's datestamp back an hour, so a test sees which move."""

    def age():
        db_session.execute(update(OaiRecord).values(datestamp=datestamps.now() - timedelta(hours=1)))
        db_session.commit()
        return datestamps.now() - timedelta(minutes=1)

    return age


def moved(item, since) -> bool:
    return datestamps.as_utc(record(item.id).datestamp) > since


def test_a_published_item_gets_a_record_and_a_draft_none(published_item, make_item):
    item, draft = published_item(), make_item()
    assert not record(item.id).deleted
    assert {"type", "type:photo", "convention", "convention:ICCPR"} <= specs(item.id)
    assert record(draft.id) is None
    assert db.session.scalar(select(OaiTask.id)) is None  # every task applied


def test_texts_and_rights_move_the_datestamp_and_an_idle_save_does_not(published_item, curator, aged):
    item, other = published_item(), published_item()
    since = aged()
    update_item(db.session, curator, item, {"creator": None}, None)  # the same value: nothing shown changes
    db.session.commit()
    assert not moved(item, since)
    set_text(db.session, curator, item, "en", {"title": "Archival photo"}, item.version)
    db.session.commit()
    assert moved(item, since) and not moved(other, since)
    since = aged()
    update_item(db.session, curator, item, {"rights": "CC BY 4.0"}, None)
    db.session.commit()
    assert moved(item, since)


def test_a_term_label_moves_the_records_that_name_it(published_item, make_user, aged):
    tagged, untagged = published_item(terms=["CEDAW"]), published_item(terms=["CRC"])
    since = aged()
    term = db.session.scalar(select(Term).where(Term.code == "CEDAW"))
    labels = {lang: (text, "reviewed") for lang, text in term.labels.items()} | {"en": ("CEDAW (women)", "draft")}
    reference_editing.update_record(db.session, make_user("admin"), term, labels)
    db.session.commit()
    assert moved(tagged, since) and not moved(untagged, since)


def test_exhibitions_move_their_items_in_and_out_of_sets(make_exhibition, db_session, curator, aged):
    exhibition = make_exhibition(sections=1, entries=2)
    shown = [entry.item for entry in exhibition.entries]
    since = aged()
    publish(db_session, curator, exhibition)
    db_session.commit()
    assert all(moved(item, since) for item in shown)
    assert all(f"exhibition:{exhibition.id}" in specs(item.id) for item in shown)
    since = aged()
    unpublish(db_session, curator, exhibition)
    db_session.commit()
    assert all(moved(item, since) and f"exhibition:{exhibition.id}" not in specs(item.id) for item in shown)
    publish(db_session, curator, exhibition)
    db_session.commit()
    since = aged()
    archive(db_session, curator, exhibition)  # still shown to the public, as it was: still a set
    db_session.commit()
    assert not any(moved(item, since) for item in shown)


def test_a_withdrawn_item_is_deleted_and_keeps_its_sets(published_item, curator, aged):
    item = published_item()
    before = specs(item.id)
    since = aged()
    apply_transition(db.session, curator, item, "withdraw", "wrong scan")
    db.session.commit()
    found = record(item.id)
    assert found.deleted and moved(item, since) and specs(item.id) == before


def test_rebuild_recomputes_and_keeps_unchanged_datestamps(published_item, runner, db_session):
    kept, lost = published_item(), published_item()
    db_session.execute(OaiRecord.__table__.delete().where(OaiRecord.item_id == lost.id))
    db_session.commit()
    stamp = record(kept.id).datestamp
    result = runner.invoke(args=["oai", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "1 with a new datestamp" in result.output
    assert record(kept.id).datestamp == stamp and record(lost.id) is not None


def test_response_date_waits_for_an_apply_under_way(oai, db_session):
    from interop.oai.identifiers import settings

    begun = datestamps.now() - timedelta(seconds=30)
    settings(db_session).applying_since = begun
    db_session.commit()
    root = oai(verb="Identify")
    assert root.findtext("{http://www.openarchives.org/OAI/2.0/}responseDate") == datestamps.format_datestamp(begun)
    settings(db_session).applying_since = begun - timedelta(hours=1)  # a lease its applier left: ignored
    db_session.commit()
    assert oai(verb="Identify").findtext("{http://www.openarchives.org/OAI/2.0/}responseDate") > "2026"
    assert oai(verb="Identify").findtext(
        "{http://www.openarchives.org/OAI/2.0/}responseDate"
    ) != datestamps.format_datestamp(begun - timedelta(hours=1))
