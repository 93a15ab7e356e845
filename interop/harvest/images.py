"""A harvested record's display image: found among its dc:identifier URLs, fetched at harvest time, and stored
as an upload is (archive.media: sniffed, probed in the sandbox, kept by SHA-256), so that no page, e-book or
catalogue ever fetches it while a visitor waits.

The image is the first identifier URL that answers with an image type (those ending like an image file are
asked first); an answer whose headers name another type (the record's HTML page) is dropped after its headers.
An answer that claims to be an image and is not is refused by the sandbox, reported, and the record kept
without it.
"""

import io
import logging
from urllib.parse import unquote, urlsplit

from archive.harvested import HarvestedImage
from archive.media import Upload, display_name, staged_uploads
from core.errors import VitrineError
from core.storage import Storage
from interop.harvest.fetching import Fetcher, FetchError

log = logging.getLogger(__name__)


def file_name(url: str) -> str:
    """A display name for an image from its URL: the last part of its path."""
    return display_name(unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) or "image")


def fetch_image(fetcher: Fetcher, storage: Storage, candidates: list[str]) -> tuple[HarvestedImage | None, str | None]:
    """The record's image stored and probed, or None; and why none, when something was refused on the way."""
    problem = None
    for url in candidates:
        try:
            answer = fetcher.image(url)
        except FetchError as refused:
            if refused.code != "not_image":  # a page, not an image: the next identifier may be the image
                problem = f"{url}: {refused.code} {refused.detail}".strip()
            continue
        try:
            with staged_uploads(storage, [Upload(file_name(answer.url), io.BytesIO(answer.body))]) as staged:
                entry = staged[0]
        except VitrineError as refused:
            problem = f"{url}: {refused.code or 'refused'}"  # the code: the message is in this process's language
            log.info("harvest: image refused: %s", problem)
            continue
        if not entry.mime.startswith("image/"):
            problem = f"{url}: not_image {entry.mime}"
            continue
        probe = entry.probe
        return HarvestedImage(url=url, name=entry.name, sha256=entry.sha256, size=entry.size, mime=entry.mime,
                              width=probe.get("width"), height=probe.get("height"),
                              pages=probe.get("pages", 1)), None  # fmt: skip
    return None, problem
