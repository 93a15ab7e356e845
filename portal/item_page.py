"""What the visitor's page of an item shows: its texts along the visitor's language chain, its files as
pages to look at, its terms, the exhibitions showing it, related items, a citation and share links.

It reads both domains (the archive's item, the exhibitions showing it), so it is the portal's.
"""

from dataclasses import dataclass
from datetime import date

from flask import url_for

from archive import jobs, queries
from archive.forms import TYPE_LABELS
from archive.media import ATTACHMENT_TYPES, DERIVATIVE_SIDES, derivative_path, derivative_size, display_name
from archive.models import Item, MediaFile
from archive.rights import ShownRights
from archive.rights import shown as shown_rights
from archive.source_images import image_origins, service_for_page
from core import language_policy
from core.i18n import label_in
from core.sharing import share_links
from core.urls import public_url
from exhibitions import reading

# The image's width on the page, for the browser to pick a derivative: the main column on a wide
# screen (vitrine.css, .item-page), the screen less its margins on a phone.
IMAGE_SIZES = "(min-width: 60rem) 44rem, calc(100vw - 2.5rem)"
RELATED_COUNT = 6
# OpenSeadragon as tools/vendor.sh copies it from the npm registry: static/zoom.js loads it when asked to zoom.
ZOOM_SCRIPT = "vendor/openseadragon/openseadragon.min.js"


@dataclass(frozen=True)
class PageImage:
    """One page of a file: its image in every derivative size (`srcset`), its own size to keep its place, and the
    image information of its IIIF image service (`zoom`), which the deep-zoom viewer reads."""

    number: int
    src: str
    srcset: str
    thumb: str
    full: str
    zoom: str
    width: int | None
    height: int | None
    thumb_size: tuple[int, int] | None


@dataclass(frozen=True)
class Document:
    """A file of the item as the page shows it: its pages, and the original to download."""

    media_id: int
    name: str
    mime_type: str
    size: int
    download: bool
    original: str
    pages: tuple[PageImage, ...]


@dataclass(frozen=True)
class Related:
    """An item close to this one, as a card: its title along the chain and its thumbnail, if made."""

    id: int
    title: str
    lang: str
    date: str | None
    thumb: str | None


@dataclass(frozen=True)
class Source:
    """Where a harvested item comes from, as the page names it: its repository, and the record's page there."""

    name: str
    url: str | None


@dataclass(frozen=True)
class ItemPage:
    """Everything the item page shows, read once."""

    item: Item
    texts: dict  # title, caption, description, transcription: archive.queries.ShownText
    wanted: str
    type_label: str
    place: tuple[str, str | None] | None  # (name, its language)
    body: tuple[str, str | None] | None
    terms: list[tuple[str, str | None, str]]  # (label, its language, code)
    rights: ShownRights | None  # named in the first language of the chain the catalogs name statements in
    files: list[Document]
    pending: int
    exhibitions: list[reading.Appearance]
    related: list[Related]
    permanent_url: str
    page_url: str
    manifest_url: str  # its IIIF Presentation manifest, for viewers built by others
    share_image: str | None  # absolute: a page shared on a social network shows it
    shares: list[dict]
    today: date
    source: Source | None = None  # a harvested item's: "from <source>", with a link back
    # Origins outside this site the page loads images from (a source's image service): its content policy's.
    image_origins: tuple[str, ...] = ()

    @property
    def has_pages(self) -> bool:
        """True when a file has several pages, shown one at a time by the page viewer."""
        return any(len(file.pages) > 1 for file in self.files)


def page_image(media: MediaFile, number: int, item: Item | None = None) -> PageImage:
    """A page of a file in the three derivative sizes, the middle one by default."""

    def url(kind: str) -> str:
        return url_for("archive.media_derivative", media_id=media.id, kind=kind, page=number)

    sizes = {kind: derivative_size(media, kind) for kind in DERIVATIVE_SIDES}
    srcset = ", ".join(f"{url(kind)} {(size or (side, side))[0]}w" for (kind, side), size in
                       zip(DERIVATIVE_SIDES.items(), sizes.values(), strict=True))  # fmt: skip
    width, height = sizes["book"] or (None, None)
    # The image service (interop.iiif) names a page `<file id>-<page>`; its info.json starts a deep zoom.
    # A harvested image whose source has an image service zooms from there (archive.source_images).
    source = service_for_page(item, media, number) if item is not None else None
    zoom = source.info_url if source else url_for("iiif.image_info", identifier=f"{media.id}-{number}")
    return PageImage(number, url("book"), srcset, url("thumb"), url("web"), zoom, width, height, sizes["thumb"])


def documents(item: Item) -> tuple[list[Document], int]:
    """The item's files whose previews are ready, each with its pages; and how many are still being made."""
    states = jobs.preview_states(item.media)
    ready = [media for media in item.media if states[media.id].ready]
    files = [Document(media.id, display_name(media.original_name), media.mime_type, media.size,
                      media.mime_type in ATTACHMENT_TYPES, url_for("archive.media_file", media_id=media.id),
                      tuple(page_image(media, n, item) for n in range(1, media.pages + 1)))
             for media in ready]  # fmt: skip
    return files, sum(1 for media in item.media if states[media.id].pending)


def related(session, item: Item, lang: str) -> list[Related]:
    """A handful of published items close to this one (archive.queries.related_items), as cards."""
    cards = []
    for other in queries.related_items(session, item, RELATED_COUNT):
        shown = queries.display_text(other, lang)
        media = other.media[0] if other.media else None
        has_thumb = media is not None and derivative_path(media.sha256, "thumb").is_file()
        thumb = url_for("archive.media_derivative", media_id=media.id, kind="thumb", page=1) if has_thumb else None
        cards.append(Related(other.id, shown.text.title if shown.text else other.reference_code, shown.lang,
                             other.date_text, thumb))  # fmt: skip
    return cards


def read_item_page(session, item: Item, chain: list[str]) -> ItemPage:
    """The item page for a visitor reading along `chain` (core.language_policy), the visitor's language first."""
    lang = chain[0]
    texts = queries.texts_along(item, chain)
    files, pending = documents(item)
    permanent = public_url("items.public_item", item_id=item.id)
    shown_in = texts["title"].lang if texts["title"].text else lang
    shared = public_url("items.public_item", item_id=item.id, **{language_policy.LINK_ARG: lang})
    first = files[0].media_id if files else None
    share_image = public_url("archive.media_derivative", media_id=first, kind="web", page=1) if first else None
    return ItemPage(
        item=item,
        texts=texts,
        wanted=lang,
        type_label=str(TYPE_LABELS[item.type]),
        place=label_in(item.place.names, lang) if item.place else None,
        body=label_in(item.body.names, lang) if item.body else None,
        terms=[(*label_in(term.labels, lang), term.code) for term in item.terms],
        rights=shown_rights(item.rights, chain),
        files=files,
        pending=pending,
        exhibitions=reading.showing_item(session, item.id, lang),
        related=related(session, item, lang),
        permanent_url=permanent,
        manifest_url=public_url("iiif.item_manifest", item_id=item.id),
        page_url=public_url("items.public_item", item_id=item.id, lang=shown_in),
        share_image=share_image,
        shares=share_links(shared, texts["title"].text or item.reference_code),
        today=date.today(),
        source=source_of(item),
        image_origins=tuple(image_origins(item)),
    )


def source_of(item: Item) -> Source | None:
    """The source a harvested item comes from; None for the archive's own."""
    provenance = item.provenance
    if provenance is None:
        return None
    return Source(provenance.repository.display_name, provenance.source_url)
