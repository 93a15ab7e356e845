"""A harvested item's IIIF Image service at its source: deep zoom reads the source's full-resolution tiles, while
the item's own stored copy (1,600 px) stays what pages, manifests' image ids and e-books show.

interop.harvest reads the service from the record's IIIF manifest at harvest time and the archive keeps it on
the item's provenance (`image_service_url`, `_type`, `_profile`). It stands for the item's first file, the
display image harvested with the record, and only its first page. Pages showing it name the service's origin
in their content policy: `image_origins` is the one list of them (issue 24's Content-Security-Policy adds it
to img-src and connect-src, since the zoom viewer reads info.json and then tiles from there).
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from archive.models import Item, MediaFile


@dataclass(frozen=True)
class SourceService:
    """An image service at a source: its base URL (no trailing slash), IIIF type and profile as it gave them."""

    url: str
    type: str  # "ImageService3" or "ImageService2"
    profile: str

    @property
    def info_url(self) -> str:
        return f"{self.url}/info.json"

    def reference(self) -> dict:
        """The service as a Presentation 3 manifest names it (an Image API 2 service keeps its @id and @type)."""
        if self.type == "ImageService2":
            return {"@id": self.url, "@type": self.type, "profile": self.profile}
        return {"id": self.url, "type": self.type, "profile": self.profile}


def source_service(item: Item) -> SourceService | None:
    """The image service of a harvested item's display image at its source, if the harvest found one."""
    provenance = item.provenance
    if provenance is None or provenance.deleted or not provenance.image_service_url:
        return None
    return SourceService(provenance.image_service_url, provenance.image_service_type or "ImageService3",
                         provenance.image_service_profile or "level0")  # fmt: skip


def service_for_page(item: Item, media: MediaFile, page: int) -> SourceService | None:
    """The source's service for a page of one of the item's files: only the first page of its harvested image."""
    if page != 1 or media.source_url is None or not item.media or item.media[0].id != media.id:
        return None
    return source_service(item)


def origin(url: str) -> str | None:
    """scheme://host[:port] of an http(s) URL, lowercase; None for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def image_origins(item: Item) -> list[str]:
    """The origins outside this site that a page showing `item` loads images and image information from:
    what its Content-Security-Policy must allow (img-src, connect-src). Empty for the archive's own items."""
    service = source_service(item)
    found = origin(service.url) if service else None
    return [found] if found else []
