"""Audit events: who changed which record, when, and what it was before and after."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth import User
from core.db import Base, utcnow


class AuditEvent(Base):
    """One change to one record, with the fields that changed."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column("occurred_at", DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User | None] = relationship()

    __table_args__ = ({"sqlite_autoincrement": True},)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.record_type}#{self.record_id}>"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field whose value differs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

    def unchanged_fields(self) -> list[tuple[str, object]]:
        """(field, value) for each field recorded unchanged: those that name the part that changed."""
        before, after = self.before or {}, self.after or {}
        return [(k, after[k]) for k in sorted(set(before) & set(after)) if before[k] == after[k]]


def record_event(session, user, record_type, record_id, action, before=None, after=None, comment=None, keep=()):
    """Add an audit event to the session; only the changed keys are kept, and those in `keep`,
    which say what part of the record changed (the section of an exhibition, say)."""
    if before is not None and after is not None:
        keys = {k for k in set(before) | set(after) if before.get(k) != after.get(k) or k in keep}
        before = {k: before.get(k) for k in keys}
        after = {k: after.get(k) for k in keys}
    event = AuditEvent(
        user_id=getattr(user, "id", None),
        record_type=record_type,
        record_id=record_id,
        action=action,
        before=before,
        after=after,
        comment=comment,
    )
    session.add(event)
    return event


def history(session, record_type: str, record_id: int) -> list[AuditEvent]:
    """Every event of one record, newest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == record_id)
        .order_by(AuditEvent.id.desc())
    )
    return list(session.scalars(query))


def last_event(session, record_type: str, record_id: int, actions: tuple[str, ...]) -> AuditEvent | None:
    """The newest event of one record among `actions`, if any."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == record_id,
               AuditEvent.action.in_(actions))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )  # fmt: skip
    return session.scalar(query)
