"""The OAI-PMH 2.0 protocol: a request's arguments in, a response document out, for the six verbs.

Every problem is a protocol error with its code (badVerb, badArgument, badResumptionToken,
cannotDisseminateFormat, idDoesNotExist, noRecordsMatch), answered with HTTP 200 as the protocol says; never an
HTTP error. Their messages are in English, the protocol's language, for the operator of a harvester: these
documents are read by programs and logged, not shown in the site's pages.

Lists go by item id, and the token carries the last id sent (interop.oai.tokens), so a list stays stable while
records change: a datestamp only ever moves forward and a record is never removed (a withdrawn item's stays,
deleted), so every record that matched when the list began is sent once, in its state when its page is read;
only one that left the asked set meanwhile, or moved past an `until`, leaves the list.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from sqlalchemy import func, select

from interop.oai import datestamps, records, sets, tokens
from interop.oai.identifiers import item_id_of, oai_identifier
from interop.oai.models import OaiRecord, OaiRecordSet

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_IDENTIFIER = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
XSI = records.XSI
PREFIX = "oai_dc"
MAX_ARGUMENT = 1000
# What XML 1.0 cannot hold (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates): lxml refuses to
# write it, so an argument holding one is refused, and a message quoting one shows its code point instead.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Verb:
    required: frozenset
    optional: frozenset
    resumable: bool = False


VERBS = {
    "Identify": Verb(frozenset(), frozenset()),
    "ListMetadataFormats": Verb(frozenset(), frozenset({"identifier"})),
    "ListSets": Verb(frozenset(), frozenset(), resumable=True),
    "GetRecord": Verb(frozenset({"identifier", "metadataPrefix"}), frozenset()),
    "ListIdentifiers": Verb(frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), resumable=True),
    "ListRecords": Verb(frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), resumable=True),
}


class OaiError(Exception):
    """A protocol error: its code and a message for the harvester's operator."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Repository:
    """What a response needs to know of the repository and of this request."""

    session: object
    base_url: str  # the address of /oai
    repository_id: str
    name: str
    admin_emails: tuple[str, ...]
    response_date: datetime
    page_size: int
    token_hours: float
    secret: str


# --- Documents -----------------------------------------------------------------------------


def _document(base_url: str, response_date: datetime, attributes: dict) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI} {OAI_SCHEMA}")
    etree.SubElement(root, f"{{{OAI}}}responseDate").text = datestamps.format_datestamp(response_date)
    request = etree.SubElement(root, f"{{{OAI}}}request", {k: v for k, v in attributes.items() if v is not None})
    request.text = base_url
    return root, request


def _serialise(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _sub(parent, name: str, text: str | None = None, **attributes):
    child = etree.SubElement(parent, f"{{{OAI}}}{name}", {k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        child.text = text
    return child


def error_document(base_url: str, response_date: datetime, errors: list[OaiError], attributes=None) -> bytes:
    """A response carrying protocol errors (no request attributes after badVerb or badArgument)."""
    if any(e.code in ("badVerb", "badArgument") for e in errors):
        attributes = {}
    root, _request = _document(base_url, response_date, attributes or {})
    for error in errors:
        _sub(root, "error", xml_safe(error.message), code=error.code)
    return _serialise(root)


def xml_safe(text: str) -> str:
    """`text` with each character XML cannot hold written as its code point (`U+0000`)."""
    return NOT_XML.sub(lambda found: f"U+{ord(found.group()):04X}", text)


# --- Requests ------------------------------------------------------------------------------


def parse(pairs) -> tuple[str, dict]:
    """The verb and its arguments from the request's (name, value) pairs; OaiError when the verb is missing,
    repeated or unknown (badVerb), or an argument is repeated, unknown, missing, empty or too long
    (badArgument)."""
    pairs = list(pairs)
    verbs = [value for name, value in pairs if name == "verb"]
    if len(verbs) != 1:
        raise OaiError("badVerb", "The verb argument is missing." if not verbs else "The verb argument is repeated.")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"'{verb[:40]}' is not an OAI-PMH verb.")
    spec, args = VERBS[verb], {}
    for name, value in pairs:
        if name == "verb":
            continue
        if name in args:
            raise OaiError("badArgument", f"The argument '{name[:40]}' is repeated.")
        allowed = spec.required | spec.optional | ({"resumptionToken"} if spec.resumable else set())
        if name not in allowed:
            raise OaiError("badArgument", f"'{name[:40]}' is not an argument of {verb}.")
        if not value or len(value) > MAX_ARGUMENT:
            raise OaiError("badArgument", f"The argument '{name}' is empty or too long.")
        if NOT_XML.search(value):
            raise OaiError("badArgument", f"The argument '{name}' holds a character XML cannot carry.")
        args[name] = value
    if "resumptionToken" in args:
        if len(args) > 1:
            raise OaiError("badArgument", "The resumptionToken argument is exclusive: send it with the verb only.")
    else:
        missing = sorted(spec.required - set(args))
        if missing:
            raise OaiError("badArgument", f"{verb} needs the argument{'s' if len(missing) > 1 else ''} "
                                          f"{', '.join(missing)}.")  # fmt: skip
    return verb, args


def respond(repo: Repository, pairs) -> bytes:
    """The response document to a request."""
    verb, args = None, {}
    try:
        verb, args = parse(pairs)
        root, _request = _document(repo.base_url, repo.response_date, {"verb": verb, **args})
        HANDLERS[verb](repo, args, root)
        return _serialise(root)
    except OaiError as error:
        return error_document(repo.base_url, repo.response_date, [error], {"verb": verb, **args})


# --- Identify, ListMetadataFormats, ListSets -----------------------------------------------


def identify(repo: Repository, _args: dict, root) -> None:
    earliest = repo.session.scalar(select(func.min(OaiRecord.datestamp)))
    body = _sub(root, "Identify")
    _sub(body, "repositoryName", repo.name)
    _sub(body, "baseURL", repo.base_url)
    _sub(body, "protocolVersion", "2.0")
    for email in repo.admin_emails:
        _sub(body, "adminEmail", email)
    _sub(body, "earliestDatestamp", datestamps.format_datestamp(earliest or repo.response_date))
    _sub(body, "deletedRecord", "persistent")
    _sub(body, "granularity", datestamps.GRANULARITY)
    description = _sub(body, "description")
    block = etree.SubElement(description, f"{{{OAI_IDENTIFIER}}}oai-identifier", nsmap={None: OAI_IDENTIFIER})
    block.set(f"{{{XSI}}}schemaLocation", f"{OAI_IDENTIFIER} {OAI_IDENTIFIER_SCHEMA}")
    for name, value in (("scheme", "oai"), ("repositoryIdentifier", repo.repository_id), ("delimiter", ":"),
                        ("sampleIdentifier", oai_identifier(repo.repository_id, 1))):  # fmt: skip
        etree.SubElement(block, f"{{{OAI_IDENTIFIER}}}{name}").text = value


def list_metadata_formats(repo: Repository, args: dict, root) -> None:
    if "identifier" in args:
        _record_row(repo, args["identifier"])
    body = _sub(root, "ListMetadataFormats")
    fmt = _sub(body, "metadataFormat")
    _sub(fmt, "metadataPrefix", PREFIX)
    _sub(fmt, "schema", records.OAI_DC_SCHEMA)
    _sub(fmt, "metadataNamespace", records.OAI_DC)


def list_sets(repo: Repository, args: dict, root) -> None:
    every = sets.all_sets(repo.session)
    offset = 0
    if "resumptionToken" in args:
        offset = _resume(repo, args["resumptionToken"], "ListSets").after
    page = every[offset : offset + repo.page_size]
    if not page:
        raise OaiError("badResumptionToken", "The resumption token points past the end of the list of sets.")
    body = _sub(root, "ListSets")
    for found in page:
        element = _sub(body, "set")
        _sub(element, "setSpec", found.spec)
        _sub(element, "setName", found.name)
        description = _sub(element, "setDescription")
        names = records.RecordData(0, (), tuple(("title", name, lang if lang != "und" else None)
                                                for lang, name in found.names.items()))  # fmt: skip
        description.append(records.oai_dc(names))
    more = offset + len(page) < len(every)
    if more or offset:
        next_page = tokens.Resumption("ListSets", None, None, None, None, offset + len(page), offset, len(every))
        _resumption_token(repo, body, next_page if more else None, offset, len(every))


# --- Records -------------------------------------------------------------------------------


def _record_row(repo: Repository, identifier: str) -> OaiRecord:
    item_id = item_id_of(identifier, repo.repository_id)
    row = repo.session.get(OaiRecord, item_id) if item_id else None
    if row is None:
        raise OaiError("idDoesNotExist", f"No record has the identifier '{identifier[:200]}' in this repository.")
    return row


def _check_prefix(prefix: str) -> None:
    if prefix != PREFIX:
        raise OaiError("cannotDisseminateFormat", f"The metadata format '{prefix[:40]}' is not offered: use oai_dc.")


def get_record(repo: Repository, args: dict, root) -> None:
    row = _record_row(repo, args["identifier"])
    _check_prefix(args["metadataPrefix"])
    body = _sub(root, "GetRecord")
    _append_records(repo, body, [row], with_metadata=True)


def list_identifiers(repo: Repository, args: dict, root) -> None:
    _list(repo, args, root, "ListIdentifiers")


def list_records(repo: Repository, args: dict, root) -> None:
    _list(repo, args, root, "ListRecords")


def _list(repo: Repository, args: dict, root, verb: str) -> None:
    resumed = "resumptionToken" in args
    query = _resume(repo, args["resumptionToken"], verb) if resumed else _new_query(repo, args, verb)
    since = datetime.fromisoformat(query.start) if query.start else None
    until = datetime.fromisoformat(query.until) if query.until else None
    size = query.size
    if not resumed:
        size = repo.session.scalar(select(func.count()).select_from(_filtered(since, until, query.set_spec).subquery()))
        if not size:
            raise OaiError("noRecordsMatch", "No record matches these arguments.")
    rows = list(repo.session.scalars(
        _filtered(since, until, query.set_spec).where(OaiRecord.item_id > query.after)
        .order_by(OaiRecord.item_id).limit(repo.page_size + 1)
    ))  # fmt: skip
    more = len(rows) > repo.page_size
    rows = rows[: repo.page_size]
    if not rows:  # only when the rest of a list left it meanwhile (moved out of its set, or past its until)
        raise OaiError("noRecordsMatch", "The rest of this list is empty: its remaining records changed since the "
                                         "list began, and come with the next incremental harvest.")  # fmt: skip
    body = _sub(root, verb)
    _append_records(repo, body, rows, with_metadata=verb == "ListRecords")
    if more or query.cursor:
        next_page = tokens.Resumption(verb, query.prefix, query.set_spec, query.start, query.until, rows[-1].item_id,
                                      query.cursor + len(rows), max(size, query.cursor + len(rows) + more))  # fmt: skip
        _resumption_token(repo, body, next_page if more else None, query.cursor, next_page.size)


def _new_query(repo: Repository, args: dict, verb: str) -> tokens.Resumption:
    _check_prefix(args["metadataPrefix"])
    set_spec = args.get("set")
    if set_spec is not None and not sets.valid_spec(set_spec):
        raise OaiError("badArgument", f"'{set_spec[:40]}' is not a setSpec.")
    try:
        since, until = datestamps.parse_range(args.get("from"), args.get("until"))
    except datestamps.BadDate as error:
        raise OaiError("badArgument", str(error)) from None
    return tokens.Resumption(verb, PREFIX, set_spec, since.isoformat() if since else None,
                             until.isoformat() if until else None, 0, 0, 0)  # fmt: skip


def _filtered(since, until, set_spec):
    query = select(OaiRecord)
    if until is not None:
        query = query.where(OaiRecord.datestamp <= until)
    if since is not None:
        query = query.where(OaiRecord.datestamp >= since)
    if set_spec is not None:
        query = query.where(OaiRecord.item_id.in_(select(OaiRecordSet.item_id).where(OaiRecordSet.spec == set_spec)))
    return query


def _resume(repo: Repository, token: str, verb: str) -> tokens.Resumption:
    try:
        return tokens.decode(token, verb, repo.secret, repo.token_hours * 3600)
    except tokens.BadToken as error:
        raise OaiError("badResumptionToken", str(error)) from None


def _resumption_token(repo: Repository, body, next_page: tokens.Resumption | None, cursor: int, size: int) -> None:
    """The token of the next page, or the empty one that ends a list given in pages."""
    if next_page is None:
        _sub(body, "resumptionToken", "", completeListSize=str(size), cursor=str(cursor))
        return
    expires = datestamps.plus_hours(repo.response_date, repo.token_hours)
    _sub(body, "resumptionToken", tokens.encode(next_page, repo.secret), cursor=str(cursor),
         completeListSize=str(size), expirationDate=datestamps.format_datestamp(expires))  # fmt: skip


def _append_records(repo: Repository, body, rows: list[OaiRecord], with_metadata: bool) -> None:
    ids = [row.item_id for row in rows]
    memberships: dict[int, list[str]] = {}
    query = select(OaiRecordSet.item_id, OaiRecordSet.spec).where(OaiRecordSet.item_id.in_(ids))
    for item_id, spec in repo.session.execute(query.order_by(OaiRecordSet.spec)):
        memberships.setdefault(item_id, []).append(spec)
    live = [row.item_id for row in rows if not row.deleted]
    data = records.read_records(repo.session, live) if with_metadata and live else {}
    for row in rows:
        # A record whose item stopped being public since its last apply is shown deleted at once.
        deleted = row.deleted or (with_metadata and data.get(row.item_id) is None)
        parent = _sub(body, "record") if with_metadata else body
        header = _sub(parent, "header", status="deleted" if deleted else None)
        _sub(header, "identifier", oai_identifier(repo.repository_id, row.item_id))
        _sub(header, "datestamp", datestamps.format_datestamp(row.datestamp))
        for spec in memberships.get(row.item_id, ()):
            _sub(header, "setSpec", spec)
        if with_metadata and not deleted:
            record = data[row.item_id]
            _sub(parent, "metadata").append(records.oai_dc(record))
            if record.provenance is not None:
                _sub(parent, "about").append(records.provenance_block(record.provenance))


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}
