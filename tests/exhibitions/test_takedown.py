"""Takedown in exhibitions: taking an exhibition down and undoing it (exhibitions.takedown), what the reading view
shows of a withdrawn item in a live and in an archived exhibition (its snapshot untouched), where its codes lead,
and the built publications forgotten once a takedown commits. The walk over every public surface is
tests/test_takedown.py."""

import copy
from pathlib import Path

import pytest

from archive.workflow import apply_transition
from core.audit import history
from core.auth import issue_token
from core.errors import Forbidden, Gone, ValidationError
from exhibitions import qr, reading, takedown
from exhibitions.composing import archive, publish
from exhibitions.models import QrLink, QrTarget

# The queries under these (shown_to_public, the statuses a frozen view is shown with) run on both databases in
# tests/test_takedown.py, which walks the public surfaces; here, the rules.
pytestmark = pytest.mark.one_database


@pytest.fixture
def shown(db_session, curator, make_exhibition):
    """A published exhibition of one section of two items."""
    exhibition = make_exhibition(sections=1, entries=2)
    publish(db_session, curator, exhibition)
    db_session.commit()
    return exhibition


@pytest.fixture
def admin(make_user):
    return make_user("admin")


def test_only_an_admin_takes_a_public_exhibition_down_with_a_reason(db_session, curator, admin, shown,
                                                                    make_exhibition):  # fmt: skip
    with pytest.raises(Forbidden):
        takedown.take_down(db_session, curator, shown, "Không được phép")
    for reason, field in (("", "reason"), (" \n ", "reason"), ("x" * 5001, "reason"), ("a\x07b", "reason")):
        with pytest.raises(ValidationError) as caught:
            takedown.take_down(db_session, admin, shown, reason)
        assert caught.value.field == field
    with pytest.raises(ValidationError, match="nháp"):
        takedown.take_down(db_session, admin, make_exhibition(), "Bản nháp")
    with pytest.raises(ValidationError, match="không bị rút"):
        takedown.undo_takedown(db_session, admin, shown, "Chưa gỡ")
    takedown.take_down(db_session, admin, shown, "Trưng bày khi chưa có sự đồng ý\r\ncủa gia đình")
    db_session.commit()
    assert shown.taken_down and shown.status == "published"  # its status stays
    with pytest.raises(ValidationError, match="rồi"):
        takedown.take_down(db_session, admin, shown, "Lần nữa")
    down = takedown.takedown_of(db_session, shown)
    assert (down.by, down.reason) == (admin.email, "Trưng bày khi chưa có sự đồng ý\ncủa gia đình")
    event = history(db_session, "exhibition", shown.id)[0]
    assert (event.action, event.before, event.after) == ("take_down", {"taken_down": False}, {"taken_down": True})


def test_a_taken_down_exhibition_is_gone_for_the_public_and_a_preview_for_staff(db_session, admin, shown):
    takedown.take_down(db_session, admin, shown, "Vi phạm quyền hình ảnh")
    db_session.commit()
    with pytest.raises(Gone):
        reading.get_visible(db_session, shown.id, staff=False)
    assert reading.get_visible(db_session, shown.id, staff=True) is shown
    assert reading.view_for(shown, "vi").withdrawn
    assert reading.list_exhibitions(db_session, {}, 1, 20, public=True).total == 0
    assert reading.list_exhibitions(db_session, {}, 1, 20, public=False).total == 1
    assert reading.showing_item(db_session, shown.entries[0].item_id, "vi") == []
    assert qr.resolve(db_session, _link(db_session, shown)).state == "taken_down"
    takedown.undo_takedown(db_session, admin, shown, "Gia đình đã đồng ý")
    db_session.commit()
    assert not shown.taken_down and reading.get_visible(db_session, shown.id, staff=False) is shown
    assert qr.resolve(db_session, _link(db_session, shown)).state == "ok"
    assert [e.action for e in history(db_session, "exhibition", shown.id)][:2] == ["undo_takedown", "take_down"]


def _link(db_session, exhibition, target=QrTarget.EXHIBITION, target_id=None) -> QrLink:
    return next(link for link in qr.links_of(db_session, exhibition)
                if link.target == target and link.target_id == target_id and link.lang is None)  # fmt: skip


def test_a_withdrawn_item_is_a_placeholder_live_and_archived_its_snapshot_untouched(db_session, curator, admin,
                                                                                    shown):  # fmt: skip
    withdrawn, kept = shown.entries
    archive(db_session, curator, shown)
    db_session.commit()
    frozen = copy.deepcopy(shown.frozen)
    apply_transition(db_session, curator, withdrawn.item, "withdraw", comment="Sai chú thích")
    db_session.commit()
    view = reading.view_for(shown, "vi")
    placeholder, other = view.entries
    assert placeholder.withdrawn and placeholder.item_id is None and placeholder.image is None
    assert (placeholder.reference_code, placeholder.title.text, placeholder.caption.text, placeholder.qr) == (
        "", None, None, None)  # fmt: skip
    assert placeholder.panel_number == withdrawn.panel_number and not other.withdrawn
    assert shown.frozen == frozen  # applied when shown, never written into what was frozen
    staff = reading.view_for(shown, "vi", public=False)
    assert [e.withdrawn for e in staff.entries] == [False, False]  # staff read what was frozen
    assert view.find_entry(kept.id)[2:] == (None, None)  # a placeholder has no page to lead to
    code = _link(db_session, shown, QrTarget.ENTRY, withdrawn.id)
    assert qr.resolve(db_session, code).state == "withdrawn"  # not "archived": the item is what is gone
    apply_transition(db_session, admin, withdrawn.item, "reinstate", comment="Đã sửa")
    db_session.commit()
    assert not any(e.withdrawn for e in reading.view_for(shown, "vi").entries)  # as it was frozen


def test_a_draft_item_in_a_live_exhibition_is_left_out_a_withdrawn_one_stands_in(db_session, curator, shown):
    first, second = shown.entries
    apply_transition(db_session, curator, first.item, "withdraw", comment="Kiểm tra lại")
    apply_transition(db_session, curator, second.item, "withdraw", comment="Kiểm tra lại")
    apply_transition(db_session, curator, second.item, "restore")  # back to draft: not shown, no stand-in
    db_session.commit()
    assert [(e.id, e.withdrawn) for e in reading.view_for(shown, "vi").entries] == [(first.id, True)]
    assert len(list(reading.view_for(shown, "vi", public=False).entries)) == 2


def test_taking_down_forgets_the_built_publications_once_it_commits(app, db_session, admin, shown):
    # A file named as a built book is (publications.cache): building one is the e-book tests' job.
    book = Path(app.config["PUBLICATIONS_DIR"]) / str(shown.id) / "vi-0123456789abcdef.epub"
    book.parent.mkdir(parents=True)
    book.write_bytes(b"PK")
    takedown.take_down(db_session, admin, shown, "Gỡ khẩn cấp")
    assert book.exists()  # nothing before the commit
    db_session.rollback()
    assert book.exists()  # nor after a rollback
    takedown.take_down(db_session, admin, shown, "Gỡ khẩn cấp")
    db_session.commit()
    assert not book.exists()


def test_the_api_takes_down_and_undoes_for_an_admin_only(client, db_session, make_user, shown):
    def headers(role):
        token = issue_token(db_session, make_user(role))
        db_session.commit()
        return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    path = f"/api/v1/exhibitions/{shown.id}"
    refused = client.post(f"{path}/takedown", json={"reason": "Not mine"}, headers=headers("curator"))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    admin = headers("admin")
    assert client.post(f"{path}/takedown", json={}, headers=admin).status_code == 422  # the reason is required
    done = client.post(f"{path}/takedown", json={"reason": "Rights disputed"}, headers=admin)
    assert done.status_code == 200 and done.json["withdrawn_at"] is not None
    assert client.get(path).status_code == 410 and client.get(path, headers=admin).status_code == 200
    back = client.post(f"{path}/undo_takedown", json={"reason": "Rights cleared"}, headers=admin)
    assert back.status_code == 200 and back.json["withdrawn_at"] is None and client.get(path).status_code == 200
