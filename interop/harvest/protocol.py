"""Reading OAI-PMH 2.0 answers: Identify, and ListRecords pages of `oai_dc` records.

Parsed by defusedxml with DTDs forbidden: an answer with a document type declaration (the vehicle of entity
bombs and external entities) is refused whole, before any entity could be expanded or fetched. An answer
that is not OAI-PMH, or that names a protocol error, becomes a FetchError with the protocol's own code.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import defusedxml
import defusedxml.ElementTree as SafeET

from interop.harvest.fetching import FetchError

OAI = "{http://www.openarchives.org/OAI/2.0/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"
DC = "{http://purl.org/dc/elements/1.1/}"
OAI_IDENTIFIER = "{http://www.openarchives.org/OAI/2.0/oai-identifier}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DAY = "YYYY-MM-DD"
SECONDS = "YYYY-MM-DDThh:mm:ssZ"
DC_ELEMENTS = ("title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
               "identifier", "source", "language", "relation", "coverage", "rights")  # fmt: skip
# A UTCdatetime as the protocol writes it (fractions of a second tolerated, as some repositories send them).
_UTC = re.compile(r"^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}:\d{2})?(\.\d+)?Z?$")
_REPOSITORY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]*(\.[A-Za-z0-9][A-Za-z0-9\-]*)+$")


@dataclass(frozen=True)
class Identity:
    """What a repository says of itself (Identify)."""

    repository_name: str | None
    granularity: str
    repository_identifier: str | None  # from its oai-identifier description, if it has one


@dataclass
class OaiRecord:
    """One record of a ListRecords page: its header, and its oai_dc elements as (value, xml:lang) pairs."""

    identifier: str
    datestamp: str
    deleted: bool
    fields: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)


@dataclass(frozen=True)
class BadRecord:
    """A record of a page that cannot be read (no identifier, too large): logged and skipped."""

    identifier: str
    code: str
    detail: str = ""


@dataclass
class RecordsPage:
    """One ListRecords answer: its responseDate, records, and the token of the next page (None on the last)."""

    response_date: str
    records: list = field(default_factory=list)  # OaiRecord | BadRecord
    token: str | None = None
    complete_list_size: int | None = None


def parse(body: bytes) -> ET.Element:
    """The root of an OAI-PMH answer; FetchError if it is not XML, carries a DTD, or is not OAI-PMH."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except defusedxml.DefusedXmlException as refused:
        raise FetchError("xml_forbidden", type(refused).__name__) from None
    except ET.ParseError as error:
        raise FetchError("not_xml", str(error)[:200]) from None
    if root.tag != f"{OAI}OAI-PMH":
        raise FetchError("not_oai", root.tag[:200])
    return root


def _text(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _raise_protocol_error(root: ET.Element, tolerated: tuple[str, ...] = ()) -> str | None:
    """The code of a protocol error the caller tolerates (None if there is none); FetchError for any other."""
    error = root.find(f"{OAI}error")
    if error is None:
        return None
    code = error.get("code", "unknown")[:40]
    if code in tolerated:
        return code
    raise FetchError(f"oai:{code}", _text(error)[:300])


def response_date(root: ET.Element) -> str:
    """The answer's responseDate, checked to be a UTC date or date and time."""
    value = _text(root.find(f"{OAI}responseDate"))
    if not _UTC.match(value):
        raise FetchError("bad_date", value[:40] or "no responseDate")
    return value


def identify(body: bytes) -> Identity:
    """Read an Identify answer."""
    root = parse(body)
    _raise_protocol_error(root)
    info = root.find(f"{OAI}Identify")
    if info is None:
        raise FetchError("not_oai", "no Identify element")
    granularity = _text(info.find(f"{OAI}granularity"))
    if granularity not in (DAY, SECONDS):
        raise FetchError("bad_granularity", granularity[:40])
    identifier = None
    for description in info.findall(f"{OAI}description"):
        found = _text(description.find(f"{OAI_IDENTIFIER}oai-identifier/{OAI_IDENTIFIER}repositoryIdentifier"))
        if found and _REPOSITORY_ID.match(found) and len(found) <= 100:
            identifier = found.lower()
            break
    name = _text(info.find(f"{OAI}repositoryName"))[:255] or None
    return Identity(name, granularity, identifier)


def list_records(body: bytes, max_record_bytes: int) -> RecordsPage:
    """Read a ListRecords page; a record over `max_record_bytes` (as XML) comes back as a BadRecord."""
    root = parse(body)
    page = RecordsPage(response_date=response_date(root))
    if _raise_protocol_error(root, tolerated=("noRecordsMatch",)):
        return page
    listing = root.find(f"{OAI}ListRecords")
    if listing is None:
        raise FetchError("not_oai", "no ListRecords element")
    for element in listing.findall(f"{OAI}record"):
        page.records.append(_record(element, max_record_bytes))
    token = listing.find(f"{OAI}resumptionToken")
    if token is not None:
        page.token = _text(token) or None  # an empty token ends the list
        size = token.get("completeListSize", "")
        page.complete_list_size = int(size) if size.isascii() and size.isdigit() and len(size) < 10 else None
    return page


def _record(element: ET.Element, max_record_bytes: int):
    header = element.find(f"{OAI}header")
    identifier = _text(header.find(f"{OAI}identifier")) if header is not None else ""
    datestamp = _text(header.find(f"{OAI}datestamp")) if header is not None else ""
    if not identifier or len(identifier) > 255:
        return BadRecord(identifier[:255] or "?", "no_identifier")
    if not _UTC.match(datestamp):
        return BadRecord(identifier, "bad_datestamp", datestamp[:40])
    size = len(ET.tostring(element, encoding="utf-8"))
    if size > max_record_bytes:
        return BadRecord(identifier, "record_too_large", f"{size} bytes")
    record = OaiRecord(identifier, datestamp, header.get("status") == "deleted")
    if record.deleted:
        return record
    dc = element.find(f"{OAI}metadata/{OAI_DC}dc")
    if dc is None:
        return BadRecord(identifier, "no_oai_dc")
    for child in dc:
        name = child.tag.removeprefix(DC)
        value = "".join(child.itertext()).strip()
        if name in DC_ELEMENTS and value:
            record.fields.setdefault(name, []).append((value, child.get(XML_LANG)))
    return record


def from_argument(response_date_text: str, granularity: str | None) -> str:
    """A responseDate as a `from` argument in the source's granularity (`2026-05-01T10:00:00Z` or `2026-05-01`)."""
    match = _UTC.match(response_date_text)
    if not match:
        raise FetchError("bad_date", response_date_text[:40])
    day, time_part = match.group(1), match.group(2)
    if granularity != SECONDS or not time_part:
        return day
    return f"{day}{time_part}Z"
