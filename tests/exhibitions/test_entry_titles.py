"""An entry's own title for one exhibition, and an exhibition made in any language of its chain."""

import pytest
from sqlalchemy import select

from core.audit import history
from exhibitions.composing import derive_exhibition, differences, pull, update_entry
from exhibitions.models import Exhibition
from exhibitions.reading import build_view

# Titles chosen per exhibition and language, rendered; the services under them are checked on both databases.
pytestmark = pytest.mark.one_database

OWN_FR = "La Déclaration, lue place Ba Đình"


@pytest.fixture
def curator_client(login_as):
    client, _user = login_as("curator")
    client.get("/exhibitions?lang=en")  # the interface in English from now on (a cookie)
    return client


def _fresh(db_session, exhibition_id):
    db_session.rollback()  # the test's snapshot predates the request's commit
    return db_session.get(Exhibition, exhibition_id)


# --- An entry's own title ------------------------------------------------------------------------------


def test_an_own_title_comes_before_the_items_in_its_language_only(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=1, languages=["en", "fr"])
    entry = exhibition.entries[0]
    item_title = entry.item.text_for("vi").title
    update_entry(db_session, curator, entry, {"titles": {"fr": {"text": f"  {OWN_FR} ", "state": "reviewed"}}})
    db_session.commit()
    assert entry.titles == {"fr": {"text": OWN_FR, "state": "reviewed"}}
    french = next(build_view(exhibition, "fr").entries).title
    assert (french.text, french.lang, french.fallback, french.state) == (OWN_FR, "fr", False, "reviewed")
    vietnamese = next(build_view(exhibition, "vi").entries).title
    assert (vietnamese.text, vietnamese.lang) == (item_title, "vi")  # the item's own, elsewhere
    assert entry.item.text_for("fr") is None  # the item is untouched
    event = history(db_session, "exhibition", exhibition.id)[0]
    assert event.action == "update_entry" and event.after["titles"] == {"fr": {"text": OWN_FR, "state": "reviewed"}}
    update_entry(db_session, curator, entry, {"titles": {"fr": {"text": ""}}})  # emptied: the item's again
    db_session.commit()
    assert entry.titles == {} and next(build_view(exhibition, "fr").entries).title.text == item_title


def test_the_entry_form_edits_own_titles_beside_captions(curator_client, db_session, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=1, languages=["en", "fr"])
    entry = exhibition.entries[0]
    url = f"/staff/exhibitions/{exhibition.id}/entries/{entry.id}"
    page = curator_client.get(url).get_data(as_text=True)
    assert "Titles for this exhibition" in page
    for lang in ("vi", "en", "fr"):
        assert f'name="title-{lang}-text"' in page and f'name="caption-{lang}-text"' in page
    saved = curator_client.post(url, data={"panel_number": "1", "title-fr-text": OWN_FR, "title-fr-state": "reviewed",
                                           "caption-fr-text": "Légende"})  # fmt: skip
    assert saved.status_code == 302
    entry = _fresh(db_session, exhibition.id).entries[0]
    assert entry.titles == {"fr": {"text": OWN_FR, "state": "reviewed"}}
    assert entry.captions["fr"]["text"] == "Légende"
    assert f'value="{OWN_FR}"' in curator_client.get(url).get_data(as_text=True).replace("&#39;", "'")
    public = curator_client.get(f"/exhibitions/{exhibition.id}/entries/{entry.id}?lang=fr").get_data(as_text=True)
    assert OWN_FR in public


def test_frameworks_compare_and_pull_own_titles(db_session, curator, make_exhibition):
    framework = make_exhibition(sections=1, entries=2, venue="vn-ha-noi", code="QG26", is_framework=True)
    first = framework.entries[0]
    update_entry(db_session, curator, first, {"titles": {"en": "The framework's own title"}})
    derived = derive_exhibition(db_session, curator, framework, {"venue": "vn-cao-bang"})
    db_session.commit()
    assert derived.entries[0].titles == {"en": {"text": "The framework's own title", "state": "draft"}}
    assert differences(db_session, derived) == []
    update_entry(db_session, curator, first, {"titles": {"en": "A better title", "fr": "Un titre"}})
    update_entry(db_session, curator, derived.entries[1], {"titles": {"vi": "Tên riêng của tỉnh"}})
    db_session.commit()
    found = sorted((d.kind, tuple(d.fields)) for d in differences(db_session, derived))
    assert found == [("framework_changed", ("titles.en", "titles.fr")), ("local_change", ("titles.vi",))]
    [change] = [d for d in differences(db_session, derived) if d.pullable]
    pull(db_session, curator, derived, change.key)
    db_session.commit()
    assert {lang: t["text"] for lang, t in derived.entries[0].titles.items()} == {"en": "A better title",
                                                                                  "fr": "Un titre"}  # fmt: skip
    assert [d.kind for d in differences(db_session, derived)] == ["local_change"]


def test_the_differences_page_names_a_changed_title(curator_client, db_session, curator, make_exhibition):
    framework = make_exhibition(sections=1, entries=1, venue="vn-ha-noi", code="QG26", is_framework=True)
    derived = derive_exhibition(db_session, curator, framework, {"venue": "vn-cao-bang"})
    update_entry(db_session, curator, framework.entries[0], {"titles": {"fr": "Un titre"}})
    db_session.commit()
    page = curator_client.get(f"/staff/exhibitions/{derived.id}/differences").get_data(as_text=True)
    assert "title in French" in page


# --- An exhibition in any language of its chain --------------------------------------------------------


def test_a_new_exhibition_asks_its_title_in_the_primary_language_whichever_it_is(curator_client, db_session):
    form = curator_client.get("/staff/exhibitions/new").get_data(as_text=True)
    assert 'name="texts-primary-title"' in form and "In the primary language" in form
    assert 'name="texts-vi-title"' not in form  # no Vietnamese first
    created = curator_client.post("/staff/exhibitions/new", data={
        "venue": "geneva", "mode": "both", "primary_language": "fr", "languages": "en",
        "fallback_chain": "fr, en, vi", "texts-primary-title": "Les droits de l'homme au Viêt Nam",
        "texts-primary-introduction": "Présentée à Genève.", "texts-primary-state": "reviewed",
    })  # fmt: skip
    assert created.status_code == 302
    db_session.rollback()
    exhibition = db_session.scalar(select(Exhibition).where(Exhibition.code == "GE26"))
    assert [(t.lang, t.title, t.state) for t in exhibition.texts] == [
        ("fr", "Les droits de l'homme au Viêt Nam", "reviewed")]  # fmt: skip
    assert exhibition.text_for("fr").introduction == "Présentée à Genève."
    composer = curator_client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Les droits de l&#39;homme au Viêt Nam" in composer
    settings = curator_client.get(f"/staff/exhibitions/{exhibition.id}/edit").get_data(as_text=True)
    assert 'name="texts-fr-title"' in settings and 'name="texts-en-title"' in settings
    assert 'name="texts-vi-title"' not in settings


def test_a_refused_new_exhibition_comes_back_with_a_tab_for_each_chosen_language(curator_client):
    refused = curator_client.post("/staff/exhibitions/new", data={
        "venue": "geneva", "primary_language": "fr", "languages": "en, xx-!!", "texts-primary-title": "",
        "texts-primary-introduction": "Une introduction sans titre",
    })  # fmt: skip
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "The title in fr is required with its introduction." in page
    assert 'name="texts-fr-title"' in page and 'name="texts-en-title"' in page
    assert "Une introduction sans titre" in page  # what was typed is kept, under its language now
    assert 'name="texts-vi-title"' not in page and 'name="texts-primary-title"' not in page
