"""An item's takedown in the review workflow (archive.workflow): withdrawing with a reason, the reason staff read
back, and the admin's reinstate that undoes it; who may make each move."""

import pytest

from archive.models import ItemStatus
from archive.workflow import apply_transition, available_transitions, takedown_of, taken_down_here
from core.audit import history
from core.errors import Forbidden, ValidationError


@pytest.fixture
def published(db_session, make_item, make_user):
    curator = make_user("curator")
    item = make_item()
    apply_transition(db_session, curator, item, "submit")
    apply_transition(db_session, curator, item, "publish")
    db_session.commit()
    return item, curator


def test_withdrawing_needs_a_reason_which_staff_read_back_with_who_and_when(db_session, published):
    item, curator = published
    assert takedown_of(db_session, item) is None
    with pytest.raises(ValidationError) as caught:
        apply_transition(db_session, curator, item, "withdraw", comment=" ")
    assert caught.value.field == "comment" and item.status == ItemStatus.PUBLISHED
    apply_transition(db_session, curator, item, "withdraw", comment="Quyền tác giả đang tranh chấp")
    db_session.commit()
    down = takedown_of(db_session, item)
    assert (down.by, down.reason, down.action) == (curator.email, "Quyền tác giả đang tranh chấp", "withdraw")
    assert down.at is not None and taken_down_here(db_session, item)


def test_only_an_admin_may_reinstate_and_says_why(db_session, published, make_user):
    item, curator = published
    archivist, admin = make_user("archivist"), make_user("admin")
    assert "withdraw" not in [t.name for t in available_transitions(archivist, item)]
    apply_transition(db_session, curator, item, "withdraw", comment="Sai nguồn")
    assert [t.name for t in available_transitions(curator, item)] == ["restore"]
    assert [t.name for t in available_transitions(admin, item)] == ["reinstate", "restore"]
    assert available_transitions(archivist, item) == []
    with pytest.raises(Forbidden):
        apply_transition(db_session, curator, item, "reinstate", comment="Đã xác minh")
    with pytest.raises(ValidationError):
        apply_transition(db_session, admin, item, "reinstate")
    apply_transition(db_session, admin, item, "reinstate", comment="Đã xác minh nguồn")
    db_session.commit()
    assert item.status == ItemStatus.PUBLISHED and takedown_of(db_session, item) is None
    assert not taken_down_here(db_session, item)
    newest = history(db_session, "item", item.id)[0]
    assert (newest.action, newest.user_id, newest.comment) == ("reinstate", admin.id, "Đã xác minh nguồn")
    assert (newest.before, newest.after) == ({"status": "withdrawn"}, {"status": "published"})
