"""An exhibition's history, readable, on a staff page of its own (not an API route)."""

from datetime import date

import pytest
from flask_babel import force_locale, format_date
from sqlalchemy import select

from archive.models import Place
from core.i18n import localized
from exhibitions.composing import (
    move_entry,
    move_section,
    publish,
    remove_section,
    update_entry,
    update_exhibition,
    update_section,
)
from exhibitions.web.history import exhibition_history
from tests.conftest import PASSWORD


def _rows(entry) -> dict:
    return {c.label: (c.before.text, c.after.text) for c in entry.changes}


def _about(entry) -> dict:
    return {f.label: f.value.text for f in entry.about}


def _composed(db_session, make_exhibition, curator):
    """An exhibition whose sections, panels, settings and status were all changed."""
    exhibition = make_exhibition(sections=2, entries=2, user=curator)
    first, second = exhibition.sections
    update_section(db_session, curator, first, {"vi": {"title": "Quyền trẻ em", "body": "Lời dẫn. " * 2000},
                                                "fr": {"title": "Droits de l'enfant"}})  # fmt: skip
    move_section(db_session, curator, second, -1)
    a, c = first.entries[0], second.entries[0]
    update_entry(db_session, curator, a, {"panel_number": "7", "captions": {"fr": "L'affiche"}})
    move_entry(db_session, curator, c, 1)
    update_exhibition(db_session, curator, exhibition, {"opens_on": "2026-10-01", "languages": ["en", "fr"],
                                                        "venue": "geneva", "is_framework": True})  # fmt: skip
    publish(db_session, curator, exhibition)
    remove_section(db_session, curator, second)
    db_session.commit()
    return exhibition


def test_exhibition_history_reads_in_the_readers_language(db_session, make_exhibition, curator):
    exhibition = _composed(db_session, make_exhibition, curator)
    with force_locale("fr"):
        entries = exhibition_history(db_session, exhibition)
        removed, published, updated, arranged, entry, moved, texts = entries[:7]
        opens = (format_date(date(2026, 9, 1), "medium"), format_date(date(2026, 10, 1), "medium"))
    assert [e.action_label for e in entries[:7]] == [
        "Section supprimée", "Publiée", "Paramètres et textes modifiés", "Panneaux réordonnés", "Panneau modifié",
        "Section déplacée", "Textes de la section modifiés"]  # fmt: skip
    assert entries[-1].action_label == "Créée" and {e.who for e in entries} == {curator.email}

    assert _rows(removed)["Section"] == ("Phần 2 (n'est plus dans l'exposition)", "—")
    assert _rows(removed)["Titre (anglais)"] == ("Part 2", "—")
    assert _rows(published) == {"Statut": ("brouillon", "publiée")}
    rows = _rows(updated)
    geneva = localized(db_session.scalar(select(Place.names).where(Place.code == "geneva")), "fr")
    assert rows["Lieu"][1] == geneva and rows["Date d'ouverture"] == opens
    assert rows["Autres langues"] == ("Anglais", "Anglais, Français")
    assert rows["Cadre de contenu"] == ("non", "oui")
    # Panels by number, section by section as they stood; those removed since as their events last said.
    assert _rows(arranged) == {"Ordre des panneaux": ("Section 1\u00a0: 3, 4; Section 2\u00a0: 7, 2",
                                                      "Section 1\u00a0: 4, 3; Section 2\u00a0: 7, 2")}  # fmt: skip
    assert _about(entry) == {"Élément": exhibition.entries[0].item.reference_code}
    assert _rows(entry)["Numéro de panneau"][1] == "7"
    assert _rows(entry)["Légende (français)"] == ("—", "L'affiche")
    assert _about(moved) == {"Section": "Phần 2 (n'est plus dans l'exposition)"}
    assert _rows(moved) == {"Position": ("2", "1")}
    assert _about(texts) == {"Section": "1. Quyền trẻ em"}
    body_before, body_after = _rows(texts)["Texte de la section (vietnamien)"]
    assert body_before == "—" and body_after.startswith("Lời dẫn.") and len(body_after) < 200
    assert [c.after.length for c in texts.changes if c.after.shortened] == [len(("Lời dẫn. " * 2000).strip())]

    with force_locale("vi"):
        removed, published = exhibition_history(db_session, exhibition)[:2]
    assert removed.action_label == "Xóa phần" and _rows(published) == {"Trạng thái": ("bản nháp", "đã công bố")}


@pytest.mark.one_database
def test_history_page_in_vietnamese_and_french(db_session, make_user, make_exhibition, app):
    curator = make_user("curator")
    exhibition = _composed(db_session, make_exhibition, curator)
    client = app.test_client()
    client.post("/login", data={"email": curator.email, "password": PASSWORD})

    composer = client.get(f"/staff/exhibitions/{exhibition.id}?lang=fr").get_data(as_text=True)
    assert f'<a href="/staff/exhibitions/{exhibition.id}/history">Historique</a>' in composer

    french = client.get(f"/staff/exhibitions/{exhibition.id}/history?lang=fr")
    assert french.status_code == 200
    page = french.get_data(as_text=True)
    assert f"<h1>Historique de {exhibition.code}</h1>" in page
    assert "<strong>Textes de la section modifiés</strong> · Section\u00a0: 1. Quyền trẻ em" in page
    assert '<th scope="row">Statut</th><td>brouillon</td><td>publiée</td>' in page
    assert '<th scope="row">Légende (français)</th><td>—</td><td><span lang="fr">L&#39;affiche</span></td>' in page
    assert "abrégé" in page and ("Lời dẫn. " * 100) not in page
    assert "{'" not in page and "['" not in page and "None" not in page

    vietnamese = client.get(f"/staff/exhibitions/{exhibition.id}/history?lang=vi").get_data(as_text=True)
    assert f"<h1>Lịch sử thay đổi của {exhibition.code}</h1>" in vietnamese
    assert "<strong>Di chuyển phần</strong>" in vietnamese and "<strong>Sắp xếp lại các pa-nô</strong>" in vietnamese
    assert '<th scope="row">Trạng thái</th><td>bản nháp</td><td>đã công bố</td>' in vietnamese
    assert '<th scope="row">Chú thích (tiếng Pháp)</th>' in vietnamese


@pytest.mark.one_database
def test_history_page_is_for_those_who_compose_exhibitions(login_as, client, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=1)
    url = f"/staff/exhibitions/{exhibition.id}/history"
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    archivist, _user = login_as("archivist")
    assert archivist.get(url).status_code == 403  # archivists do not compose exhibitions
    curator, _user = login_as("curator")
    assert curator.get(url).status_code == 200
    assert curator.get("/staff/exhibitions/99999/history").status_code == 404
    assert curator.get(f"/staff/exhibitions/{2**40}/history").status_code == 404


@pytest.mark.one_database
def test_the_history_is_no_api_route(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert not [path for path in paths if "exhibitions" in path and "history" in path]
