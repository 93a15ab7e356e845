"""Server-side sign-in sessions: every sign-in, remember-me included, is a record that logout, a
password change, disabling the account and an admin's revoke end at once.

The browser holds a random token (in Flask's session cookie, and in the remember cookie when
asked to stay signed in); the database keeps only its SHA-256. Flask-Login's user loader finds the
record by that hash on every request and refuses one that ended, expired or lapsed unused (its
idle limit), or whose user was disabled: the next request after a revoke is anonymous. A remember
cookie is therefore new at every sign-in and worthless once its record has ended, even if copied.
"""

import enum
import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app, g, request
from flask import session as cookie_session
from flask_login import login_user, logout_user, user_loaded_from_cookie
from sqlalchemy import Boolean, DateTime, ForeignKey, String, and_, delete, func, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth import User, login_manager
from core.db import Base, db, string_enum, utcnow
from core.uow import after_commit, unit

# A session's last activity is kept to the minute: finer would cost a write per page.
SEEN_PRECISION = timedelta(minutes=1)
# Ended and expired records stay this long, for the admin's view of recent sign-ins.
KEEP_ENDED = timedelta(days=90)
_CURRENT = "vitrine_session_id"
_TOKEN = "_user_id"  # where Flask-Login keeps what session_key() gave it


class SessionEnd(enum.StrEnum):
    """Why a session ended before its expiry."""

    LOGOUT = "logout"
    PASSWORD = "password"  # the account's password changed
    DISABLED = "disabled"  # an admin disabled the account
    REVOKED = "revoked"  # an admin revoked the account's sessions
    REPLACED = "replaced"  # the same browser signed in again


class UserSession(Base):
    """One sign-in of one browser, until it ends or expires; only its token's SHA-256 is kept."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    user_agent: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[SessionEnd | None] = mapped_column(string_enum(SessionEnd))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"


def digest(token: str) -> str:
    """The SHA-256 kept for a token: 256 random bits need no slow hash (there is no dictionary to try)."""
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(remember: bool) -> timedelta:
    """How long a sign-in lasts: a working day, or the remember-me period."""
    config = current_app.config
    return timedelta(days=config["REMEMBER_DAYS"]) if remember else timedelta(hours=config["SESSION_HOURS"])


def open_session(session, user: User, remember: bool, user_agent: str | None = None) -> tuple[str, UserSession]:
    """Record a new sign-in of `user`; its token in clear (the only time it is seen) and the record."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = UserSession(user_id=user.id, token_hash=digest(token), remember=remember,
                         user_agent=(user_agent or "")[:200] or None, created_at=now, last_seen_at=now,
                         expires_at=now + lifetime(remember))  # fmt: skip
    session.add(record)
    user.last_login_at = now
    session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(UserSession.ended_at < now - KEEP_ENDED, UserSession.expires_at < now - KEEP_ENDED),
        )
    )
    session.flush()
    return token, record


def idle_limit(remember: bool) -> timedelta:
    """How long a sign-in may go unused before it lapses."""
    config = current_app.config
    if remember:
        return timedelta(days=config["REMEMBER_IDLE_DAYS"])
    return timedelta(minutes=config["SESSION_IDLE_MINUTES"])


def _not_idle(now: datetime):
    # last_seen_at is kept to the minute (SEEN_PRECISION): the limit is met to within a minute.
    return or_(
        and_(UserSession.remember.is_(False), UserSession.last_seen_at > now - idle_limit(False)),
        and_(UserSession.remember.is_(True), UserSession.last_seen_at > now - idle_limit(True)),
    )


def find_open(session, token: str) -> UserSession | None:
    """The session a token opened, if it has not ended, expired or lapsed unused and its user is active."""
    if not token:
        return None
    now = utcnow()
    query = (
        select(UserSession)
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.token_hash == digest(token),
            UserSession.ended_at.is_(None),
            UserSession.expires_at > now,
            _not_idle(now),
            User.is_active_flag.is_(True),
        )  # fmt: skip
    )
    return session.scalar(query)


def end_sessions(session, user_id: int, reason: SessionEnd) -> int:
    """End every open session of a user at once; how many were open."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def end_session(session, token: str, reason: SessionEnd) -> None:
    """End the session a token opened, if still open."""
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == digest(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )


def open_sessions(session, user_id: int) -> list[UserSession]:
    """A user's sessions still running, newest first."""
    now = utcnow()
    query = (
        select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None), UserSession.expires_at > now,
               _not_idle(now))
        .order_by(UserSession.id.desc())
    )  # fmt: skip
    return list(session.scalars(query))


def open_session_counts(session) -> dict[int, int]:
    """user id → how many sessions it has running."""
    now = utcnow()
    query = (
        select(UserSession.user_id, func.count(UserSession.id))
        .where(UserSession.ended_at.is_(None), UserSession.expires_at > now, _not_idle(now))
        .group_by(UserSession.user_id)
    )
    return dict(session.execute(query).all())


# --- This browser ----------------------------------------------------------------------------


def sign_in(user: User, remember: bool = False) -> None:
    """Sign this browser in as `user` with a new session record (the request's unit keeps it);
    a session this browser still had ends."""
    previous = cookie_session.get(_TOKEN)
    if isinstance(previous, str):
        end_session(db.session, previous, SessionEnd.REPLACED)
    token, record = open_session(db.session, user, remember, request.headers.get("User-Agent"))
    user.session_token = token
    setattr(g, _CURRENT, record.id)
    login_user(user, remember=remember, duration=lifetime(remember) if remember else None)


def sign_out() -> None:
    """End this browser's session record and forget it in the cookies."""
    current = cookie_session.get(_TOKEN)
    if isinstance(current, str):
        end_session(db.session, current, SessionEnd.LOGOUT)
    g.pop(_CURRENT, None)
    logout_user()


def current_session_id() -> int | None:
    """The id of the session record this request was signed in with, if any."""
    return g.get(_CURRENT)


def _load_user(token: str) -> User | None:
    record = find_open(db.session, token)
    if record is None:
        # Ended, expired, disabled or unknown: forget it here and clear the remember cookie too.
        cookie_session.pop(_TOKEN, None)
        cookie_session["_remember"] = "clear"
        return None
    g.setdefault(_CURRENT, record.id)
    user = record.user
    user.session_token = token
    now = utcnow()
    if now - _aware(record.last_seen_at) > SEEN_PRECISION:
        # After the request's unit, in one of its own: a page read stays a reader.
        after_commit(db.session, lambda session_id=record.id: _note_seen(session_id, now), key=f"seen-{record.id}")
    return user


def _note_seen(session_id: int, when: datetime) -> None:
    with unit("session seen") as session:
        session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=when))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC


# --- For pages -------------------------------------------------------------------------------

_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari"), ("curl/", "curl"))  # fmt: skip
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))  # fmt: skip
_HEADLESS = re.compile(r"Headless", re.I)


def describe_agent(user_agent: str | None) -> str:
    """A browser's User-Agent as a person says it: `Firefox · Linux`; empty when unknown."""
    text = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in text), "")
    if browser and _HEADLESS.search(text):
        browser += " (headless)"
    system = next((name for marker, name in _SYSTEMS if marker in text), "")
    return " · ".join(part for part in (browser, system) if part)


def _bind_restored_session(_app, user=None) -> None:
    # A browser signed in again from its remember cookie gets no session identifier from Flask-Login,
    # so "strong" session protection refused its very next request: it is bound to this browser here.
    cookie_session["_id"] = login_manager._session_identifier_generator()


def init_app(app) -> None:
    """Flask-Login keeps a session token, not a user id, and finds the user through its record."""
    login_manager.id_attribute = "session_key"
    login_manager.user_loader(_load_user)
    user_loaded_from_cookie.connect(_bind_restored_session)
    app.jinja_env.filters["agent"] = describe_agent
