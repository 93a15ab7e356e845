"""API tokens (core.auth, core.api): scopes checked per operation, an expiry, revoked per user."""

from datetime import UTC, timedelta

import pytest
from sqlalchemy import select, update

from core.accounts import COMMAND_LINE, revoke_access
from core.api import require_scope, token_required
from core.auth import ApiToken, Scope, issue_token
from core.db import utcnow
from core.errors import ValidationError

NEW_ITEM = {"reference_code": "SCOPE-0001", "type": "photo",
            "texts": {"vi": {"title": "Ảnh thử phạm vi", "description": "Mô tả"}}}  # fmt: skip


def aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_read_token_reads_and_may_not_write(app, db_session, make_user, make_item):
    user = make_user("archivist")
    item = make_item(user=user)
    read, write = issue_token(db_session, user, [Scope.READ]), issue_token(db_session, user, [Scope.WRITE])
    db_session.commit()
    client = app.test_client()
    assert client.get(f"/api/v1/items/{item.id}/history", headers=bearer(read)).status_code == 200
    refused = client.post("/api/v1/items?lang=en", json=NEW_ITEM, headers=bearer(read))
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "insufficient_scope" and "write" in refused.json["error"]["message"]
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    assert client.post("/api/v1/items", json=NEW_ITEM, headers=bearer(write)).status_code == 201  # write has read too
    assert client.get(f"/api/v1/items/{item.id}/history", headers=bearer(write)).status_code == 200


def test_tokens_are_kept_with_their_scopes_and_expiry(app, db_session, make_user):
    user, admin = make_user("archivist"), make_user("admin")
    issue_token(db_session, user, [Scope.READ], days=7)
    issue_token(db_session, admin, [Scope.ADMIN])
    rows = db_session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
    assert [row.scopes for row in rows] == ["read", "read admin"]
    assert abs(aware(rows[0].expires_at) - (utcnow() + timedelta(days=7))) < timedelta(minutes=1)
    days = app.config["API_TOKEN_DAYS"]
    assert abs(aware(rows[1].expires_at) - (utcnow() + timedelta(days=days))) < timedelta(minutes=1)
    with pytest.raises(ValidationError):
        issue_token(db_session, user, [Scope.ADMIN])  # only an admin's token may act as one
    for bad in (["root"], None):
        with pytest.raises(ValidationError):
            issue_token(db_session, user, bad or [Scope.READ], days=0 if bad is None else None)


def test_an_expired_token_is_refused(app, db_session, make_user, make_item):
    user = make_user("archivist")
    history = f"/api/v1/items/{make_item(user=user).id}/history"
    token = issue_token(db_session, user)
    db_session.commit()
    assert app.test_client().get(history, headers=bearer(token)).status_code == 200
    db_session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    response = app.test_client().get(history + "?lang=en", headers=bearer(token))
    assert response.status_code == 401 and "has expired" in response.json["error"]["message"]


def test_revoking_a_user_deletes_every_token(app, db_session, make_user, make_item):
    user, other = make_user("archivist"), make_user("archivist")
    history = f"/api/v1/items/{make_item(user=user).id}/history"
    tokens = [issue_token(db_session, user, [Scope.READ]), issue_token(db_session, user)]
    kept = issue_token(db_session, other)
    db_session.commit()
    assert revoke_access(db_session, COMMAND_LINE, user) == (0, 2)
    db_session.commit()
    assert [app.test_client().get(history, headers=bearer(t)).status_code for t in tokens] == [401, 401]
    assert app.test_client().get(history, headers=bearer(kept)).status_code == 200


def test_an_admin_operation_needs_the_admin_scope(app, db_session, make_user):
    @token_required(scope=Scope.ADMIN)
    def admin_only(user):
        return {"admin": user.email}

    app.add_url_rule("/api/v1/test-admin-only", "test_admin_only", admin_only)
    admin = make_user("admin")
    plain, full = issue_token(db_session, admin), issue_token(db_session, admin, [Scope.WRITE, Scope.ADMIN])
    db_session.commit()
    client = app.test_client()
    assert client.get("/api/v1/test-admin-only", headers=bearer(plain)).status_code == 403
    assert client.get("/api/v1/test-admin-only", headers=bearer(full)).json == {"admin": admin.email}
    assert client.get("/api/v1/test-admin-only").status_code == 401
    with app.test_request_context("/api/v1/items", method="POST"):
        require_scope()  # no token: nothing to check (the view's own guard answers 401)


def test_the_cli_gives_a_read_token_unless_asked(runner, db_session, make_user):
    user = make_user("admin", email="ops@vitrine.test")
    assert runner.invoke(args=["users", "token", user.email]).exit_code == 0
    result = runner.invoke(args=["users", "token", user.email, "--scope", "write", "--scope", "admin", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["users", "token", user.email, "--days", "0"]).exit_code != 0
    db_session.rollback()
    rows = db_session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)).all()
    assert [row.scopes for row in rows] == ["read", "read write admin"]


def test_the_admins_page_shows_each_tokens_scopes_and_expiry(login_as, db_session):
    admin, me = login_as("admin")
    issue_token(db_session, me, [Scope.READ], days=30)
    db_session.commit()
    page = admin.get(f"/staff/admin/users/{me.id}?lang=fr").get_data(True)
    assert "portées : read" in page and "valable jusqu’au" in page
