"""Users, roles, passwords, API tokens and permission checks."""

import enum
import functools
import gzip
import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_login import LoginManager, UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, string_enum, utcnow
from core.errors import ValidationError
from core.i18n import _
from core.uow import after_commit, unit

login_manager = LoginManager()
# A token's last use is kept to the minute: finer would cost a write per API call.
TOKEN_USE_PRECISION = timedelta(minutes=1)


def _hasher() -> PasswordHasher:
    # argon2-cffi's defaults are RFC 9106's "low memory" Argon2id profile; tests lower them.
    return current_app.extensions["vitrine.hasher"]


class Role(enum.StrEnum):
    """What a staff member may do; the public has no account."""

    ADMIN = "admin"
    ARCHIVIST = "archivist"
    CURATOR = "curator"


class User(UserMixin, Base):
    """A staff account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # None until an invited person sets a password through their link (core.accounts).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(string_enum(Role))
    is_active_flag: Mapped[bool] = mapped_column("active", Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_flag

    @property
    def state(self) -> str:
        """`disabled`, `invited` (no password set yet) or `active`."""
        if not self.is_active_flag:
            return "disabled"
        return "active" if self.password_hash else "invited"

    def session_key(self) -> str | None:
        """What Flask-Login keeps in the session and remember cookies: the token of the server-side
        session this sign-in opened (core.sessions), never the user's id, which never changes."""
        return getattr(self, "session_token", None)


class Scope(enum.StrEnum):
    """What an API token may do: read; write (change records); admin (the admins' operations)."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class ApiToken(Base):
    """A bearer token for /api/v1 with its scopes and expiry; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated Scope values; tokens made before scopes existed kept "read write".
    scopes: Mapped[str] = mapped_column(String(40), default="read", server_default="read write")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def scope_set(self) -> frozenset[str]:
        """The token's scopes."""
        return frozenset(self.scopes.split())

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} of user {self.user_id}>"


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher().hash(password)


MIN_PASSWORD_LENGTH = 12
# Django's list of the 20,000 commonest passwords (BSD licence, notice beside it), lower-cased.
_COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The common passwords refused, lower-cased; read once."""
    with gzip.open(_COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def validate_password(password: str) -> None:
    """Refuse passwords too short to resist guessing, or among the commonest ones."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("The password must have at least %(count)s characters.", count=MIN_PASSWORD_LENGTH), field="password"
        )
    if password.strip().lower() in common_passwords():
        raise ValidationError(_("This password is too common: choose another."), field="password")


def normalise_email(email: str) -> str:
    """Lower-cased, stripped address, refused if it has no @."""
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise ValidationError(_("Enter a valid email address."), field="email")
    return email


def create_user(session, email: str, password: str, role: str) -> User:
    """Add a staff account; the email must be new and the role known."""
    email = normalise_email(email)
    validate_password(password)
    try:
        role_value = Role(role)
    except ValueError:
        raise ValidationError(_("Unknown role: %(role)s.", role=role), field="role") from None
    if session.scalar(select(User).where(User.email == email)):
        raise ValidationError(_("A user with this email already exists."), field="email")
    user = User(email=email, password_hash=hash_password(password), role=role_value, is_active_flag=True)
    session.add(user)
    session.flush()
    return user


def authenticate(session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None. An unknown, invited or disabled account costs
    the same password check as a real one (against a dummy hash), so time tells nothing."""
    email = (email or "").strip().lower()
    user = session.scalar(select(User).where(User.email == email))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    right = _check(stored, password)
    ok = right and user is not None and user.password_hash is not None and user.is_active
    return user if ok else None


def _dummy_hash() -> str:
    # Made by the same hasher, so it has the same algorithm and cost as the accounts' hashes.
    extensions = current_app.extensions
    if "vitrine.dummy_hash" not in extensions:
        extensions["vitrine.dummy_hash"] = _hasher().hash(secrets.token_urlsafe(32))
    return extensions["vitrine.dummy_hash"]


def _check(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return False


def verify_password(user: User, password: str) -> bool:
    """True when the password is the account's (an invited account has none yet)."""
    if not user.password_hash:
        return False
    return _check(user.password_hash, password)


def upgrade_hash(user: User, password: str) -> None:
    """Hash the password again if the hashing parameters changed since it was set."""
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)


def issue_token(session, user: User, scopes=(Scope.READ, Scope.WRITE), days: int | None = None) -> str:
    """Create an API token with these scopes, expiring in `days` (API_TOKEN_DAYS by default), and
    return it in clear, the only time it is seen. Write implies read; admin needs an admin."""
    try:
        chosen = {Scope(scope) for scope in scopes} | {Scope.READ}
    except ValueError:
        raise ValidationError(_("Unknown API token scope."), field="scope") from None
    if Scope.ADMIN in chosen and user.role != Role.ADMIN:
        raise ValidationError(_("Only an admin's token may have the admin scope."), field="scope")
    days = current_app.config["API_TOKEN_DAYS"] if days is None else days
    if not 1 <= days <= 3660:
        raise ValidationError(_("An API token lasts from 1 to 3660 days."), field="days")
    token = secrets.token_urlsafe(32)
    scope_text = " ".join(scope.value for scope in Scope if scope in chosen)
    session.add(ApiToken(user=user, token_hash=_digest(token), scopes=scope_text,
                         expires_at=utcnow() + timedelta(days=days)))  # fmt: skip
    session.flush()
    return token


def token_for(session, token: str) -> ApiToken | None:
    """The unexpired token row of an active user for a bearer token; its last use is noted once the
    request commits."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or not row.user.is_active:
        return None
    now = utcnow()
    if _aware(row.expires_at) <= now:
        return None
    last = _aware(row.last_used_at) if row.last_used_at is not None else None
    if last is None or now - last > TOKEN_USE_PRECISION:
        # In a unit of its own after the request's: the request's unit stays a reader, and a
        # token used many times a minute costs one write a minute.
        after_commit(session, lambda token_id=row.id: _note_use(token_id, now), key=f"token-use-{row.id}")
    return row


def user_for_token(session, token: str) -> User | None:
    """The active user an unexpired bearer token belongs to."""
    row = token_for(session, token)
    return row.user if row is not None else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def revoke_tokens(session, user_id: int) -> int:
    """Delete every API token of a user; how many there were."""
    return session.execute(delete(ApiToken).where(ApiToken.user_id == user_id)).rowcount or 0


def token_counts(session) -> dict[int, int]:
    """user id → how many API tokens it holds."""
    return dict(session.execute(select(ApiToken.user_id, func.count(ApiToken.id)).group_by(ApiToken.user_id)).all())


def _note_use(token_id: int, when) -> None:
    with unit("token use") as session:
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=when))


def _digest(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()


def init_app(app) -> None:
    """Set up Flask-Login: bearer tokens for the API here; pages sign in through core.sessions."""
    from core.db import db

    app.extensions["vitrine.hasher"] = PasswordHasher(**app.config.get("PASSWORD_HASH_PARAMS", {}))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.request_loader
    def _load_from_token(req):
        header = req.headers.get("Authorization", "")
        if req.path.startswith("/api/") and header.startswith("Bearer "):
            return user_for_token(db.session, header[7:].strip())
        return None
