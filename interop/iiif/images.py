"""The image service's answers: the published page an identifier names, its information, the images cut from it.

The pixels are archive.tiles' (levels decoded once, regions cut and kept on disk); this module applies the
Image API to them (interop.iiif.image_api) and only ever shows pages of published items.
"""

from dataclasses import dataclass

from flask import current_app

from archive import tiles
from archive.models import ItemStatus, MediaFile
from core.errors import NotFound
from core.i18n import _
from core.urls import MAX_ID, public_url
from interop.iiif.image_api import IiifError, ImageRequest, Limits, info_document, parse_identifier, parse_request
from interop.iiif.rights import rights_uri


@dataclass(frozen=True)
class PlannedImage:
    """An image request understood: the page it is cut from, what to cut, and the entity tag of the result
    (known before any pixel is read, so a client's cached copy is confirmed without cutting)."""

    page: tiles.ZoomPage
    request: ImageRequest
    etag: str


def limits() -> Limits:
    """The largest image the service makes, from the settings."""
    config = current_app.config
    return Limits(int(config["IIIF_MAX_WIDTH"]), int(config["IIIF_MAX_AREA"]))


def service_id(media_id: int, page: int) -> str:
    """The image service's base URI of a page: `<base URL>/iiif/image/<media id>-<page>`."""
    return public_url("iiif.image_base", identifier=f"{media_id}-{page}")


def published_page(session, identifier: str) -> tuple[MediaFile, tiles.ZoomPage]:
    """The file and page an identifier names, if its item is published; IiifError 410 if it was withdrawn, else
    404."""
    named = parse_identifier(identifier)
    media = session.get(MediaFile, named[0]) if named and named[0] <= MAX_ID else None
    if media is not None and media.item.status == ItemStatus.WITHDRAWN:  # it was public: gone, not unknown
        raise IiifError(410, _("Image %(identifier)s has been withdrawn from public view.", identifier=identifier[:80]))
    if media is None or media.item.status != ItemStatus.PUBLISHED:
        raise IiifError(404, _("There is no published image %(identifier)s.", identifier=identifier[:80]))
    try:
        return media, tiles.zoom_page(media, named[1])
    except NotFound as error:
        raise IiifError(404, error.message) from None


def information(session, identifier: str) -> dict:
    """The info.json of an image: its size, limits, tiles and sizes, rights, and the manifest it belongs to."""
    media, page = published_page(session, identifier)
    manifest = {"id": public_url("iiif.item_manifest", item_id=media.item_id), "type": "Manifest"}
    return info_document(service_id(media.id, page.page), page.width, page.height,
                         tiles.scale_factors(page.width, page.height), tiles.TILE_SIZE, limits(), page.grey,
                         rights_uri(media.item.rights), [manifest])  # fmt: skip


def plan_image(session, identifier: str, region: str, size: str, rotation: str, quality_format: str) -> PlannedImage:
    """What an image request asks for, checked; IiifError when the image or the request is refused."""
    _media, page = published_page(session, identifier)
    asked = parse_request(region, size, rotation, quality_format, page.width, page.height, limits(), page.grey)
    return PlannedImage(page, asked, tiles.region_etag(page, asked.box, asked.size))


def cut_image(planned: PlannedImage) -> bytes:
    """The JPEG of a planned request, cut from the page's levels or taken from the cache."""
    bound = int(current_app.config["IIIF_CACHE_BYTES"])
    return tiles.cut(planned.page, planned.request.box, planned.request.size, bound)
