import hashlib

import pytest
from sqlalchemy import select

from app import create_app
from core.auth import ApiToken, User, authenticate, create_user
from core.db import db
from core.errors import ValidationError
from tests.conftest import PASSWORD


def test_passwords_are_stored_as_argon2id(make_user):
    user = make_user("archivist")
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


@pytest.mark.parametrize(("email", "password", "role", "field"), [
    ("not-an-email", PASSWORD, "archivist", "email"),
    ("a@b.c", "short", "archivist", "password"),
    ("a@b.c", PASSWORD, "emperor", "role"),
])  # fmt: skip
def test_bad_accounts_are_refused(db_session, email, password, role, field):
    with pytest.raises(ValidationError) as caught:
        create_user(db_session, email, password, role)
    assert caught.value.field == field


def test_login_and_logout(client, make_user):
    make_user("curator", email="curator@vitrine.test")
    response = client.post("/login?next=/staff/review", data={"email": "Curator@vitrine.test ", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/review"
    assert client.get("/staff/items").status_code == 200
    assert client.get("/logout").status_code == 405  # only POST, so a link cannot sign anyone out
    client.post("/logout")
    assert client.get("/staff/items").status_code == 302


def test_login_refuses_offsite_next(client, make_user):
    make_user("curator", email="c@vitrine.test")
    response = client.post("/login?next=https://evil.example/", data={"email": "c@vitrine.test", "password": PASSWORD})
    assert response.headers["Location"] == "/staff/items"


def test_wrong_password_and_inactive_user(client, db_session, make_user):
    user = make_user("archivist", email="a@vitrine.test")
    response = client.post("/login?lang=en", data={"email": "a@vitrine.test", "password": "wrong password!"})
    assert response.status_code == 401 and "Wrong email or password" in response.get_data(True)
    user.is_active_flag = False
    db_session.commit()
    assert client.post("/login", data={"email": "a@vitrine.test", "password": PASSWORD}).status_code == 401


def test_login_is_throttled_after_repeated_failures(client, make_user):
    make_user("archivist", email="a@vitrine.test")
    for _ in range(5):
        assert client.post("/login", data={"email": "a@vitrine.test", "password": "nope nope nope"}).status_code == 401
    # Even the right password is refused while throttled.
    response = client.post("/login?lang=en", data={"email": "a@vitrine.test", "password": PASSWORD})
    assert response.status_code == 429 and "Too many failed attempts" in response.get_data(True)


def test_forms_need_a_csrf_token(app_config, make_user):
    app = create_app(app_config | {"WTF_CSRF_ENABLED": True})
    make_user("archivist", email="a@vitrine.test")
    with app.app_context():
        client = app.test_client()
        response = client.post("/login?lang=en", data={"email": "a@vitrine.test", "password": PASSWORD})
        assert response.status_code == 400 and "The form has expired" in response.get_data(True)
        page = client.get("/login").get_data(True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/login", data={"email": "a@vitrine.test", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
        db.session.remove()
        db.engine.dispose()


def test_cli_creates_users_and_tokens_stored_hashed(runner, db_session):
    result = runner.invoke(args=["users", "create", "New@Vitrine.test", "--role", "curator"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.email == "new@vitrine.test"))
    assert user.role == "curator" and authenticate(db_session, "new@vitrine.test", PASSWORD)
    result = runner.invoke(args=["users", "token", "new@vitrine.test"])
    token = result.output.strip()
    assert result.exit_code == 0 and len(token) >= 40
    stored = db_session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash
    bad = runner.invoke(args=["users", "create", "x@vitrine.test", "--role", "curator"], input="short\n")
    assert bad.exit_code != 0 and "12 ký tự" in bad.output  # the CLI speaks the default locale, vi
