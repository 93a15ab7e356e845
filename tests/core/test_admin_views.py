"""The admins' account pages and the password-link pages, through the client."""

import re

import pytest
from sqlalchemy import select, text, update

from core.accounts import AccountLink
from core.auth import User, authenticate
from core.db import utcnow
from tests.conftest import PASSWORD

# The admin pages through the client; the account services under them are checked on both databases.
pytestmark = pytest.mark.one_database

NEW_PASSWORD = "a lantern by the river"
ADMIN_PAGES = ["/staff/admin", "/staff/admin/users", "/staff/admin/vocabularies", "/staff/admin/venues",
               "/staff/admin/bodies", "/staff/admin/provinces", "/staff/admin/vocabularies/new",
               "/staff/admin/venues/new", "/staff/admin/bodies/new"]  # fmt: skip


def link_path(page: str) -> str:
    """The path of the link an admin's page shows (under the configured base URL)."""
    url = re.search(r'value="(http://vitrine\.test/account/link/[^"]+)"', page).group(1)
    return url.removeprefix("http://vitrine.test")


def test_admin_pages_are_for_admins_and_their_links_hidden_from_others(app, login_as, make_user):
    admin, _user = login_as("admin")
    someone = make_user("curator")
    pages = [*ADMIN_PAGES, f"/staff/admin/users/{someone.id}"]
    for path in pages:
        assert admin.get(path).status_code == 200, path
    assert "/staff/admin" in admin.get("/staff/items").get_data(True)
    for role in ("archivist", "curator"):
        client, _user = login_as(role)
        for path in pages:
            assert client.get(path).status_code == 403, (role, path)
        assert client.post(f"/staff/admin/users/{someone.id}/disable").status_code == 403
        invite = {"email": "x@vitrine.test", "role": "admin"}
        assert client.post("/staff/admin/users/invite", data=invite).status_code == 403
        assert "/staff/admin" not in client.get("/staff/items").get_data(True)
    stranger = app.test_client()
    response = stranger.get("/staff/admin/users")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_list_shows_role_state_and_last_sign_in(login_as, make_user):
    admin, me = login_as("admin")
    make_user("curator", email="never@vitrine.test")
    page = admin.get("/staff/admin/users?lang=en").get_data(True)
    assert me.email in page and "never@vitrine.test" in page and "never" in page
    assert "curator" in page and "active" in page


def test_an_invited_person_sets_a_password_through_the_link_and_is_signed_in(app, db_session, login_as):
    admin, _admin = login_as("admin")
    response = admin.post("/staff/admin/users/invite?lang=en", data={"email": "Mai@Vitrine.test", "role": "curator"})
    page = response.get_data(True)
    assert response.status_code == 200 and "Invitation for mai@vitrine.test" in page
    assert response.headers["Cache-Control"] == "no-store"
    path = link_path(page)
    token = path.rsplit("/", 1)[1]
    # Only a hash is kept: the token is nowhere in the database.
    dump = "\n".join(str(row) for row in db_session.execute(text("SELECT * FROM account_links")).all())
    assert token not in dump and "mai@vitrine.test" not in dump

    visitor = app.test_client()
    opened = visitor.get(path)
    assert opened.status_code == 302 and opened.headers["Location"] == "/account/password/new"
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    form = visitor.get("/account/password/new?lang=en")
    assert form.status_code == 200 and "mai@vitrine.test" in form.get_data(True) and token not in form.get_data(True)
    mismatch = visitor.post("/account/password/new?lang=en", data={"password": NEW_PASSWORD, "confirmation": "other"})
    assert mismatch.status_code == 422 and "The two passwords are not the same" in mismatch.get_data(True)
    done = visitor.post("/account/password/new", data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/staff/items"
    assert visitor.get("/staff/items").status_code == 200
    db_session.rollback()
    assert authenticate(db_session, "mai@vitrine.test", NEW_PASSWORD) is not None

    # Used once, the link leads nowhere, in this browser or another.
    again = app.test_client().get(path + "?lang=en")
    assert again.status_code == 404 and "expired or was already used" in again.get_data(True)
    assert app.test_client().get("/account/password/new").status_code == 404


def test_an_expired_link_is_refused(app, db_session, login_as):
    admin, _admin = login_as("admin")
    path = link_path(admin.post("/staff/admin/users/invite", data={"email": "late@vitrine.test",
                                                                   "role": "archivist"}).get_data(True))  # fmt: skip
    db_session.rollback()
    db_session.execute(update(AccountLink).values(expires_at=utcnow()))
    db_session.commit()
    assert app.test_client().get(path).status_code == 404


def test_an_expiring_link_opened_in_time_is_refused_once_expired(app, db_session, login_as):
    admin, _admin = login_as("admin")
    path = link_path(admin.post("/staff/admin/users/invite", data={"email": "slow@vitrine.test",
                                                                   "role": "archivist"}).get_data(True))  # fmt: skip
    visitor = app.test_client()
    assert visitor.get(path).status_code == 302
    db_session.rollback()
    db_session.execute(update(AccountLink).values(expires_at=utcnow()))
    db_session.commit()
    response = visitor.post("/account/password/new", data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    assert response.status_code == 404


def test_a_refused_invitation_keeps_what_was_typed(login_as, make_user):
    admin, _admin = login_as("admin")
    make_user("archivist", email="taken@vitrine.test")
    response = admin.post("/staff/admin/users/invite?lang=en", data={"email": "taken@vitrine.test", "role": "curator"})
    page = response.get_data(True)
    assert response.status_code == 422 and "A user with this email already exists" in page
    assert 'value="taken@vitrine.test"' in page and re.search(r'<option selected value="curator">', page)


def test_a_reset_link_from_the_user_page(app, db_session, login_as, make_user):
    admin, _admin = login_as("admin")
    user = make_user("archivist")
    response = admin.post(f"/staff/admin/users/{user.id}/link?lang=en")
    assert response.status_code == 200 and "Password reset for" in response.get_data(True)
    visitor = app.test_client()
    visitor.get(link_path(response.get_data(True)))
    visitor.post("/account/password/new", data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    db_session.rollback()
    assert authenticate(db_session, user.email, NEW_PASSWORD) and not authenticate(db_session, user.email, PASSWORD)


def test_role_changes_and_the_last_admin_guard_on_the_page(db_session, login_as, make_user):
    admin, me = login_as("admin")
    user = make_user("archivist")
    assert admin.post(f"/staff/admin/users/{user.id}/role", data={"role": "curator"}).status_code == 302
    db_session.rollback()
    assert db_session.get(User, user.id).role == "curator"
    refused = admin.post(f"/staff/admin/users/{me.id}/role?lang=en", data={"role": "archivist"})
    assert refused.status_code == 422 and "At least one other active admin must remain" in refused.get_data(True)
    db_session.rollback()
    assert db_session.get(User, me.id).role == "admin"


@pytest.mark.parametrize("lang", ["vi", "fr"])
def test_the_user_page_shows_sessions_tokens_and_history(login_as, make_user, lang):
    admin, me = login_as("admin")
    page = admin.get(f"/staff/admin/users/{me.id}?lang={lang}").get_data(True)
    assert me.email in page and 'class="history' in page
    assert page.count("<tr>") >= 2  # the session of this very browser, in a table with its header


def test_the_account_page_changes_ones_own_password(login_as, db_session):
    client, me = login_as("curator")
    assert client.get("/account").status_code == 200
    response = client.post("/account", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                             "confirmation": NEW_PASSWORD})  # fmt: skip
    assert response.status_code == 302
    db_session.rollback()
    assert authenticate(db_session, me.email, NEW_PASSWORD) is not None
    assert db_session.scalar(select(User.password_hash).where(User.id == me.id)) != PASSWORD
