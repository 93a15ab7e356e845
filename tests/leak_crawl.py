"""A crawler of what the public can reach, for tests that plant markers and look for them (issue 24, part 6).

An anonymous client (no cookies kept, no sign-in) starts from the given entry points and follows, breadth first,
every same-site address it meets — links, sources and srcsets, `Location`, `Content-Location` and `Link` headers,
absolute addresses in JSON, XML and feeds (API `links`, IIIF `id`s, sitemap `loc`s), OAI-PMH resumption tokens,
sets and identifiers — up to `max_pages` answers. Each answer's headers and body are read for every marker in every
form a page could carry it in: as planted, in any case, without its accents, URL-encoded, escaped as HTML or JSON
(`\\uXXXX`). An EPUB or ZIP is read member by member (names too), a PDF by its text (pypdf); images are not read
(their headers are), and one address per kind of image is fetched, not every tile. An HTML page's share preview
(title, Open Graph and Twitter tags, JSON-LD) is recorded again as the surface `share`.

Addresses that name a planted record (`forbidden`: a name → a regular expression over path and query) are leaks
when any public answer links to them, fetched or not.
"""

import html
import io
import json
import re
import unicodedata
import zipfile
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote_plus, urlencode, urljoin, urlsplit

import pypdf

# Where the public never goes on its own (sign-in pages, staff pages that answer a redirect to them) and files that
# hold nothing from the database.
SKIPPED = ("/static/", "/staff", "/account", "/login", "/logout")
# IIIF's ids of canvases, ranges and annotations name parts of a manifest: the Presentation API does not ask that
# they answer, and Vitrine's do not.
NOT_ADDRESSES = re.compile(r"^/iiif/(items|exhibitions)/\d+/(canvas|range|page|annotation)")
SURFACES = (
    ("sitemap", re.compile(r"^/(sitemap[^/]*\.xml|robots\.txt)$")),
    ("oai", re.compile(r"^/oai$")),
    ("iiif", re.compile(r"^/iiif/")),
    ("exports", re.compile(r"^/api/v1/(search/dc|items/\d+/dc)")),
    ("search", re.compile(r"^/(items|api/v1/search)$")),
    ("api", re.compile(r"^/api/")),
    ("books", re.compile(r"(\.epub|\.pdf|\.zip|/book)$")),
    ("qr", re.compile(r"^/q(/|$)")),
    ("files", re.compile(r"^/(media/|exhibitions/\d+/images/|favicon)")),
    ("pages", re.compile(r"")),
)
# What a machine client reaches from a record of the API through its OpenAPI document rather than a link: each
# record's sub-resources, asked as soon as the record is.
EXPANSIONS = (
    (re.compile(r"^/api/v1/exhibitions/(\d+)$"), ("/api/v1/exhibitions/{0}/view",
                                                  "/api/v1/exhibitions/{0}/view?lang=en",
                                                  "/api/v1/exhibitions/{0}/view?lang=fr")),
    (re.compile(r"^/api/v1/items/(\d+)$"), ("/api/v1/items/{0}/dc", "/api/v1/items/{0}/dc.xml")),
)  # fmt: skip
IMAGE = re.compile(r"\.(jpe?g|png|svg|gif|ico|webp|tiff?)$|^/iiif/image/[^/]+/[^/]+/[^/]+/[^/]+/[^/]+$")
TEXT_TYPES = ("text/", "application/json", "application/ld+json", "application/xml", "application/xhtml",
              "application/problem+json", "application/rss", "application/atom")  # fmt: skip
ATTRIBUTE = re.compile(r"""\s(href|src|action|content|srcset|data-[\w-]+)\s*=\s*(["'])(.*?)\2""", re.S)
SHARE = re.compile(
    r"""<title>.*?</title>|<meta\s[^>]*(?:property|name)=["'](?:og|twitter):[^>]*>"""
    r"""|<script[^>]*application/ld\+json[^>]*>.*?</script>""",
    re.S | re.I,
)
ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")
COMBINING = re.compile("[\u0300-\u036f]")  # the marks Latin letters take, Vietnamese's among them


def folded(text: str) -> str:
    """Text as markers are compared in: without accents (đ as d), in one case."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return COMBINING.sub("", decomposed).casefold()


def readable(text: str) -> str:
    """Every form a marker may take in `text` brought back to one: HTML and JSON escapes undone, URL-decoded too
    (both kept: a `+` may be a plus), folded."""
    plain = ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), html.unescape(text))
    return folded(plain) + "\n" + folded(unquote_plus(plain))


@dataclass(frozen=True)
class Fetch:
    """One public answer (or, surface `share`, the share preview of a page) and the markers found in it."""

    url: str
    surface: str
    status: int
    found: tuple[tuple[str, str], ...] = ()  # (marker name, where: body, a header, a member of a zip…)


@dataclass
class Crawl:
    """What a crawl fetched and found."""

    fetches: list[Fetch] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (forbidden name, address, found on)
    skipped: Counter = field(default_factory=Counter)  # addresses left unfetched: over a bound, or SKIPPED

    def pages(self) -> Counter:
        """How many answers each surface gave."""
        return Counter(f.surface for f in self.fetches)

    def found(self, name: str) -> set[str]:
        """The surfaces a marker was found on."""
        return {f.surface for f in self.fetches if any(n == name for n, _where in f.found)}

    def leaks(self, names) -> list[str]:
        """Every appearance of these markers, and every link to a forbidden address, in words."""
        names = set(names)
        found = [f"{name!r} in {f.url} ({f.surface}, {f.status}, {where})"
                 for f in self.fetches for name, where in f.found if name in names]  # fmt: skip
        return found + [f"link to the {name} at {url} from {source}" for name, url, source in self.links]


class Crawler:
    """Breadth-first over the public site from entry points; see the module's docstring."""

    def __init__(self, client, base_url: str, markers: dict[str, str], forbidden: dict[str, str] | None = None,
                 max_pages: int = 400, per_pattern: int = 40, images_per_pattern: int = 1, language: str = "en",
                 leave_out: str | None = None) -> None:  # fmt: skip
        self.client, self.headers = client, {"Accept-Language": language}
        self.base = base_url.rstrip("/")
        self.markers = {name: folded(text) for name, text in markers.items()}
        self.forbidden = {name: re.compile(pattern) for name, pattern in (forbidden or {}).items()}
        self.max_pages, self.per_pattern, self.images_per_pattern = max_pages, per_pattern, images_per_pattern
        self._echoed: list[str] = []
        self.leave_out = re.compile(leave_out) if leave_out else None

    def run(self, entry_points) -> Crawl:
        """Fetch the entry points, then what they lead to, until nothing new or `max_pages`. Each surface has a
        queue of its own and they take turns, so that a bound cuts every surface alike (a search page's facet links
        would fill one queue)."""
        crawl, queues, seen, patterns = Crawl(), {name: deque() for name, _pattern in SURFACES}, set(), Counter()
        for address in entry_points:
            self._enqueue(address, "", crawl, queues, seen)
        fetched = 0
        while fetched < self.max_pages and any(queues.values()):
            for queue in (queue for queue in queues.values() if queue):
                address = queue.popleft()
                shape = _pattern(address)
                if patterns[shape] >= (self.images_per_pattern if shape.startswith("image:") else self.per_pattern):
                    crawl.skipped["over a pattern's bound"] += 1
                    continue
                patterns[shape] += 1
                fetched += 1
                for found in self._fetch(address, crawl):
                    self._enqueue(found, address, crawl, queues, seen)
                if fetched >= self.max_pages:
                    break
        for surface, queue in queues.items():
            if queue:
                crawl.skipped[f"over the bound of pages ({surface})"] += len(queue)
        return crawl

    def fetch(self, address: str) -> Fetch:
        """One address fetched and read, followed nowhere."""
        crawl = Crawl()
        self._fetch(address, crawl)
        return next(f for f in crawl.fetches if f.surface != "share")

    def _enqueue(self, address: str, source: str, crawl: Crawl, queues: dict, seen: set) -> None:
        local = self._local(address, source)
        if local is None or local in seen:
            return
        seen.add(local)
        for name, pattern in self.forbidden.items():
            if source and pattern.search(local):
                crawl.links.append((name, local, source))
        if NOT_ADDRESSES.search(local):
            return
        if local.startswith(SKIPPED):
            crawl.skipped["not public"] += 1
        elif self.leave_out and self.leave_out.search(local):
            crawl.skipped["left out"] += 1
        else:
            queues[surface_of(local)].append(local)

    def _local(self, address: str, source: str) -> str | None:
        """The address as a path and query on this site, or None for another site's or no address."""
        address = html.unescape(address.strip())
        if not address or address.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
            return None
        if address.startswith(self.base):
            address = address[len(self.base) :] or "/"
        parts = urlsplit(urljoin(source or "/", address))
        if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "vitrine.test", "localhost"):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _fetch(self, address: str, crawl: Crawl) -> list[str]:
        with self.client.get(address, headers=self.headers) as response:
            body = response.get_data()
        surface = surface_of(address)
        header_text = {name: value for name, value in response.headers.items()}
        self._echoed = []
        found = [(n, f"header {h}") for h, value in header_text.items() for n in self._markers_in(value)]
        links = [response.headers.get(h) for h in ("Location", "Content-Location") if response.headers.get(h)]
        links += re.findall(r"<([^>]+)>", response.headers.get("Link", ""))
        kind = response.mimetype or ""
        # What the visitor typed comes back to them (the search box, "no panel has the code …", a long part of the
        # address on its page): no leak. A hit it
        # found still shows through its other markers (each planted record has several) and its links.
        parts = urlsplit(address)
        self._echoed = [folded(v) for _k, v in parse_qsl(parts.query) if len(v) >= 4]
        self._echoed += [folded(p) for p in re.split(r"[/.]|-(?=web|thumb)", parts.path) if len(p) >= 16]  # digests
        if kind.startswith(TEXT_TYPES) or kind.endswith(("+json", "+xml")):
            text = body.decode("utf-8", "replace")
            found += [(n, "body") for n in self._markers_in(text)]
            links += self._links(text, address, kind)
            if "html" in kind:
                share = " ".join(SHARE.findall(text))
                crawl.fetches.append(Fetch(address, "share", response.status_code,
                                           tuple((n, "share preview") for n in self._markers_in(share))))  # fmt: skip
        elif kind in ("application/epub+zip", "application/zip"):
            found_in, links_in = self._zip(body)
            found += found_in
            links += links_in
        elif kind == "application/pdf":
            text = " ".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(body)).pages)
            found += [(n, "PDF text") for n in self._markers_in(" ".join(text.split()))]
        crawl.fetches.append(Fetch(address, surface, response.status_code, tuple(dict.fromkeys(found))))
        for pattern, templates in EXPANSIONS:
            if matched := pattern.match(address):
                links += [template.format(*matched.groups()) for template in templates]
        return links

    def _markers_in(self, text: str) -> list[str]:
        seen = readable(text)
        for echo in self._echoed:
            seen = seen.replace(echo, " ")
        return [name for name, marker in self.markers.items() if marker in seen]

    def _links(self, text: str, address: str, kind: str) -> list[str]:
        """Same-site addresses in a text answer: absolute ones anywhere, attributes' in HTML, OAI-PMH's next asks."""
        links = re.findall(re.escape(self.base) + r"(/[^\s\"'<>\\)]*)", text)
        if "html" in kind:
            for name, _quote, value in ATTRIBUTE.findall(text):
                if name == "srcset":
                    links += [part.split()[0] for part in value.split(",") if part.split()]
                elif name in ("href", "src", "action") or value.startswith("/"):
                    links.append(value)
        if address.startswith("/oai"):
            links += _oai_asks(text, dict(parse_qsl(urlsplit(address).query)))
        if "json" in kind:
            links += [value for value in _strings(_json(text)) if value.startswith("/")]
        return links

    def _zip(self, body: bytes) -> tuple[list, list]:
        """Markers in every member of an EPUB or ZIP (its name, its text) and the site's addresses it holds."""
        found, links = [], []
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for member in archive.namelist():
                found += [(n, f"member name {member}") for n in self._markers_in(member)]
                if IMAGE.search(member) or member.endswith((".ttf", ".otf", ".woff", ".woff2")):
                    continue
                text = archive.read(member).decode("utf-8", "replace")
                found += [(n, f"member {member}") for n in self._markers_in(text)]
                links += re.findall(re.escape(self.base) + r"(/[^\s\"'<>\\)]*)", text)
        return found, links


def surface_of(address: str) -> str:
    """Which public surface an address belongs to (SURFACES)."""
    return next(name for name, pattern in SURFACES if pattern.search(address.split("?")[0]))


def _pattern(address: str) -> str:
    """An address's kind: its path with numbers and digests generalised, and the names of its query's keys (an
    image's: its path's first part, so that one image of a kind stands for all its tiles and sizes)."""
    path, _sep, query = address.partition("?")
    shape = re.sub(r"\d+", "N", re.sub(r"[0-9a-f]{64}", "H", path))
    if IMAGE.search(path):
        return "image:" + "/".join(shape.split("/")[:2]) + path.rsplit(".", 1)[-1] * bool(re.search(r"\.\w+$", path))
    return shape + "?" + "&".join(sorted({key for key, _value in parse_qsl(query, keep_blank_values=True)}))


def _oai_asks(text: str, asked: dict) -> list[str]:
    """The next OAI-PMH requests an answer leads to: its resumption token, every set and record it names."""
    asks = []
    if token := re.search(r"<resumptionToken[^>]*>([^<]+)<", text):
        asks.append({"verb": asked.get("verb"), "resumptionToken": html.unescape(token.group(1))})
    prefixes = set(re.findall(r"<metadataPrefix>([^<]+)<", text)) or {"oai_dc"}
    for spec in set(re.findall(r"<setSpec>([^<]+)<", text)):
        asks += [{"verb": "ListRecords", "metadataPrefix": p, "set": html.unescape(spec)} for p in prefixes]
    for identifier in set(re.findall(r"<identifier>(oai:[^<]+)<", text)):
        asks.append({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": html.unescape(identifier)})
    for prefix in prefixes:
        asks.append({"verb": "ListRecords", "metadataPrefix": prefix})
    return ["/oai?" + urlencode(ask) for ask in asks]


def _json(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def public_entry_points(languages, queries) -> list[str]:
    """Where a visitor, a harvester or a machine begins: the home and list pages in each language, the search
    page and API asked each query, the sitemap, robots.txt, OAI-PMH's six verbs, the IIIF collection, the API's
    lists and vocabularies."""
    points = ["/", "/robots.txt", "/sitemap.xml", "/q", "/iiif/exhibitions/collection.json", "/api/v1/items",
              "/api/v1/exhibitions", "/api/v1/places", "/api/v1/bodies", "/api/v1/schemes", "/oai?verb=Identify",
              "/oai?verb=ListSets", "/oai?verb=ListMetadataFormats", "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc",
              "/oai?verb=ListRecords&metadataPrefix=oai_dc"]  # fmt: skip
    for lang in languages:
        points += [f"/?lang={lang}", f"/items?lang={lang}", f"/exhibitions?lang={lang}"]
    for status in ("draft", "review", "withdrawn", "archived"):  # filters the staff use, asked by the public
        points += [f"/api/v1/items?status={status}", f"/api/v1/exhibitions?status={status}",
                   f"/api/v1/search?status={status}", f"/items?status={status}",
                   f"/exhibitions?status={status}"]  # fmt: skip
    for query in queries:
        asked = urlencode({"q": query})
        points += [f"/items?{asked}", f"/api/v1/search?{asked}", f"/api/v1/search/dc?{asked}",
                   f"/api/v1/search/dc.xml?{asked}", f"/q?{urlencode({'code': query})}"]  # fmt: skip
    return points
