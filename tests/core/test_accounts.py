"""Staff accounts as admins run them (core.accounts): invitation and reset links, roles, disabling,
revoking; called directly, as services."""

import hashlib
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from core import accounts
from core.accounts import AccountLink, LinkPurpose
from core.audit import history
from core.auth import ApiToken, Role, authenticate, issue_token
from core.db import utcnow
from core.errors import Forbidden, ValidationError
from core.sessions import SessionEnd, UserSession, open_session
from tests.conftest import PASSWORD

NEW_PASSWORD = "the river at dawn, twice"


@pytest.fixture
def admin(make_user):
    return make_user("admin")


def test_an_invitation_makes_an_account_without_password_and_a_link_kept_only_as_a_hash(app, db_session, admin):
    link = accounts.invite_user(db_session, admin, " New.Archivist@Vitrine.test ", "archivist")
    db_session.commit()
    user = link.user
    assert user.email == "new.archivist@vitrine.test" and user.role == Role.ARCHIVIST and user.state == "invited"
    assert user.password_hash is None and authenticate(db_session, user.email, "") is None
    stored = db_session.scalar(select(AccountLink).where(AccountLink.user_id == user.id))
    assert stored.token_hash == hashlib.sha256(link.token.encode()).hexdigest() and link.token not in stored.token_hash
    assert stored.purpose == LinkPurpose.INVITE and stored.created_by_id == admin.id
    hours = (stored.expires_at - stored.created_at).total_seconds() / 3600
    assert round(hours) == app.config["INVITE_LINK_HOURS"] == 72
    [event] = history(db_session, "user", user.id)
    assert event.action == "invite" and event.user_id == admin.id and link.token not in str(event.after)
    assert event.after["role"] == "archivist" and event.after["state"] == "invited"


def test_a_link_sets_the_password_once(db_session, admin):
    link = accounts.invite_user(db_session, admin, "lan@vitrine.test", "curator")
    db_session.commit()
    found = accounts.usable_link(db_session, token=link.token)
    assert found is not None and accounts.usable_link(db_session, link_id=found.id) is found
    user = accounts.redeem_link(db_session, found, NEW_PASSWORD)
    db_session.commit()
    assert user.state == "active" and authenticate(db_session, "lan@vitrine.test", NEW_PASSWORD) is user
    assert accounts.usable_link(db_session, token=link.token) is None  # single use
    assert accounts.usable_link(db_session, link_id=found.id) is None
    assert [e.action for e in history(db_session, "user", user.id)] == ["password_set", "invite"]


def test_an_expired_link_works_no_more(db_session, admin):
    link = accounts.invite_user(db_session, admin, "late@vitrine.test", "archivist")
    db_session.execute(update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    assert accounts.usable_link(db_session, token=link.token) is None


def test_a_weak_password_is_refused_and_the_link_stays_usable(db_session, admin):
    link = accounts.invite_user(db_session, admin, "weak@vitrine.test", "archivist")
    db_session.commit()
    with pytest.raises(ValidationError) as refused:
        accounts.redeem_link(db_session, accounts.usable_link(db_session, token=link.token), "short")
    assert refused.value.field == "password"
    db_session.rollback()
    assert accounts.usable_link(db_session, token=link.token) is not None


def test_a_reset_link_replaces_the_earlier_one_and_ends_the_sessions_when_used(app, db_session, admin, make_user):
    user = make_user("archivist")
    with app.test_request_context():
        open_session(db_session, user, remember=True)
    first = accounts.issue_link(db_session, admin, user)
    second = accounts.issue_link(db_session, admin, user)
    db_session.commit()
    assert first.purpose == second.purpose == LinkPurpose.RESET
    assert (second.expires_at - utcnow()) <= timedelta(hours=app.config["RESET_LINK_HOURS"])
    assert accounts.usable_link(db_session, token=first.token) is None  # the newer one replaced it
    accounts.redeem_link(db_session, accounts.usable_link(db_session, token=second.token), NEW_PASSWORD)
    db_session.commit()
    assert authenticate(db_session, user.email, PASSWORD) is None
    assert authenticate(db_session, user.email, NEW_PASSWORD) is user
    ended = db_session.scalars(select(UserSession.end_reason).where(UserSession.user_id == user.id)).all()
    assert ended == [SessionEnd.PASSWORD]


def test_a_disabled_accounts_link_is_refused(db_session, admin, make_user):
    user = make_user("curator")
    link = accounts.issue_link(db_session, admin, user)
    accounts.disable_user(db_session, admin, user)
    db_session.commit()
    assert accounts.usable_link(db_session, token=link.token) is None
    with pytest.raises(ValidationError):
        accounts.issue_link(db_session, admin, user)


@pytest.mark.parametrize("role", ["archivist", "curator"])
def test_only_admins_manage_accounts(db_session, make_user, role):
    someone, other = make_user(role), make_user("archivist")
    for attempt in (
        lambda: accounts.invite_user(db_session, someone, "x@vitrine.test", "admin"),
        lambda: accounts.issue_link(db_session, someone, other),
        lambda: accounts.change_role(db_session, someone, someone, "admin"),
        lambda: accounts.disable_user(db_session, someone, other),
        lambda: accounts.revoke_access(db_session, someone, other),
    ):
        with pytest.raises(Forbidden):
            attempt()


def test_roles_change_and_are_audited(db_session, admin, make_user):
    user = make_user("archivist")
    accounts.change_role(db_session, admin, user, "curator")
    db_session.commit()
    assert user.role == Role.CURATOR
    [event] = history(db_session, "user", user.id)
    assert (event.action, event.before, event.after) == ("role", {"role": "archivist"}, {"role": "curator"})
    with pytest.raises(ValidationError):
        accounts.change_role(db_session, admin, user, "emperor")


def test_the_last_active_admin_cannot_be_demoted_or_disabled(db_session, admin, make_user):
    with pytest.raises(ValidationError) as refused:
        accounts.change_role(db_session, admin, admin, "curator")
    assert refused.value.field == "role"
    invited = accounts.invite_user(db_session, admin, "next.admin@vitrine.test", "admin").user
    with pytest.raises(ValidationError):  # an invited admin without a password cannot sign in yet
        accounts.change_role(db_session, admin, admin, "curator")
    second = make_user("admin")
    with pytest.raises(ValidationError):
        accounts.disable_user(db_session, second, second)  # nor can anyone disable their own account
    accounts.change_role(db_session, second, admin, "curator")
    assert admin.role == Role.CURATOR and invited.role == Role.ADMIN


def test_revoking_ends_sessions_and_deletes_tokens(app, db_session, admin, make_user):
    user = make_user("curator")
    with app.test_request_context():
        open_session(db_session, user, remember=False)
        open_session(db_session, user, remember=True)
    issue_token(db_session, user)
    db_session.commit()
    [row] = [r for r in accounts.list_users(db_session) if r.user.id == user.id]
    assert (row.open_sessions, row.api_tokens) == (2, 1)
    assert accounts.revoke_access(db_session, admin, user) == (2, 1)
    db_session.commit()
    assert db_session.scalar(select(ApiToken).where(ApiToken.user_id == user.id)) is None
    [row] = [r for r in accounts.list_users(db_session) if r.user.id == user.id]
    assert (row.open_sessions, row.api_tokens) == (0, 0)
    [event] = history(db_session, "user", user.id)
    assert event.before == {"open_sessions": 2, "api_tokens": 1} and event.user_id == admin.id


def test_an_account_history_reads_in_the_readers_language(app, db_session, admin, make_user):
    user = make_user("archivist")
    accounts.change_role(db_session, admin, user, "curator")
    accounts.disable_user(db_session, admin, user)
    db_session.commit()
    with force_locale("fr"):
        entries = accounts.user_history(db_session, user)
        assert [e.action_label for e in entries] == ["Désactivé", "Rôle modifié"]
        assert [(c.label, c.before.text, c.after.text) for c in entries[1].changes] == [
            ("Rôle", "archiviste", "commissaire")
        ]
