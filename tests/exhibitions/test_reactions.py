"""Exhibitions react to the archive's events (exhibitions.reactions, core.events)."""

import pytest

from archive.workflow import apply_transition
from core.events import item_status_changed
from exhibitions import publications
from exhibitions.composing import add_entry, archive, publish
from exhibitions.reactions import on_item_status_changed


@pytest.mark.one_database
def test_withdrawing_an_item_forgets_the_built_books_of_the_exhibitions_live_and_archived_showing_it(
    app, db_session, curator, make_exhibition
):
    live, frozen = make_exhibition(sections=1, entries=2), make_exhibition(sections=1, entries=1)
    shown = live.sections[0].entries[0].item
    add_entry(db_session, curator, frozen.sections[0], shown.id)  # the archived one shows it too
    for exhibition in (live, frozen):
        publish(db_session, curator, exhibition)
    db_session.commit()
    archive(db_session, curator, frozen)
    db_session.commit()
    with app.test_request_context():
        book = publications.cached_epub(live, "vi")
        catalogue = publications.cached_catalogue(live, "vi")
        kept = publications.cached_epub(frozen, "vi")
    apply_transition(db_session, curator, shown, "withdraw", comment="Rights withdrawn by the lender.")
    assert book.exists()  # nothing happens before the commit
    db_session.commit()
    assert not book.exists() and not catalogue.exists() and not kept.exists()  # the archived one's too
    with app.test_request_context():
        again = publications.cached_epub(live, "vi")  # built again, a placeholder in the withdrawn item's place
        frozen_again = publications.cached_epub(frozen, "vi")
    assert again.exists() and again.name != book.name and frozen_again.name != kept.name


def test_an_item_moving_outside_publication_changes_nothing_and_a_rollback_nothing(
    app, db_session, curator, make_exhibition, published_item
):
    exhibition = make_exhibition(sections=1, entries=1)
    publish(db_session, curator, exhibition)
    db_session.commit()
    with app.test_request_context():
        book = publications.cached_epub(exhibition, "vi")
    item = exhibition.sections[0].entries[0].item
    apply_transition(db_session, curator, item, "withdraw", comment="A mistake.")
    db_session.rollback()  # the withdrawal is undone: the book stays
    assert book.exists()
    item_status_changed.send(db_session, item_id=item.id, before="draft", after="review")
    db_session.commit()
    assert book.exists()


def test_the_subscription_is_made_by_init_app_once(app):
    receivers = [r() for r in item_status_changed.receivers.values()]
    assert receivers.count(on_item_status_changed) == 1
