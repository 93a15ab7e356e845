"""Asking a source over HTTP, safely: timeouts on every read, answers held to a size, redirects followed only
within the source's own hosts, and network errors retried with a doubling back-off.

A source repository is a server on the Internet that the national database did not write: anything it
answers may be wrong, huge, slow or hostile. `requests` carries the bytes; every limit is ours. Redirects are
followed by hand (`allow_redirects=False`) so each hop is checked before it is asked; the size is counted on
the decoded bytes, so a compressed bomb stops at the cap too.
"""

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

import requests

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
USER_AGENT = "Vitrine-harvester/1.0 (OAI-PMH)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(Exception):
    """An answer the harvest cannot use: `code` names why (interop.harvest.errors says it in words)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


class _Retry(Exception):
    """A failure worth asking again for: a network error, a 5xx or 429 answer."""

    def __init__(self, detail: str, retry_after: float | None = None):
        super().__init__(detail)
        self.detail, self.retry_after = detail, retry_after


@dataclass(frozen=True)
class Answer:
    """An answer read whole: its bytes, its content type (lowercase, no parameters) and the address it came from."""

    body: bytes
    content_type: str
    url: str


@dataclass(frozen=True)
class Limits:
    """What one source's answers are held to; from the app's HARVEST_* settings (core.config)."""

    timeout: float
    response_seconds: float
    max_response_bytes: int
    max_image_bytes: int
    max_redirects: int
    retries: int
    backoff: float
    max_backoff: float

    @classmethod
    def from_config(cls, config) -> "Limits":
        return cls(timeout=float(config["HARVEST_TIMEOUT_SECONDS"]),
                   response_seconds=float(config["HARVEST_RESPONSE_SECONDS"]),
                   max_response_bytes=int(config["HARVEST_MAX_RESPONSE_BYTES"]),
                   max_image_bytes=int(config["HARVEST_MAX_IMAGE_BYTES"]),
                   max_redirects=int(config["HARVEST_MAX_REDIRECTS"]), retries=int(config["HARVEST_RETRIES"]),
                   backoff=float(config["HARVEST_BACKOFF_SECONDS"]),
                   max_backoff=float(config["HARVEST_MAX_BACKOFF_SECONDS"]))  # fmt: skip


def host_of(url: str) -> str:
    """The host name of a URL, lowercase ('' if it has none)."""
    return (urlsplit(url).hostname or "").lower()


class Fetcher:
    """Asks one source: its base URL's host, and the image hosts it was allowed, are the only ones reached."""

    def __init__(self, base_url: str, limits: Limits, image_hosts=(), session=None, sleep=time.sleep):
        self.base_url = base_url
        self.limits = limits
        self.hosts = frozenset({host_of(base_url)})  # OAI-PMH requests, and their redirects
        self.image_hosts = self.hosts | {h.lower() for h in image_hosts}
        self.session = session or requests.Session()
        self.session.trust_env = False  # no proxy or .netrc from the environment decides where we connect
        self.sleep = sleep

    def close(self) -> None:
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def oai(self, params: dict) -> Answer:
        """An OAI-PMH request to the base URL (GET, arguments in the query), retried on network errors."""
        separator = "&" if urlsplit(self.base_url).query else "?"
        return self.get(f"{self.base_url}{separator}{urlencode(params)}", self.limits.max_response_bytes, self.hosts)

    def image(self, url: str) -> Answer:
        """An image: refused (`not_image`) as soon as its headers name another type, before its body is read."""
        return self.get(url, self.limits.max_image_bytes, self.image_hosts, image=True, retries=1)

    def get(self, url: str, limit: int, hosts=None, image: bool = False, retries: int | None = None) -> Answer:
        """GET `url` from one of `hosts` (the base URL's by default), asking again after a network error or a
        5xx/429 answer, waiting longer each time."""
        retries = self.limits.retries if retries is None else retries
        for attempt in range(retries + 1):
            try:
                return self._get_once(url, limit, hosts or self.hosts, image)
            except _Retry as failure:
                if attempt == retries:
                    raise FetchError("network", failure.detail) from None
                delay = min(self.limits.backoff * 2**attempt, self.limits.max_backoff)
                if failure.retry_after is not None:
                    delay = min(max(delay, failure.retry_after), self.limits.max_backoff)
                log.info("harvest: %s (%s); asking again in %.1f s", url, failure.detail, delay)
                self.sleep(delay)
        raise AssertionError("unreachable")

    def _get_once(self, url: str, limit: int, hosts, image: bool) -> Answer:
        current = url
        for _hop in range(self.limits.max_redirects + 1):
            self._check_address(current, hosts)
            headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
            try:
                response = self.session.get(current, stream=True, allow_redirects=False, headers=headers,
                                            timeout=(self.limits.timeout, self.limits.timeout))  # fmt: skip
            except (requests.ConnectionError, requests.Timeout) as error:
                raise _Retry(type(error).__name__) from None
            except requests.RequestException as error:
                raise FetchError("network", type(error).__name__) from None
            with response:
                if response.is_redirect:
                    current = urljoin(current, response.headers.get("Location", ""))
                    continue
                return self._read(response, current, limit, image)
        raise FetchError("too_many_redirects", url)

    @staticmethod
    def _check_address(url: str, hosts) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("bad_url", url[:200])
        if parts.hostname.lower() not in hosts:
            raise FetchError("other_host", parts.hostname)

    def _read(self, response, url: str, limit: int, image: bool) -> Answer:
        status = response.status_code
        if status in RETRY_STATUSES:
            raise _Retry(f"HTTP {status}", _retry_after(response.headers.get("Retry-After")))
        if status >= 400:
            raise FetchError("http_status", f"HTTP {status}")
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if image and not content_type.startswith("image/"):
            raise FetchError("not_image", content_type or "no type")
        declared = response.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise FetchError("too_large", f"{declared} bytes")
        deadline = time.monotonic() + self.limits.response_seconds
        body = bytearray()
        try:
            for chunk in response.iter_content(CHUNK):
                body += chunk
                if len(body) > limit:
                    raise FetchError("too_large", f"more than {limit} bytes")
                if time.monotonic() > deadline:
                    raise FetchError("too_slow", f"more than {self.limits.response_seconds:.0f} s")
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as error:
            raise _Retry(type(error).__name__) from None  # cut off while reading
        except requests.RequestException as error:
            raise FetchError("network", type(error).__name__) from None
        return Answer(bytes(body), content_type, url)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header given in seconds (a date is taken as none)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
