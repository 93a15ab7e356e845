"""A harvested record's IIIF Image service at its source, read from the record's IIIF manifest there, so that
the national database's deep zoom reads the source's full-resolution tiles rather than its own 1,600 px copy.

The manifest is asked as everything else is (interop.harvest.fetching: a size cap of MANIFEST_BYTES, timeouts,
only the source's hosts and the image hosts it was allowed). Its first canvas's painting annotation names the
image service: Presentation 3 (`items[0].items[0].items[0].body.service[0]`, ImageService3 or ImageService2)
or 2 (`sequences[0].canvases[0].images[0].resource.service`). The service is kept only if it is an http(s) URL
on one of those hosts too. A manifest missing, too large, not JSON or of another shape is logged and passed
over: the record is harvested as without one.
"""

import json
import logging
from urllib.parse import urlsplit

from archive.harvested import SourceService
from interop.harvest.fetching import Fetcher, FetchError

log = logging.getLogger(__name__)
MANIFEST_BYTES = 2 * 1024 * 1024
SERVICE_TYPES = ("ImageService3", "ImageService2")
URL_LENGTH = 2000
PROFILE_LENGTH = 100


def image_service(fetcher: Fetcher, manifest_url: str) -> SourceService | None:
    """The image service of the manifest's first canvas, if the manifest answers and names one on an allowed host."""
    try:
        answer = fetcher.get(manifest_url, MANIFEST_BYTES, fetcher.image_hosts, retries=1)
        document = json.loads(answer.body)
    except FetchError as refused:
        log.info("harvest: manifest %s not read: %s", manifest_url, refused)
        return None
    except (ValueError, RecursionError) as error:  # not JSON (UnicodeDecodeError is a ValueError), or too deep
        log.info("harvest: manifest %s is not JSON: %s", manifest_url, type(error).__name__)
        return None
    service = service_in(document)
    if service is None:
        log.info("harvest: manifest %s names no image service", manifest_url)
        return None
    parts = urlsplit(service.url)
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in fetcher.image_hosts:
        log.info("harvest: manifest %s names an image service elsewhere: %s", manifest_url, service.url[:200])
        return None
    return service


def service_in(document) -> SourceService | None:
    """The first canvas's image service in a Presentation 3 or 2 manifest, or None: any shape is tolerated."""
    try:
        if isinstance(document.get("items"), list):  # Presentation 3
            body = document["items"][0]["items"][0]["items"][0]["body"]
            services = body.get("service") if isinstance(body, dict) else None
            default = None
        else:  # Presentation 2
            resource = document["sequences"][0]["canvases"][0]["images"][0]["resource"]
            services, default = resource.get("service"), "ImageService2"
    except (AttributeError, LookupError, TypeError):
        return None
    if isinstance(services, dict):
        services = [services]
    for service in services if isinstance(services, list) else []:
        if isinstance(found := _service(service, default), SourceService):
            return found
    return None


def _service(service, default: str | None) -> SourceService | None:
    if not isinstance(service, dict):
        return None
    kind = service.get("type") or service.get("@type")
    context = service.get("@context")
    if kind not in SERVICE_TYPES:
        is_v2 = isinstance(context, str) and "/image/2/" in context
        kind = "ImageService2" if is_v2 else default
    url = service.get("id") or service.get("@id")
    if kind not in SERVICE_TYPES or not isinstance(url, str) or len(url) > URL_LENGTH:
        return None
    profile = service.get("profile")
    if isinstance(profile, list):  # Image API 2: the compliance URI, then what the service adds
        profile = next((p for p in profile if isinstance(p, str)), None)
    if not isinstance(profile, str) or len(profile) > PROFILE_LENGTH:
        profile = "level0" if kind == "ImageService3" else "http://iiif.io/api/image/2/level0.json"
    return SourceService(url.rstrip("/"), kind, profile)
