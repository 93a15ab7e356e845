"""Harvest runs: one harvest of one source repository, its progress kept so a stopped run resumes."""

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models import SourceRepository
from core.auth import User
from core.db import Base, string_enum, utcnow


class RunState(enum.StrEnum):
    QUEUED = "queued"  # asked for (the admin page): a worker or the web process's runner takes it
    RUNNING = "running"  # a process holds it while its lease lasts
    INTERRUPTED = "interrupted"  # stopped between pages (an error, a crash): the next run resumes it
    COMPLETE = "complete"  # every page read: its response date is the next run's `from`
    FAILED = "failed"  # refused (a hostile or broken answer): the next run starts afresh


class HarvestRun(Base):
    """One harvest of a source: the `from` it asked, the first answer's `responseDate` (the next run's `from`
    once this one is complete), the resumption token of the page to read next, counts, and what went wrong.

    Each page's records and the run's progress are written in one unit of work, so a run stopped between
    pages resumes at the next page and never stores a page twice.
    """

    __tablename__ = "harvest_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("source_repositories.id", ondelete="CASCADE"), index=True)
    state: Mapped[RunState] = mapped_column(string_enum(RunState), default=RunState.QUEUED, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    from_date: Mapped[str | None] = mapped_column(String(32))  # as sent, in the source's granularity
    response_date: Mapped[str | None] = mapped_column(String(32))  # of the first page, as the source wrote it
    resumption_token: Mapped[str | None] = mapped_column(Text)  # of the next page to read
    pages: Mapped[int] = mapped_column(Integer, default=0)
    complete_list_size: Mapped[int | None] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # records logged and skipped
    images: Mapped[int] = mapped_column(Integer, default=0)  # images fetched and stored
    # A code the pages turn into a sentence (interop.harvest.errors), and a one-line detail; never a traceback.
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_detail: Mapped[str | None] = mapped_column(String(1000))
    # The records skipped and the images refused: [{"identifier", "message"}], the first PROBLEMS_KEPT.
    problems: Mapped[list] = mapped_column(JSON, default=list)

    repository: Mapped[SourceRepository] = relationship()
    requested_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<HarvestRun {self.id} of {self.repository_id} {self.state}>"

    @property
    def records(self) -> int:
        """Records read so far."""
        return self.added + self.updated + self.unchanged + self.deleted + self.skipped
