"""Sign-in throttling that a stranger cannot turn against an account's owner (OWASP "device cookies").

A browser that signed in to an account before holds a signed device cookie naming that account;
its attempts are counted on a counter of their own. Every other attempt counts against the account
and against the client's address. So someone hammering an account locks out only strangers, never
the owner's known browser.

The counters live in the database (`login_counters`, one row per counter with its window), so they
hold across workers and machines. An attempt is claimed before its password is checked, by one
atomic INSERT … ON CONFLICT DO UPDATE … RETURNING per counter: however many arrive at once, at most
the limit reach a password check in a window.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import DateTime, Integer, String, UniqueConstraint, case, delete, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow
from core.uow import unit

DEVICE_COOKIE = "vitrine_device"
_DEVICE_SALT = "vitrine-device"


class LoginCounter(Base):
    """Sign-in attempts on one counter (an account, a known device, a client) in its current window."""

    __tablename__ = "login_counters"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # account, device or client
    # A SHA-256 of the email, device id or address: the table names nobody in clear.
    key: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<LoginCounter {self.kind} {self.attempts}>"


@dataclass(frozen=True)
class Attempt:
    """A claimed sign-in attempt: whether it may go on to a password check, and the counters it took."""

    allowed: bool
    counters: tuple[tuple[str, str], ...]
    device: str | None  # the known device's id, when the browser showed a valid cookie for the account


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _limits() -> dict[str, int]:
    config = current_app.config
    per_account = config["LOGIN_MAX_FAILURES"]
    return {"account": per_account, "device": per_account, "client": config["LOGIN_MAX_CLIENT_ATTEMPTS"]}


def claim(email: str, remote_addr: str, device_cookie: str | None) -> Attempt:
    """Count a sign-in attempt before its password is checked, in a unit of its own committed at once."""
    email = (email or "").strip().lower()
    device = read_device(device_cookie, email)
    if device is not None:
        counters = (("device", _digest(device)),)
    else:
        counters = (("account", _digest(email)), ("client", _digest(remote_addr or "")))
    limits = _limits()
    with unit("sign-in attempt") as session:
        counts = [_bump(session, kind, key) for kind, key in counters]
    allowed = all(count <= limits[kind] for count, (kind, _key) in zip(counts, counters, strict=True))
    return Attempt(allowed, counters, device)


def succeeded(session, attempt: Attempt) -> None:
    """A right password: the account's (or device's) counter starts again; the client gets its attempt back."""
    for kind, key in attempt.counters:
        match = (LoginCounter.kind == kind) & (LoginCounter.key == key)
        if kind == "client":
            # Colleagues behind one address all sign in: only wrong passwords should use up its allowance.
            session.execute(update(LoginCounter).where(match, LoginCounter.attempts > 0)
                            .values(attempts=LoginCounter.attempts - 1))  # fmt: skip
        else:
            session.execute(delete(LoginCounter).where(match))
    forget_old(session)


def _bump(session, kind: str, key: str) -> int:
    now = utcnow()
    since = now - timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    table = LoginCounter.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stale = table.c.window_start <= since
    statement = (
        insert(table)
        .values(kind=kind, key=key, window_start=now, attempts=1)
        .on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={
                "attempts": case((stale, 1), else_=table.c.attempts + 1),
                "window_start": case((stale, literal(now, DateTime(timezone=True))), else_=table.c.window_start),
            },
        )
        .returning(table.c.attempts)
    )
    return session.execute(statement).scalar_one()


def forget_old(session) -> int:
    """Delete counters whose window ended; how many."""
    since = utcnow() - timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    return session.execute(delete(LoginCounter).where(LoginCounter.window_start <= since)).rowcount or 0


# --- Device cookies --------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_DEVICE_SALT)


def device_cookie(email: str) -> str:
    """A new signed cookie value naming the account (by digest) and a random device id."""
    return _serializer().dumps({"a": _digest((email or "").strip().lower()), "d": secrets.token_urlsafe(16)})


def read_device(value: str | None, email: str) -> str | None:
    """The device id of a valid, unexpired device cookie for this account; None otherwise."""
    if not value or len(value) > 400:
        return None
    max_age = int(timedelta(days=current_app.config["LOGIN_DEVICE_DAYS"]).total_seconds())
    try:
        data = _serializer().loads(value, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != _digest((email or "").strip().lower()):
        return None
    device = data.get("d")
    return device if isinstance(device, str) else None
