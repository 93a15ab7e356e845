"""An item's history, readable: the item's fields named and valued in the reader's language."""

import io

from flask_babel import force_locale, format_datetime, format_decimal
from PIL import Image
from sqlalchemy import select

from archive.history import item_history
from archive.media import Upload, attach_media
from archive.models import Place, Term
from archive.services import update_item
from archive.workflow import apply_transition
from core.audit import history as history_of
from core.i18n import localized
from core.storage import get_storage

TRANSCRIPTION = "Hỡi đồng bào cả nước, tất cả mọi người đều sinh ra có quyền bình đẳng. " * 2000  # ~150 KB


def _rows(entry) -> dict:
    return {c.label: (c.before.text, c.after.text) for c in entry.changes}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 90, 160)).save(out, "PNG")
    return out.getvalue()


def _edited(db_session, make_item, make_user):
    """An item created, edited (place, subjects, texts in two languages), submitted, given a file."""
    curator = make_user("curator")
    item = make_item(texts={"vi": {"title": "Lễ đọc Tuyên ngôn", "transcription": TRANSCRIPTION}})
    changed = TRANSCRIPTION.replace("bình đẳng", "BÌNH ĐẲNG", 1)
    update_item(db_session, curator, item, {
        "place": "vn-cao-bang", "terms": ["ICCPR", "CRC"],
        "texts": {"vi": {"title": "Lễ đọc Tuyên ngôn Độc lập", "transcription": changed, "state": "reviewed"},
                  "fr": {"title": "Lecture de la Déclaration d'indépendance"}},
    }, item.version)  # fmt: skip
    apply_transition(db_session, curator, item, "submit")
    attach_media(db_session, get_storage(), curator, item, [Upload("tuyen-ngon.png", io.BytesIO(_png()))])
    db_session.commit()
    return item, curator


def _place(db_session, code, lang):
    return localized(db_session.scalar(select(Place.names).where(Place.code == code)), lang)


def _term(db_session, code, lang):
    return localized(db_session.scalar(select(Term.labels).where(Term.code == code)), lang)


def test_item_history_names_fields_and_values_in_the_readers_language(db_session, make_item, make_user):
    item, curator = _edited(db_session, make_item, make_user)
    with force_locale("fr"):
        attached, submitted, edited, created = item_history(db_session, item)
    assert [e.action_label for e in (attached, submitted, edited, created)] == [
        "Modifié", "Soumettre à la relecture", "Modifié", "Créé"]  # fmt: skip
    assert edited.who == curator.email and created.who == item.created_by.email
    assert _rows(attached) == {"Fichiers": ("—", "tuyen-ngon.png")}
    assert _rows(submitted) == {"Statut": ("brouillon", "en relecture")}
    rows = _rows(edited)
    assert rows["Lieu"] == (_place(db_session, "vn-ha-noi", "fr"), _place(db_session, "vn-cao-bang", "fr"))
    iccpr, crc = _term(db_session, "ICCPR", "fr"), _term(db_session, "CRC", "fr")
    assert rows["Sujets"] == (iccpr, f"{iccpr}, {crc}")
    assert rows["Titre (vietnamien)"] == ("Lễ đọc Tuyên ngôn", "Lễ đọc Tuyên ngôn Độc lập")
    assert rows["État du texte (vietnamien)"] == ("Brouillon", "Relu")
    assert rows["Titre (français)"] == ("—", "Lecture de la Déclaration d'indépendance")
    before, after = rows["Transcription (vietnamien)"]
    assert "BÌNH ĐẲNG" in after and "bình đẳng" in before and len(after) < 200  # the passage, not 150 KB

    with force_locale("vi"):
        rows = _rows(item_history(db_session, item)[2])
    assert rows["Địa danh"] == (_place(db_session, "vn-ha-noi", "vi"), _place(db_session, "vn-cao-bang", "vi"))
    assert rows["Nhan đề (tiếng Pháp)"] == ("—", "Lecture de la Déclaration d'indépendance")


def _history_section(html: str) -> str:
    return html[
        html.index('<section class="history"') : html.index("</section>", html.index('<section class="history"'))
    ]


def test_staff_item_page_shows_the_history_readably_in_french_and_vietnamese(login_as, db_session, make_item,
                                                                             make_user):  # fmt: skip
    item, curator = _edited(db_session, make_item, make_user)
    client, _archivist = login_as("archivist")  # every staff member reads an item's history
    french = client.get(f"/staff/items/{item.id}?lang=fr").get_data(as_text=True)
    history = _history_section(french)
    assert "<h2>Historique</h2>" in history
    assert '<th scope="row">Lieu</th>' in history and _place(db_session, "vn-cao-bang", "fr") in history
    assert '<th scope="row">Statut</th><td>brouillon</td><td>en relecture</td>' in history
    assert '<span lang="fr">Lecture de la Déclaration d&#39;indépendance</span>' in history  # under "Titre (français)"
    with force_locale("fr"):
        length = format_decimal(len(TRANSCRIPTION.strip()))
        when = format_datetime(history_of(db_session, "item", item.id)[0].at, "medium")
    assert f"(abrégé ; {length} caractères en tout)" in history
    assert f">{when}</time> · {curator.email} · <strong>Modifié</strong>" in history  # when, who, what
    # Not the raw record: no Python lists, codes or the whole transcription.
    assert "['" not in history and "vn-cao-bang" not in history and "ICCPR" not in history
    assert TRANSCRIPTION[:5000] not in french and len(french) < 60_000

    vietnamese = _history_section(client.get(f"/staff/items/{item.id}?lang=vi").get_data(as_text=True))
    assert "Lịch sử thay đổi" in vietnamese and '<th scope="row">Địa danh</th>' in vietnamese
    assert '<th scope="row">Trạng thái</th><td>bản nháp</td><td>chờ duyệt</td>' in vietnamese
    assert "Nhan đề (tiếng Pháp)" in vietnamese and "rút gọn" in vietnamese


def test_rights_read_by_their_names_and_free_text_from_before_as_written(db_session, make_item, make_user):
    curator = make_user("curator")
    item = make_item(rights="CNE", rights_note="Ảnh gia đình tặng", rights_flagged=True)
    update_item(db_session, curator, item, {"rights": "CC BY 4.0"}, None)
    db_session.commit()
    old = history_of(db_session, "item", item.id)[-1]  # an event from before 0010 held the rights as free text
    old.after = old.after | {"rights": "© TTXVN"}
    with force_locale("fr"):
        edited, created = item_history(db_session, item)
    assert _rows(edited) == {
        "Droits": ("Droit d'auteur non évalué", "Creative Commons Attribution 4.0 International (CC BY 4.0)"),
        "Droits à vérifier": ("oui", "—"),  # flagged only while set
    }
    assert ("Droits", ("—", "© TTXVN")) in _rows(created).items()
