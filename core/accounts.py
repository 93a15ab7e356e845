"""Staff accounts as admins run them: invitations and password resets through expiring single-use
links, roles, disabling, and revoking a user's sessions and API tokens; every change audited.

The app sends no mail: a link's token is shown once, to the admin who asked for it, who passes it
on; only its SHA-256 is kept. Using the link sets the password, and ends the account's sessions and
any other link it had.
"""

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import DateTime, ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import history, record_event
from core.auth import (
    Role,
    User,
    hash_password,
    normalise_email,
    revoke_tokens,
    token_counts,
    validate_password,
    verify_password,
)
from core.db import Base, string_enum, utcnow
from core.errors import NotFound, ValidationError
from core.history_presenter import HistoryEntry, HistoryPresenter, as_datetime, labelled
from core.i18n import _, _l
from core.permissions import Permission, require
from core.sessions import SessionEnd, digest, end_sessions, open_session_counts

ROLE_LABELS = {Role.ADMIN: _l("admin"), Role.ARCHIVIST: _l("archivist"), Role.CURATOR: _l("curator")}
STATE_LABELS = {"active": _l("active"), "invited": _l("invited"), "disabled": _l("disabled")}


class LinkPurpose(enum.StrEnum):
    """What a password link is for: a first password, or a new one."""

    INVITE = "invite"
    RESET = "reset"


class AccountLink(Base):
    """An expiring, single-use link that lets one person set their password; only its SHA-256 is kept."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(string_enum(LinkPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<AccountLink {self.purpose} for user {self.user_id}>"


@dataclass(frozen=True)
class IssuedLink:
    """A link just made: its token in clear is in nobody's hands but the admin's."""

    user: User
    token: str
    purpose: LinkPurpose
    expires_at: datetime


@dataclass(frozen=True)
class UserRow:
    """One account as the admins' list shows it."""

    user: User
    open_sessions: int
    api_tokens: int


class CommandLine:
    """The operator at the command line: an admin without an account, audited as the system."""

    id = None
    email = None
    role = Role.ADMIN
    is_authenticated = True


COMMAND_LINE = CommandLine()


def _require_admin(actor) -> None:
    require(actor, Permission.MANAGE_USERS, _("Only an admin may manage staff accounts."))


def snapshot(user: User) -> dict:
    """An account as plain data, for audit events."""
    return {"email": user.email, "role": str(user.role), "state": user.state}


def get_user(session, user_id: int) -> User:
    """The account with this id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def find_user(session, email: str) -> User | None:
    """The account with this email (any case), if any."""
    return session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def list_users(session) -> list[UserRow]:
    """Every account by email, with its running sessions and API tokens counted."""
    sessions, tokens = open_session_counts(session), token_counts(session)
    users = session.scalars(select(User).order_by(User.email))
    return [UserRow(u, sessions.get(u.id, 0), tokens.get(u.id, 0)) for u in users]


def _role(value) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationError(_("Unknown role: %(role)s.", role=value), field="role") from None


# --- Links -----------------------------------------------------------------------------------


def invite_user(session, actor, email: str, role: str) -> IssuedLink:
    """Create an account with no password yet, and the link its owner sets one with."""
    _require_admin(actor)
    email, role_value = normalise_email(email), _role(role)
    if find_user(session, email) is not None:
        raise ValidationError(_("A user with this email already exists."), field="email")
    user = User(email=email, password_hash=None, role=role_value, is_active_flag=True)
    session.add(user)
    session.flush()
    link = _issue(session, actor, user, LinkPurpose.INVITE)
    record_event(session, actor, "user", user.id, "invite", None,
                 snapshot(user) | {"link_expires": link.expires_at.isoformat()})  # fmt: skip
    return link


def issue_link(session, actor, user: User) -> IssuedLink:
    """A new password link for an account: an invitation until a password was set, then a reset.
    Any link the account had before stops working."""
    _require_admin(actor)
    if not user.is_active:
        raise ValidationError(_("This account is disabled: enable it first."), field="state")
    purpose = LinkPurpose.RESET if user.password_hash else LinkPurpose.INVITE
    link = _issue(session, actor, user, purpose)
    record_event(session, actor, "user", user.id, "link", None,
                 {"link": str(purpose), "link_expires": link.expires_at.isoformat()})  # fmt: skip
    return link


def _issue(session, actor, user: User, purpose: LinkPurpose) -> IssuedLink:
    session.execute(delete(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None)))
    token = secrets.token_urlsafe(32)
    key = "INVITE_LINK_HOURS" if purpose == LinkPurpose.INVITE else "RESET_LINK_HOURS"
    expires = utcnow() + timedelta(hours=current_app.config[key])
    session.add(AccountLink(user_id=user.id, purpose=purpose, token_hash=digest(token),
                            created_by_id=getattr(actor, "id", None), expires_at=expires))  # fmt: skip
    session.flush()
    return IssuedLink(user, token, purpose, expires)


def usable_link(session, token: str | None = None, link_id: int | None = None) -> AccountLink | None:
    """The link with this token (or id) if it is unused, unexpired and its account enabled."""
    if not token and not link_id:
        return None
    query = (
        select(AccountLink)
        .join(User, User.id == AccountLink.user_id)
        .where(AccountLink.used_at.is_(None), AccountLink.expires_at > utcnow(), User.is_active_flag.is_(True))
    )
    query = query.where(AccountLink.token_hash == digest(token)) if token else query.where(AccountLink.id == link_id)
    return session.scalar(query)


def redeem_link(session, link: AccountLink, password: str) -> User:
    """Set the password through a link, which is then used up; the account's sessions end."""
    validate_password(password)
    user = link.user
    _set_password(session, user, password)
    link.used_at = utcnow()
    session.flush()
    record_event(session, user, "user", user.id, "password_set", None, {"link": str(link.purpose)})
    return user


def change_password(session, user: User, current: str, new: str) -> None:
    """A signed-in user's own new password; every session of the account ends."""
    if not verify_password(user, current):
        raise ValidationError(_("Your current password is not right."), field="current_password")
    validate_password(new)
    _set_password(session, user, new)
    record_event(session, user, "user", user.id, "password_change")


def _set_password(session, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    session.execute(delete(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None)))
    end_sessions(session, user.id, SessionEnd.PASSWORD)


# --- Roles and access ------------------------------------------------------------------------


def change_role(session, actor, user: User, role: str) -> None:
    """Give an account another role, effective at its next request."""
    _require_admin(actor)
    role_value = _role(role)
    if role_value == user.role:
        return
    if user.role == Role.ADMIN:
        _keep_an_admin(session, user)
    before = snapshot(user)
    user.role = role_value
    session.flush()
    record_event(session, actor, "user", user.id, "role", before, snapshot(user))


def disable_user(session, actor, user: User) -> int:
    """Refuse the account from its next request on: its sessions end, its API tokens stop working.
    How many sessions were running."""
    _require_admin(actor)
    if not user.is_active:
        return 0
    if getattr(actor, "id", None) == user.id:
        raise ValidationError(_("You cannot disable your own account."), field="state")
    if user.role == Role.ADMIN:
        _keep_an_admin(session, user)
    before = snapshot(user)
    user.is_active_flag = False
    ended = end_sessions(session, user.id, SessionEnd.DISABLED)
    session.flush()
    record_event(session, actor, "user", user.id, "disable", before | {"open_sessions": ended},
                 snapshot(user) | {"open_sessions": 0})  # fmt: skip
    return ended


def enable_user(session, actor, user: User) -> None:
    """Let a disabled account sign in again (its old sessions stay ended)."""
    _require_admin(actor)
    if user.is_active:
        return
    before = snapshot(user)
    user.is_active_flag = True
    session.flush()
    record_event(session, actor, "user", user.id, "enable", before, snapshot(user))


def revoke_access(session, actor, user: User) -> tuple[int, int]:
    """End every session of an account and delete its API tokens: (sessions ended, tokens deleted)."""
    _require_admin(actor)
    ended = end_sessions(session, user.id, SessionEnd.REVOKED)
    tokens = revoke_tokens(session, user.id)
    session.flush()
    record_event(session, actor, "user", user.id, "revoke", {"open_sessions": ended, "api_tokens": tokens},
                 {"open_sessions": 0, "api_tokens": 0})  # fmt: skip
    return ended, tokens


def _keep_an_admin(session, user: User) -> None:
    # The admins' rows are locked (PostgreSQL; SQLite's writer holds the whole database), so two
    # admins demoting each other at the same moment cannot both pass and leave none.
    query = select(User.id).where(User.role == Role.ADMIN, User.is_active_flag.is_(True),
                                  User.password_hash.is_not(None))  # fmt: skip
    if not set(session.scalars(query.with_for_update()).all()) - {user.id}:
        raise ValidationError(
            _("At least one other active admin must remain: give another account the admin role first."),
            field="role",
        )


# --- History ---------------------------------------------------------------------------------

FIELD_LABELS = {
    "email": _l("Email"),
    "role": _l("Role"),
    "state": _l("State"),
    "link": _l("Password link"),
    "link_expires": _l("Link valid until"),
    "open_sessions": _l("Sessions running"),
    "api_tokens": _l("API tokens"),
}
ACTION_LABELS = {
    "create": _l("Account created"),
    "invite": _l("Invited"),
    "link": _l("Password link made"),
    "password_set": _l("Password set through a link"),
    "password_change": _l("Password changed"),
    "role": _l("Role changed"),
    "disable": _l("Disabled"),
    "enable": _l("Enabled"),
    "revoke": _l("Sessions and API tokens revoked"),
}
LINK_LABELS = {LinkPurpose.INVITE: _l("invitation"), LinkPurpose.RESET: _l("password reset")}


def user_history(session, user: User) -> list[HistoryEntry]:
    """The account's audit events, newest first, as people read them."""
    presenter = HistoryPresenter(
        labels=FIELD_LABELS,
        formatters={
            "role": labelled(ROLE_LABELS),
            "state": labelled(STATE_LABELS),
            "link": labelled(LINK_LABELS),
            "link_expires": as_datetime,
        },  # fmt: skip
        actions=lambda action: ACTION_LABELS.get(action, action),
    )
    return presenter.present(history(session, "user", user.id))
