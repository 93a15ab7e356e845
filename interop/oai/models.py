"""What the OAI-PMH repository keeps: its identity, each exposed record's datestamp and sets, and the outbox
of items whose record may have changed (interop.oai.tracking keeps them)."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class OaiRepository(Base):
    """The one row of the repository's settings (id 1): its identifier, set once, its name and contact, and the
    applier's lease (when the running apply of the outbox began: see interop.oai.tracking)."""

    __tablename__ = "oai_repository"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The OAI repository identifier (a domain name): the middle of every OAI identifier, for good.
    identifier: Mapped[str | None] = mapped_column(String(255))
    identifier_set_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    identifier_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str | None] = mapped_column(String(255))
    admin_email: Mapped[str | None] = mapped_column(String(254))
    applying_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<OaiRepository {self.identifier}>"


class OaiRecord(Base):
    """An item as the repository exposes it: since when (datestamp, whole seconds, UTC), whether it is deleted
    (withdrawn or no longer published: deletedRecord is persistent), and the digest of what it exposes.

    No foreign key: the record of an item deleted outright must outlive it, reported as deleted.
    """

    __tablename__ = "oai_records"

    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    datestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # SHA-256 of the record's header and metadata as built (interop.oai.records.digest); "deleted" when deleted.
    digest: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        state = " deleted" if self.deleted else ""
        return f"<OaiRecord item {self.item_id} {self.datestamp:%Y-%m-%dT%H:%M:%SZ}{state}>"


class OaiRecordSet(Base):
    """A record's membership of one set (`theme:upr`, and `theme` above it); a deleted record keeps its last
    ones, so a harvester of the set learns of the deletion."""

    __tablename__ = "oai_record_sets"

    spec: Mapped[str] = mapped_column(String(120), primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)

    def __repr__(self) -> str:
        return f"<OaiRecordSet {self.spec} item {self.item_id}>"


class OaiTask(Base):
    """An outbox row: this item's record may have changed in the transaction that wrote the row."""

    __tablename__ = "oai_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<OaiTask {self.id} item {self.item_id}>"
