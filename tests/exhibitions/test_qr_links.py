"""Short links: every code redirects, survives renames and reorders, counts scans, decodes from its image."""

import re
import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import create_app
from archive.workflow import apply_transition
from core.db import db
from exhibitions import qr, takedown
from exhibitions.composing import archive, move_entry, publish, remove_entry, unpublish, update_entry, update_exhibition
from exhibitions.models import QrLink, QrScanDay, QrScanVisitor, QrTarget
from exhibitions.qr import find_link, link_for


@pytest.fixture(autouse=True)
def english(client):
    """The interface in English unless a test asks for a language (assertions read English)."""
    client.set_cookie("vitrine_lang", "en")


@pytest.fixture
def shown(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=2, entries=2)
    publish(db_session, curator, exhibition)
    db_session.commit()
    return exhibition


def _code(db_session, exhibition, target, target_id=None, lang=None):
    return link_for(db_session, exhibition, target, target_id, lang).code


@pytest.mark.one_database
def test_every_code_redirects_to_its_page_in_its_language(client, db_session, shown):
    links = db_session.scalars(select(QrLink).where(QrLink.exhibition_id == shown.id)).all()
    # vi is primary, en the other language: pages and panels have a code each for both; books one each.
    assert len(links) == 2 + 2 + 4 * 2 + 2
    pages = {(QrTarget.EXHIBITION, None): f"/exhibitions/{shown.id}"}
    pages |= {(QrTarget.SECTION, s.id): f"/exhibitions/{shown.id}/sections/{s.id}" for s in shown.sections}
    pages |= {(QrTarget.ENTRY, e.id): f"/exhibitions/{shown.id}/entries/{e.id}" for e in shown.entries}
    pages |= {(QrTarget.EBOOK, None): f"/exhibitions/{shown.id}/book"}
    for link in links:
        response = client.get(f"/q/{link.code}")
        # A code with no language of its own was printed for the primary one; the language rides as the link's.
        expected = f"{pages[(link.target, link.target_id)]}?link_lang={link.lang or 'vi'}"
        assert response.status_code == 302 and response.headers["Location"] == expected
        assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.one_database
def test_a_code_printed_for_a_language_keeps_it(client, db_session, shown):
    code = _code(db_session, shown, QrTarget.ENTRY, shown.entries[1].id, lang="en")
    db_session.commit()
    location = client.get(f"/q/{code}").headers["Location"]
    assert location == f"/exhibitions/{shown.id}/entries/{shown.entries[1].id}?link_lang=en"


def test_codes_survive_renames_reorders_and_republication(client, db_session, curator, shown):
    entry = shown.entries[0]
    code = _code(db_session, shown, QrTarget.ENTRY, entry.id)
    update_exhibition(db_session, curator, shown, {"texts": {"vi": {"title": "Tên mới của triển lãm"}}}, shown.version)
    update_entry(db_session, curator, entry, {"panel_number": "40"})
    move_entry(db_session, curator, entry, +1)
    move_entry(db_session, curator, entry, +1)  # now first of section 2
    unpublish(db_session, curator, shown)
    db_session.commit()
    assert client.get(f"/q/{code}").status_code == 404  # a draft: a clear page, not the page
    publish(db_session, curator, shown)
    db_session.commit()
    response = client.get(f"/q/{code}")
    assert response.headers["Location"] == f"/exhibitions/{shown.id}/entries/{entry.id}?link_lang=vi"


@pytest.mark.one_database
def test_typed_panel_codes_lead_to_the_same_page(client, db_session, shown):
    entry = shown.entries[2]  # panel 3
    code = _code(db_session, shown, QrTarget.ENTRY, entry.id)
    assert find_link(db_session, "CB26-003").code == code
    assert find_link(db_session, " cb26-3 ").code == code
    # Typed, a panel code (the same on every label) carries no language: the visitor's own holds.
    assert client.get("/q/CB26-003").headers["Location"] == f"/exhibitions/{shown.id}/entries/{entry.id}"
    assert client.get("/q?code=cb26-003").headers["Location"] == f"/exhibitions/{shown.id}/entries/{entry.id}"
    missing = client.get("/q?code=CB26-999")
    assert missing.status_code == 404 and "No panel or page has the code CB26-999" in missing.get_data(True)
    assert client.get("/q").status_code == 200


@pytest.mark.one_database
@pytest.mark.parametrize("bad", ["nope", "CB26-", "ZZ99-001", "x" * 500, "%07", "a b c"])
def test_unknown_codes_get_a_clear_page(client, bad):
    response = client.get(f"/q/{bad}")
    assert response.status_code == 404 and "Check the code printed beside the QR" in response.get_data(True)


def test_unavailable_targets_get_a_clear_page(client, db_session, curator, shown):
    first, second, third = shown.entries[:3]
    codes = [_code(db_session, shown, QrTarget.ENTRY, e.id) for e in (first, second, third)]
    remove_entry(db_session, curator, first)
    apply_transition(db_session, curator, second.item, "withdraw", comment="Quyền tác giả chưa rõ")
    db_session.commit()
    removed, withdrawn = client.get(f"/q/{codes[0]}"), client.get(f"/q/{codes[1]}")
    assert removed.status_code == 410 and "no longer part of the exhibition" in removed.get_data(True)
    assert withdrawn.status_code == 410 and "no longer shown" in withdrawn.get_data(True)
    archive(db_session, curator, shown)
    db_session.commit()
    closed = client.get(f"/q/{codes[2]}")
    assert closed.status_code == 410 and "This exhibition has closed" in closed.get_data(True)
    assert f'href="/exhibitions/{shown.id}?link_lang=vi"' in closed.get_data(True)


def _scan(client, code: str, browser: str = "phone", address: str = "203.0.113.9"):
    return client.get(f"/q/{code}", headers={"User-Agent": browser}, environ_base={"REMOTE_ADDR": address})


def test_scans_are_counted_per_day_once_per_client_without_personal_data(app, app_config, client, db_session, shown):
    code = _code(db_session, shown, QrTarget.EXHIBITION)
    yesterday = date.today() - timedelta(days=1)
    db_session.add(QrScanVisitor(day=yesterday, visitor="0" * 64))
    db_session.commit()
    for _n in range(3):  # a burst from one phone
        assert _scan(client, code).status_code == 302
    _scan(client, code, browser="another phone")
    _scan(client, code, address="198.51.100.7")
    _scan(client, "CB26-001")  # the same phone, another panel
    other_machine = create_app(app_config)  # another web process sharing the database and the secret
    _scan(other_machine.test_client(), code)
    with other_machine.app_context():
        db.engine.dispose()
    db_session.rollback()  # end the test's read snapshot to see what the requests wrote
    rows = db_session.scalars(select(QrScanDay)).all()
    assert {(r.day, r.count) for r in rows} == {(date.today(), 3), (date.today(), 1)}
    assert {c.name for c in QrScanDay.__table__.columns} == {"qr_link_id", "day", "count"}
    # What is kept of who scanned: a keyed hash per client, panel and day, and only today's.
    visitors = db_session.scalars(select(QrScanVisitor)).all()
    assert len(visitors) == 4 and {v.day for v in visitors} == {date.today()}
    assert all(re.fullmatch(r"[0-9a-f]{64}", v.visitor) for v in visitors)
    assert {c.name for c in QrScanVisitor.__table__.columns} == {"day", "visitor"}


def test_the_media_worker_forgets_past_scan_visitors_on_a_day_without_scans(app, db_session, runner):
    yesterday = date.today() - timedelta(days=1)
    db_session.add_all(
        [QrScanVisitor(day=yesterday, visitor="0" * 64), QrScanVisitor(day=date.today(), visitor="1" * 64)]
    )
    db_session.commit()
    result = runner.invoke(args=["media", "worker", "--once"])  # what `make serve` keeps running
    assert result.exit_code == 0 and "housekeeping: forget_past_scan_visitors 1" in result.output, result.output
    db_session.rollback()
    assert [v.day for v in db_session.scalars(select(QrScanVisitor))] == [date.today()]


def test_a_scan_visitor_is_a_keyed_hash_of_code_address_browser_and_day():
    day = date(2026, 12, 7)
    one = qr.scan_visitor("secret", 7, "203.0.113.9", "phone", day)
    assert one == qr.scan_visitor("secret", 7, "203.0.113.9", "phone", day) and len(one) == 64
    others = {qr.scan_visitor("other secret", 7, "203.0.113.9", "phone", day),
              qr.scan_visitor("secret", 8, "203.0.113.9", "phone", day),
              qr.scan_visitor("secret", 7, "198.51.100.7", "phone", day),
              qr.scan_visitor("secret", 7, "203.0.113.9", "tablet", day),
              qr.scan_visitor("secret", 7, "203.0.113.9", "phone", day + timedelta(days=1))}  # fmt: skip
    assert len(others) == 5 and one not in others
    assert "203.0.113.9" not in one and qr.scan_visitor(b"secret", 7, None, None, day) != one


def _decode(path) -> str:
    done = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.one_database
def test_qr_images_decode_to_the_short_link(client, db_session, shown, tmp_path):
    code = _code(db_session, shown, QrTarget.ENTRY, shown.entries[0].id)
    db_session.commit()
    png = client.get(f"/q/{code}.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    (tmp_path / "qr.png").write_bytes(png.data)
    assert _decode(tmp_path / "qr.png") == f"http://vitrine.test/q/{code}"
    by_panel = client.get("/q/CB26-001.png")
    assert by_panel.status_code == 200
    (tmp_path / "panel.png").write_bytes(by_panel.data)
    assert _decode(tmp_path / "panel.png") == f"http://vitrine.test/q/{code}"
    svg = client.get(f"/q/{code}.svg")
    assert svg.mimetype == "image/svg+xml" and svg.data.startswith(b"<?xml") and b"<path" in svg.data
    assert client.get("/q/nothing.png").status_code == 404


def test_a_draft_or_taken_down_exhibitions_qr_images_are_the_staffs(client, db_session, curator, make_exhibition,
                                                                     make_user, login_as):  # fmt: skip
    """Issue 24, part 6 (found by tests/test_leaks.py): a guessed code of an exhibition being prepared or taken
    down drew its QR image for anyone, kept a day by shared caches."""
    draft = make_exhibition(sections=1, entries=1)
    code = _code(db_session, draft, QrTarget.ENTRY, draft.entries[0].id)
    db_session.commit()
    for kind in ("png", "svg"):
        assert client.get(f"/q/{code}.{kind}").status_code == 404
    staff, _user = login_as("curator")
    drawn = staff.get(f"/q/{code}.png")
    assert drawn.status_code == 200 and "public" not in drawn.headers["Cache-Control"]
    publish(db_session, curator, draft)
    db_session.commit()
    shown = client.get(f"/q/{code}.svg")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "public, max-age=86400"
    apply_transition(db_session, curator, draft.entries[0].item, "withdraw", "Rights disputed.")  # its panel's code
    db_session.commit()
    assert client.get(f"/q/{code}.png").status_code == 404
    apply_transition(db_session, make_user("admin"), draft.entries[0].item, "reinstate", "Rights cleared.")
    takedown.take_down(db_session, make_user("admin"), draft, "Shown without consent.")
    db_session.commit()
    assert client.get(f"/q/{code}.png").status_code == 404


@pytest.mark.one_database
def test_a_language_added_later_gets_its_codes(client, db_session, curator, shown):
    update_exhibition(db_session, curator, shown, {"languages": ["en", "fr"]})
    db_session.commit()
    code = _code(db_session, shown, QrTarget.EBOOK, None, lang="fr")
    assert client.get(f"/q/{code}").headers["Location"] == f"/exhibitions/{shown.id}/book?link_lang=fr"
    french = db_session.scalars(select(QrLink).where(QrLink.target == QrTarget.ENTRY, QrLink.lang == "fr")).all()
    assert {link.target_id for link in french} == {e.id for e in shown.entries}
