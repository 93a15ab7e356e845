"""The password policy (core.auth.validate_password): 12 characters at least, none of the 20,000
commonest passwords (Django's list, kept with its licence), on every path that sets a password."""

import gzip
from pathlib import Path

import pytest
from flask_babel import force_locale

from core import accounts
from core.auth import MIN_PASSWORD_LENGTH, common_passwords, validate_password
from core.errors import ValidationError
from tests.conftest import PASSWORD

COMMON = "Q1W2E3R4T5Y6"  # in the list, which is lower-cased: refused in any case
GOOD = "the river at dawn, twice"


def test_short_and_common_passwords_are_refused_and_others_pass(app):
    with app.test_request_context():
        for password in ["", "x" * 11, "q1w2e3r4t5y6", COMMON, f"  {COMMON} ", "1qaz2wsx3edc"]:
            with pytest.raises(ValidationError) as refused:
                validate_password(password)
            assert refused.value.field == "password"
        for password in [GOOD, "x" * MIN_PASSWORD_LENGTH, PASSWORD]:
            validate_password(password)


def test_the_list_is_djangos_twenty_thousand_with_its_notice():
    folder = Path(__file__).parents[2] / "core" / "data"
    with gzip.open(folder / "common-passwords.txt.gz", "rt", encoding="utf-8") as lines:
        assert sum(1 for _line in lines) == 20_000
    assert len(common_passwords()) == 19_729 and "password" in common_passwords()  # the file repeats a few
    notice = (folder / "common-passwords.LICENSE").read_text()
    assert "Django Software Foundation" in notice and "Redistribution and use" in notice


def test_the_messages_are_translated(app):
    seen = {}
    for language in ("vi", "en", "fr"):
        with app.test_request_context(), force_locale(language):
            for password in ("short", COMMON):
                with pytest.raises(ValidationError) as refused:
                    validate_password(password)
                seen[language, password] = refused.value.message
    assert "12 ký tự" in seen["vi", "short"] and "quá phổ biến" in seen["vi", COMMON]
    assert "12 characters" in seen["en", "short"] and "too common" in seen["en", COMMON]
    assert "12 caractères" in seen["fr", "short"] and "trop courant" in seen["fr", COMMON]


def test_a_link_refuses_a_common_password(db_session, make_user):
    admin = make_user("admin")
    link = accounts.invite_user(db_session, admin, "new@vitrine.test", "curator")
    db_session.commit()
    with pytest.raises(ValidationError):
        accounts.redeem_link(db_session, accounts.usable_link(db_session, token=link.token), COMMON)


def test_ones_own_password_page_refuses_a_common_password(app, make_user):
    user = make_user("archivist")
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    response = client.post("/account?lang=fr", data={"current_password": PASSWORD, "password": COMMON,
                                                      "confirmation": COMMON})  # fmt: skip
    assert response.status_code == 422 and "trop courant" in response.get_data(True)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302  # unchanged


def test_the_command_line_refuses_a_common_password(runner):
    result = runner.invoke(args=["users", "create", "ops@vitrine.test", "--role", "admin"], input=COMMON + "\n")
    assert result.exit_code != 0 and "quá phổ biến" in result.output  # the CLI speaks the default locale, vi
