"""Exhibitions: sets for a venue, their sections and entries, QR links and their scans."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models import Item, Place, TextState
from core.auth import User
from core.db import Base, string_enum, utcnow


class ExhibitionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ExhibitionMode(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    BOTH = "both"


class QrTarget(enum.StrEnum):
    EXHIBITION = "exhibition"
    SECTION = "section"
    ENTRY = "entry"
    EBOOK = "ebook"


class PrintedIn(enum.StrEnum):
    """What made a panel code printed: the first publication that carried it, or freezing the exhibition."""

    LABELS = "labels"
    CATALOGUE = "catalogue"
    BOOK = "book"
    OFFLINE = "offline"
    ARCHIVE = "archive"


class Exhibition(Base):
    """A set of items shown at one venue on given dates, in person, online or both."""

    __tablename__ = "exhibitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Short, typeable prefix of panel codes (`CB25` in `CB25-017`): venue and year.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"), index=True)
    mode: Mapped[ExhibitionMode] = mapped_column(string_enum(ExhibitionMode), default=ExhibitionMode.BOTH)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    primary_language: Mapped[str] = mapped_column(String(35), default="vi")
    # Other languages the exhibition is shown in, in the curator's order.
    languages: Mapped[list] = mapped_column(JSON, default=list)
    # The order texts fall back in when one is missing (Geneva: fr → en → vi); vi always ends it.
    fallback_chain: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[ExhibitionStatus] = mapped_column(
        string_enum(ExhibitionStatus), default=ExhibitionStatus.DRAFT, index=True
    )
    is_framework: Mapped[bool] = mapped_column(Boolean, default=False)
    derived_from_id: Mapped[int | None] = mapped_column(ForeignKey("exhibitions.id", ondelete="SET NULL"), index=True)
    # Framework entries this exhibition removed on purpose, so the diff does not offer them again.
    declined_sources: Mapped[list] = mapped_column(JSON, default=list)
    # What the public saw when the exhibition was archived: see publishing.freeze.
    frozen: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Taken down from public view (composing.take_down): every public surface answers as if it were gone, whatever
    # its status, which it keeps (an archived exhibition stays frozen, to be shown again as it was if restored).
    # Who did it and why are in its audit events.
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    venue: Mapped[Place | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    derived_from: Mapped["Exhibition | None"] = relationship(remote_side=[id])
    texts: Mapped[list["ExhibitionText"]] = relationship(
        back_populates="exhibition", cascade="all, delete-orphan", order_by="ExhibitionText.lang"
    )
    sections: Mapped[list["Section"]] = relationship(
        back_populates="exhibition", cascade="all, delete-orphan", order_by="Section.position"
    )
    printed_codes: Mapped[list["PrintedPanelCode"]] = relationship(
        back_populates="exhibition", cascade="all, delete-orphan", passive_deletes=True,
        order_by="PrintedPanelCode.id",
    )  # fmt: skip

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Exhibition {self.code} {self.status}>"

    @property
    def taken_down(self) -> bool:
        """Withdrawn from public view, live or archived."""
        return self.withdrawn_at is not None

    def text_for(self, lang: str) -> "ExhibitionText | None":
        """The title and introduction in exactly this language, if any."""
        return next((t for t in self.texts if t.lang == lang), None)

    @property
    def all_languages(self) -> list[str]:
        """The primary language first, then the others, without repeats."""
        return list(dict.fromkeys([self.primary_language, *(self.languages or [])]))

    @property
    def entries(self) -> list["Entry"]:
        """Every entry, section by section, in order."""
        return [entry for section in self.sections for entry in section.entries]


class ExhibitionText(Base):
    """Title and introduction of an exhibition in one language."""

    __tablename__ = "exhibition_texts"
    __table_args__ = (UniqueConstraint("exhibition_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibition_id: Mapped[int] = mapped_column(ForeignKey("exhibitions.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(35))
    title: Mapped[str] = mapped_column(String(500))
    introduction: Mapped[str | None] = mapped_column(Text)
    state: Mapped[TextState] = mapped_column(string_enum(TextState), default=TextState.DRAFT)

    exhibition: Mapped[Exhibition] = relationship(back_populates="texts")

    def __repr__(self) -> str:
        return f"<ExhibitionText {self.exhibition_id}/{self.lang}>"


class Section(Base):
    """A part of an exhibition: a title and text per language, and ordered entries."""

    __tablename__ = "exhibition_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibition_id: Mapped[int] = mapped_column(ForeignKey("exhibitions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # {lang: {"title": …, "body": …, "state": machine|draft|reviewed}}
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    # The framework section this one was copied from, for the diff and pulls.
    source_section_id: Mapped[int | None] = mapped_column(
        ForeignKey("exhibition_sections.id", ondelete="SET NULL"), index=True
    )

    exhibition: Mapped[Exhibition] = relationship(back_populates="sections")
    entries: Mapped[list["Entry"]] = relationship(
        back_populates="section", cascade="all, delete-orphan", order_by="Entry.position"
    )

    def __repr__(self) -> str:
        return f"<Section {self.id} of exhibition {self.exhibition_id}>"


class Entry(Base):
    """An item on a panel: its place in the section, a panel number, captions per language."""

    __tablename__ = "exhibition_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("exhibition_sections.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    panel_number: Mapped[str | None] = mapped_column(String(20))
    # Caption overrides: {lang: {"text": …, "state": machine|draft|reviewed}}
    captions: Mapped[dict] = mapped_column(JSON, default=dict)
    # Title overrides for this exhibition only, shaped as the captions: the item's own title elsewhere.
    titles: Mapped[dict] = mapped_column(JSON, default=dict)
    source_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("exhibition_entries.id", ondelete="SET NULL"), index=True
    )
    # The framework entry as it was when copied or last pulled: {"item_id", "captions", "titles"}.
    # Comparing it with both sides tells a framework change from a local adaptation.
    source_state: Mapped[dict | None] = mapped_column(JSON)

    section: Mapped[Section] = relationship(back_populates="entries")
    item: Mapped[Item] = relationship()

    def __repr__(self) -> str:
        return f"<Entry {self.id} item {self.item_id} panel {self.panel_number}>"


class QrLink(Base):
    """A short stable code printed on a panel or in a book; resolves to a page and counts scans.

    The target id has no foreign key: a code printed for a panel that was removed must still
    answer with a clear page, not vanish.
    """

    __tablename__ = "qr_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    exhibition_id: Mapped[int] = mapped_column(ForeignKey("exhibitions.id", ondelete="CASCADE"), index=True)
    target: Mapped[QrTarget] = mapped_column(string_enum(QrTarget))
    target_id: Mapped[int | None] = mapped_column(Integer)
    # The language the code was printed for; None means the exhibition's primary language.
    lang: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    exhibition: Mapped[Exhibition] = relationship()

    def __repr__(self) -> str:
        return f"<QrLink {self.code} → {self.target} {self.target_id}>"


class PrintedPanelCode(Base):
    """A panel code that left the building: labels, a catalogue or a book carried it, or the exhibition was
    frozen. It stays its entry's for good: never given to another entry, and after a renumber it still leads to
    its entry, as an alias of the entry's new number.

    The entry id has no foreign key, as in QrLink: a printed code of a panel removed since must still answer.
    """

    __tablename__ = "printed_panel_codes"
    __table_args__ = (UniqueConstraint("exhibition_id", "panel_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibition_id: Mapped[int] = mapped_column(ForeignKey("exhibitions.id", ondelete="CASCADE"), index=True)
    # The panel number as typed codes are compared (qr.panel_key: `017`, `17` and `1-7`… → `17`).
    panel_key: Mapped[str] = mapped_column(String(20))
    # As it was printed, after the exhibition's code: `CB25-017`.
    code: Mapped[str] = mapped_column(String(40))
    entry_id: Mapped[int] = mapped_column(Integer)
    printed_in: Mapped[PrintedIn] = mapped_column(string_enum(PrintedIn))
    printed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    exhibition: Mapped[Exhibition] = relationship(back_populates="printed_codes")

    def __repr__(self) -> str:
        return f"<PrintedPanelCode {self.code} → entry {self.entry_id}>"


class QrScanDay(Base):
    """How many times a code was opened on one day; nothing about who opened it."""

    __tablename__ = "qr_scan_days"

    qr_link_id: Mapped[int] = mapped_column(ForeignKey("qr_links.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<QrScanDay {self.qr_link_id} {self.day} {self.count}>"


class QrScanVisitor(Base):
    """A scan counted today: a keyed hash (HMAC) of the code, the scanner's address and browser and the day,
    so that a burst of scans of one panel from one client counts once, across every web process and machine.
    Nothing in it names the visitor, and the rows of past days are deleted (exhibitions.qr.count_scan)."""

    __tablename__ = "qr_scan_visitors"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor: Mapped[str] = mapped_column(String(64), primary_key=True)  # HMAC-SHA256, in hex

    def __repr__(self) -> str:
        return f"<QrScanVisitor {self.day} {self.visitor[:8]}…>"


class PublicationKind(enum.StrEnum):
    EPUB = "epub"
    CATALOGUE = "catalogue"  # the printable PDF
    OFFLINE = "offline"  # the ZIP of static pages with the e-book


class DownloadDay(Base):
    """How many times a publication of an exhibition in one language was downloaded on one day;
    nothing about who downloaded it."""

    __tablename__ = "download_days"

    exhibition_id: Mapped[int] = mapped_column(ForeignKey("exhibitions.id", ondelete="CASCADE"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(35), primary_key=True)
    kind: Mapped[PublicationKind] = mapped_column(string_enum(PublicationKind), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<DownloadDay {self.exhibition_id} {self.lang} {self.kind} {self.day} {self.count}>"
