"""Archive records: items and their texts, vocabulary, places, contributing bodies, media."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.rights import NOT_EVALUATED
from core.auth import User
from core.db import Base, string_enum, utcnow


class ItemType(enum.StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    POSTER = "poster"
    PUBLICATION = "publication"
    OTHER = "other"


class ItemStatus(enum.StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class TextState(enum.StrEnum):
    MACHINE = "machine"
    DRAFT = "draft"
    REVIEWED = "reviewed"


class LabelState(enum.StrEnum):
    """How far a label of the reference data (a term, a venue, a body) is translated."""

    SHIPPED = "shipped"  # as the programme's reference data gives it: `refdata load` keeps it up to date
    DRAFT = "draft"  # written or changed by an admin, not yet checked
    REVIEWED = "reviewed"  # checked; `refdata load` leaves it as it is


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PlaceKind(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"  # centrally-run city of Vietnam (thành phố trực thuộc trung ương)
    ABROAD = "abroad"  # a city or venue outside Vietnam


class BodyKind(enum.StrEnum):
    MINISTRY = "ministry"
    PROVINCE = "province"
    PRESS = "press"
    OTHER = "other"


item_terms = Table(
    "item_terms",
    Base.metadata,
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("terms.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Scheme(Base):
    """A vocabulary: the UN conventions, the programme's themes, its content lines."""

    __tablename__ = "schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    labels: Mapped[dict] = mapped_column(JSON, default=dict)
    # lang → LabelState of each label; a label without one is as shipped (archive.reference_editing).
    translation_states: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    position: Mapped[int] = mapped_column(default=0)

    terms: Mapped[list["Term"]] = relationship(back_populates="scheme", order_by="Term.position")

    def __repr__(self) -> str:
        return f"<Scheme {self.code}>"


class Term(Base):
    """A term of a scheme, with a stable code and a label per language."""

    __tablename__ = "terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("schemes.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    labels: Mapped[dict] = mapped_column(JSON, default=dict)
    # lang → LabelState of each label; a label without one is as shipped (archive.reference_editing).
    translation_states: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    position: Mapped[int] = mapped_column(default=0)

    scheme: Mapped[Scheme] = relationship(back_populates="terms")

    def __repr__(self) -> str:
        return f"<Term {self.code}>"


class Place(Base):
    """A province or centrally-run city with its validity dates, or a place abroad."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[PlaceKind] = mapped_column(string_enum(PlaceKind))
    country: Mapped[str] = mapped_column(String(2), default="VN")
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    # lang → LabelState of each label; a label without one is as shipped (archive.reference_editing).
    translation_states: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))

    successor: Mapped["Place | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Place {self.code}>"

    def valid_on(self, day: date) -> bool:
        """True when the place existed under this name on that day."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class Body(Base):
    """A contributing body: a ministry, a province, a press agency."""

    __tablename__ = "bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[BodyKind] = mapped_column(string_enum(BodyKind))
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    # lang → LabelState of each label; a label without one is as shipped (archive.reference_editing).
    translation_states: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    def __repr__(self) -> str:
        return f"<Body {self.code}>"


class Item(Base):
    """One archival unit: a photo, a document, a poster, a publication."""

    __tablename__ = "items"
    # Lists newest change first read a page from where the last one stopped (core.pagination.keyset_page):
    # the public's through the published rows, staff's through all.
    __table_args__ = (
        Index("ix_items_updated_at_id", "updated_at", "id"),
        Index("ix_items_status_updated_at_id", "status", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_code: Mapped[str] = mapped_column(String(80), unique=True)
    type: Mapped[ItemType] = mapped_column(string_enum(ItemType))
    date_text: Mapped[str | None] = mapped_column(String(40))
    date_start: Mapped[date | None] = mapped_column(Date, index=True)
    date_end: Mapped[date | None] = mapped_column(Date)
    date_approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"), index=True)
    creator: Mapped[str | None] = mapped_column(String(255))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="SET NULL"), index=True)
    # The canonical URI of one statement or licence (archive.rights), set on every item since 0010. The column
    # stays nullable: making it NOT NULL would have SQLite rebuild the items table, cascading through its children.
    rights: Mapped[str] = mapped_column(Text, nullable=True, default=NOT_EVALUATED)
    # The free text the rights were written in before 0010 (or harvested), kept for archivists.
    rights_note: Mapped[str | None] = mapped_column(Text)
    # The rights need an archivist's review: an old free text no statement could be read from.
    rights_flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    source_archive: Mapped[str | None] = mapped_column(String(255))
    fonds: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[ItemStatus] = mapped_column(string_enum(ItemStatus), default=ItemStatus.DRAFT, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    place: Mapped[Place | None] = relationship()
    body: Mapped[Body | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    texts: Mapped[list["ItemText"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemText.lang"
    )
    terms: Mapped[list[Term]] = relationship(secondary=item_terms, order_by=Term.code)
    tags: Mapped[list["ItemTag"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemTag.label"
    )
    media: Mapped[list["MediaFile"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="MediaFile.position"
    )
    # Where a harvested item comes from (archive.harvested); None for the archive's own items.
    provenance: Mapped["ItemProvenance | None"] = relationship(back_populates="item", cascade="all, delete-orphan")

    # The version column makes every UPDATE check the row was not changed meanwhile.
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Item {self.reference_code} {self.status}>"

    def text_for(self, lang: str) -> "ItemText | None":
        """The texts in exactly this language, if any."""
        return next((t for t in self.texts if t.lang == lang), None)

    @property
    def languages(self) -> list[str]:
        return [t.lang for t in self.texts]


class ItemText(Base):
    """Title, description, caption and transcription of an item in one language."""

    __tablename__ = "item_texts"
    __table_args__ = (UniqueConstraint("item_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(35), index=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    caption: Mapped[str | None] = mapped_column(Text)
    transcription: Mapped[str | None] = mapped_column(Text)
    state: Mapped[TextState] = mapped_column(string_enum(TextState), default=TextState.DRAFT)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    item: Mapped[Item] = relationship(back_populates="texts")

    def __repr__(self) -> str:
        return f"<ItemText {self.item_id}/{self.lang}>"


class ItemTag(Base):
    """A free tag an archivist put on an item, outside the controlled vocabulary."""

    __tablename__ = "item_tags"
    __table_args__ = (UniqueConstraint("item_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100), index=True)

    item: Mapped[Item] = relationship(back_populates="tags")

    def __repr__(self) -> str:
        return f"<ItemTag {self.label}>"


class MediaFile(Base):
    """An original file of an item, stored by SHA-256 and never rewritten."""

    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str | None] = mapped_column(String(255))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(default=0)
    pages: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # How its text was read: "pdf" (text layer), "ocr" (Tesseract), "no_ocr" (Tesseract missing), or None.
    text_source: Mapped[str | None] = mapped_column(String(16))
    # The address a harvested item's image was fetched from (archive.harvested); None for an upload.
    source_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    item: Mapped[Item] = relationship(back_populates="media")
    # The database deletes a file's jobs with it (ON DELETE CASCADE): no need to load them.
    jobs: Mapped[list["MediaJob"]] = relationship(
        back_populates="media", cascade="all, delete-orphan", passive_deletes=True, order_by="MediaJob.id"
    )

    def __repr__(self) -> str:
        return f"<MediaFile {self.sha256[:12]} of item {self.item_id}>"

    @property
    def latest_job(self) -> "MediaJob | None":
        """The file's most recent processing job, whose state the pages show."""
        return self.jobs[-1] if self.jobs else None


class MediaJob(Base):
    """Making one file's previews (and reading its text) after the upload committed.

    Written in the upload's own transaction, so a crash after commit loses no job. A runner
    claims it (queued → running, with a lease), then marks it done or failed. A running job
    whose lease ran out lost its worker and is claimed again, up to a number of attempts.
    """

    __tablename__ = "media_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_files.id", ondelete="CASCADE"), index=True)
    read_text: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[JobState] = mapped_column(string_enum(JobState), default=JobState.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A file of more than MEDIA_SLICE_PAGES pages is made a slice at a time, each a claim of its own: the
    # first page of the next slice (1 until one slice is done).
    next_page: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # A code the pages turn into a sentence in the reader's language (archive.jobs), and a
    # one-line technical detail for the log and admins; never a traceback.
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_detail: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    media: Mapped[MediaFile] = relationship(back_populates="jobs")

    def __repr__(self) -> str:
        return f"<MediaJob {self.id} media {self.media_id} {self.state}>"


class FixityRun(Base):
    """One pass of `fixity check` over every original: counts and the problems found."""

    __tablename__ = "fixity_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    altered: Mapped[int] = mapped_column(Integer, default=0)
    # Files in the originals' folder the database does not know (archive.fixity): listed, not a failure.
    stray: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # [{"sha256", "problem": "missing"|"altered", "items": [reference codes]}, {"path", "problem": "stray"}]
    problems: Mapped[list] = mapped_column(JSON, default=list)

    @property
    def passed(self) -> bool:
        """Every original is there and intact (stray files aside)."""
        return self.missing == 0 and self.altered == 0

    def __repr__(self) -> str:
        return (f"<FixityRun {self.id} checked={self.checked} missing={self.missing} altered={self.altered} "
                f"stray={self.stray}>")  # fmt: skip


class SourceRepository(Base):
    """An OAI-PMH repository whose records this instance harvests: a province's Vitrine, another archive.

    `repository_identifier` qualifies the reference codes of its items; it is read once, from its
    Identify answer (its oai-identifier description, else its host), and never changes after.
    """

    __tablename__ = "source_repositories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)  # as given to `harvest add`
    base_url: Mapped[str] = mapped_column(String(2000))
    set_spec: Mapped[str | None] = mapped_column(String(200))
    repository_identifier: Mapped[str | None] = mapped_column(String(255), index=True)
    repository_name: Mapped[str | None] = mapped_column(String(255))  # its Identify repositoryName
    granularity: Mapped[str | None] = mapped_column(String(32))  # YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ
    # The language of its texts that carry no xml:lang ("und": not known).
    default_lang: Mapped[str] = mapped_column(String(35), default="und")
    # Hosts besides the base URL's that its images may be fetched from.
    image_hosts: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<SourceRepository {self.name}>"

    @property
    def display_name(self) -> str:
        """What a visitor reads after "from": the repository's own name, else the name it was added under."""
        return self.repository_name or self.name


class ItemProvenance(Base):
    """Where a harvested item comes from: its source repository, OAI identifier (one item per identifier,
    ever), the datestamp last harvested and the record's own page at the source."""

    __tablename__ = "item_provenance"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("source_repositories.id", ondelete="RESTRICT"), index=True)
    oai_identifier: Mapped[str] = mapped_column(String(255), unique=True)
    datestamp: Mapped[str] = mapped_column(String(32))  # as the source wrote it, in its granularity
    source_url: Mapped[str | None] = mapped_column(String(2000))
    # The record's IIIF Presentation manifest at the source (a dc:relation), for deep zoom through its image service.
    manifest_url: Mapped[str | None] = mapped_column(String(2000))
    # That manifest's image service for the first image (archive.source_images): deep zoom reads the source's tiles.
    image_service_url: Mapped[str | None] = mapped_column(String(2000))
    image_service_type: Mapped[str | None] = mapped_column(String(20))  # ImageService3 or ImageService2
    image_service_profile: Mapped[str | None] = mapped_column(String(100))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)  # the source reports the record deleted
    harvested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    item: Mapped[Item] = relationship(back_populates="provenance")
    repository: Mapped[SourceRepository] = relationship()

    def __repr__(self) -> str:
        return f"<ItemProvenance {self.oai_identifier}>"


class ImportJob(Base):
    """A CSV import (with its optional ZIP) asked for from the web page or the API, run by a worker.

    The uploaded files wait in a folder of their own under the shared imports folder (`folder`)
    until the job ends. A runner claims it with a lease it renews as rows go by; a job whose
    lease ran out, or that met an unexpected error, is queued again after a back-off
    (`not_before`), up to a number of attempts, then dead-lettered (`dead_at`) for an admin.
    """

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    folder: Mapped[str] = mapped_column(String(64))
    csv_name: Mapped[str] = mapped_column(String(255))
    zip_name: Mapped[str | None] = mapped_column(String(255))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    lang: Mapped[str] = mapped_column(String(35))  # of the request: the report's messages speak it
    state: Mapped[JobState] = mapped_column(string_enum(JobState), default=JobState.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    problems_so_far: Mapped[int] = mapped_column(Integer, default=0)
    # The final report (imported, skipped, problems by line), as the API returns it.
    report: Mapped[dict | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_detail: Mapped[str | None] = mapped_column(String(500))
    worker: Mapped[str | None] = mapped_column(String(128))  # host and pid of the runner holding it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.state} {self.rows_done}/{self.rows_total}>"
