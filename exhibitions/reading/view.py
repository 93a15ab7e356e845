"""What a reader sees of an exhibition in one language: one typed, immutable view that every output renders.

The public pages, the API, the e-book, the catalogue, the labels, the offline package, the readiness
checks and the frozen snapshot all read this and nothing else of the exhibition. It is built once per
request or build (builder.py), live from the models or read back from the snapshot taken when the
exhibition was archived (snapshot.py); templates read its attributes as they read dict items.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from core.urls import qr_url


@dataclass(frozen=True, slots=True)
class Text:
    """A text chosen along the language chain: `lang` is the language shown, `fallback` when it is not the
    reader's; `text` None (and `lang` the reader's) when no language of the chain has one."""

    text: str | None
    lang: str
    fallback: bool
    state: str | None  # machine | draft | reviewed, as written


@dataclass(frozen=True, slots=True)
class Rights:
    """An item's rights as the reader sees them: the statement's URI (archive.rights), its name and that name's
    language (the first of the chain the catalogs name statements in). `uri` is None only in a snapshot taken
    before rights were statements, which keeps the free text shown then."""

    uri: str | None
    label: str
    lang: str
    is_licence: bool = False


@dataclass(frozen=True, slots=True)
class ImageRef:
    """The file of an item shown for it: what the image routes and the publications need to find its derivatives."""

    media_id: int
    sha256: str
    width: int | None
    height: int | None


@dataclass(frozen=True, slots=True)
class Venue:
    """Where the exhibition is shown, named in the reader's language."""

    code: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class QrCode:
    """A short link's code and the absolute address its QR symbol holds (core.urls.qr_url)."""

    code: str
    url: str


def qr_code(code: str | None) -> QrCode | None:
    """A code with the absolute address its symbol holds under the site's base URL; None for none."""
    return QrCode(code, qr_url(code)) if code else None


@dataclass(frozen=True, slots=True)
class EntryView:
    """One entry as a reader sees it. `qr` is the code printed in the primary language (panels, labels, the public
    pages and the API); `printed_qr` the one printed in this view's language (books, catalogue, offline package).
    A `withdrawn` entry is the placeholder of an item taken down (`placeholder`): its panel, nothing of the item."""

    id: int
    item_id: int | None  # None in a placeholder
    item_published: bool
    item_status: str | None  # None in snapshots stored before it was kept
    panel_number: str | None
    panel_code: str | None
    reference_code: str
    type: str
    date: str | None
    place: str | None
    credit: str | None
    rights: Rights | None
    title: Text
    caption: Text
    description: Text
    image: ImageRef | None
    qr: QrCode | None
    printed_qr: QrCode | None
    withdrawn: bool = False

    @property
    def qr_code(self) -> str | None:
        """The primary language's code, as the API names it."""
        return self.qr.code if self.qr else None


def placeholder(entry: EntryView, lang: str) -> EntryView:
    """What stands in a view for an entry whose item was taken down: its place and panel number, and nothing of the
    item — no title, text, image, reference, credit or code to scan (its code answers 410). Every output words it
    in its reader's language."""
    empty = Text(None, lang, False, None)
    return EntryView(id=entry.id, item_id=None, item_published=False, item_status=None,
                     panel_number=entry.panel_number, panel_code=entry.panel_code, reference_code="", type="",
                     date=None, place=None, credit=None, rights=None, title=empty, caption=empty, description=empty,
                     image=None, qr=None, printed_qr=None, withdrawn=True)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SectionView:
    """A section: its title and text along the chain, and the entries shown in it."""

    id: int
    title: Text
    body: Text
    qr: QrCode | None
    entries: tuple[EntryView, ...]

    @property
    def qr_code(self) -> str | None:
        """The primary language's code, as the API names it."""
        return self.qr.code if self.qr else None


@dataclass(frozen=True, slots=True)
class ExhibitionView:
    """The exhibition in one language: settings, texts, venue, codes and sections in order. `qr` is the exhibition's
    primary-language code; `printed_qr` and `book_qr` the exhibition's and the e-book's codes printed in `lang`."""

    id: int
    code: str
    lang: str
    chain: tuple[str, ...]
    status: str
    mode: str
    is_framework: bool
    opens_on: date | None
    closes_on: date | None
    primary_language: str
    languages: tuple[str, ...]
    venue: Venue | None
    title: Text
    introduction: Text
    qr: QrCode | None
    printed_qr: QrCode | None
    book_qr: QrCode | None
    sections: tuple[SectionView, ...]
    # Taken down from public view: only staff read it, as a preview (reading.get_visible).
    withdrawn: bool = False

    @property
    def qr_code(self) -> str | None:
        """The primary language's code, as the API names it."""
        return self.qr.code if self.qr else None

    @property
    def entries(self) -> Iterator[EntryView]:
        """The entries in reading order, section by section."""
        return (entry for section in self.sections for entry in section.entries)

    def find_entry(self, entry_id: int) -> tuple[EntryView, SectionView, EntryView | None, EntryView | None] | None:
        """The entry, its section, and the entries shown before and after it across sections (placeholders have no
        page to lead to)."""
        flat = [(section, entry) for section in self.sections for entry in section.entries]
        for index, (section, entry) in enumerate(flat):
            if entry.id == entry_id:
                before = next((e for _s, e in reversed(flat[:index]) if not e.withdrawn), None)
                after = next((e for _s, e in flat[index + 1 :] if not e.withdrawn), None)
                return entry, section, before, after
        return None

    def find_section(self, section_id: int) -> SectionView | None:
        """A section of the view by id."""
        return next((s for s in self.sections if s.id == section_id), None)

    def cover_image(self) -> ImageRef | None:
        """The first image of the exhibition, for share previews and covers."""
        return next((e.image for e in self.entries if e.image), None)

    def image_files(self) -> frozenset[str]:
        """The SHA-256 of every file the view shows."""
        return frozenset(e.image.sha256 for e in self.entries if e.image)
