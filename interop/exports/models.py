"""Where an item imported from a bag came from: its identity in the archive it was first described in."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class ImportedItem(Base):
    """An item brought in by `bag import`, with its source repository and its id there.

    The pair is the item's identity in every later bag, whichever instance exports it: a bag that
    comes back to the archive it started in, or passes through a third, is recognised.
    """

    __tablename__ = "imported_items"
    __table_args__ = (UniqueConstraint("source_repository", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), unique=True)
    source_repository: Mapped[str] = mapped_column(String(255))
    source_id: Mapped[str] = mapped_column(String(100))
    # The bag's External-Identifier, for the people who trace an item back to its delivery.
    bag: Mapped[str | None] = mapped_column(String(255))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<ImportedItem {self.item_id} from {self.source_repository}:{self.source_id}>"
