"""Importing a bag into the archive: all of it, or nothing of it.

An item's identity in a bag is its source repository and its id there, with the checksums of its originals.
An item already here with the same identity, reference code and checksums is skipped, so importing a bag
twice adds nothing; an item here under the same identity with other files or another code, or another item
holding its reference code, refuses the bag. Terms are matched by vocabulary and code: a term the archive
lacks is created in its vocabulary (the vocabulary too, if missing) and a place or contributing body by its
code, each with the bag's labels marked as drafts for an admin to review; a term known here under another
vocabulary refuses the bag. Labels the archive already has are kept as they are.

Order of work: the bag is checked whole (bag_reading); the plan is read in a unit that only reads; every
original is probed in the sandbox (archive.media) with no unit open and, once all passed, stored by SHA-256;
then one unit writes every item, its texts, terms, files, rights, status and identity, and commits once.
A refusal at any step leaves the database as it was. (Originals stored before a refusal at the last step
stay in storage unreferenced, as those of a refused upload do: content-addressed, they harm nothing.)
Previews are made after the commit, by the media jobs; the index is updated once at the end.
"""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from archive.media import (
    SNIFF_BYTES,
    Staged,
    WorkerRefusal,
    attach_staged,
    display_name,
    refusal_message,
    run_worker,
    sniff_type,
)
from archive.models import Body, Item, LabelState, Place, Scheme, Term
from archive.services import PreloadedLookups, Ref, create_item, validate_new_item
from archive.workflow import apply_transition
from core.audit import AuditEvent
from core.auth import User
from core.errors import VitrineError
from core.i18n import _
from core.languages import REFERENCE_LANGUAGE
from core.storage import Storage
from core.uow import collected_effects, unit
from interop.exports.bag_reading import BagRecord, BagRefused, CheckedBag, check_bag, opened_bag
from interop.exports.bags import Progress
from interop.exports.models import ImportedItem
from interop.exports.source import item_with_identity, require_repository_id

# The transitions that bring a new (draft) item to the status it had at its source.
STATUS_PATHS = {"draft": [], "review": ["submit"], "published": ["submit", "publish"],
                "withdrawn": ["submit", "publish", "withdraw"]}  # fmt: skip


@dataclass
class ImportReport:
    """What an import did: items imported and skipped (by reference code), reference data created."""

    bag: str
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # "term ICCPR", "vocabulary conventions", "place vn-…"
    media_ids: list[int] = field(default_factory=list)


@dataclass
class Plan:
    """What the import will write: the new items, and the vocabularies, terms, places and bodies they lack."""

    new: list[BagRecord]
    skipped: list[str]
    schemes: dict[str, dict] = field(default_factory=dict)  # code → vocabulary as the bag gives it
    terms: dict[str, dict] = field(default_factory=dict)
    places: dict[str, dict] = field(default_factory=dict)
    bodies: dict[str, dict] = field(default_factory=dict)


def import_bag(storage: Storage, user_id: int, path: str | Path, progress: Progress | None = None) -> ImportReport:
    """Check the bag at `path` (a folder or a ZIP) whole, then import it in one unit; BagRefused says why not."""
    progress = progress or Progress()
    local = require_repository_id()
    with opened_bag(path, storage.root.parent / "tmp") as root:
        checked = check_bag(root, progress)
        with unit("bag import plan", write=False) as session:
            plan = plan_import(session, checked, local)
        staged = stage_originals(storage, plan.new, progress)
        progress.phase(_("writing items"), len(plan.new))
        with collected_effects(), unit("bag import") as session:
            return write_items(session, session.get(User, user_id), checked, plan, staged, progress)


# --- Planning ------------------------------------------------------------------------------


def plan_import(session, checked: CheckedBag, local: str) -> Plan:
    """Sort the bag's items into new and already here; BagRefused lists every conflict and invalid item."""
    problems, new, skipped = [], [], []
    for entry in checked.records:
        code = entry.record["reference_code"]
        here = item_with_identity(session, entry.identity, local)
        if here is not None:
            item = session.get(Item, here)
            if item.reference_code == code and sorted(m.sha256 for m in item.media) == entry.checksums:
                skipped.append(code)
            else:
                problems.append(_("%(code)s: this item (%(id)s) is here already as %(here)s, with other files or "
                                  "another reference code.", code=code, id=_identity_text(entry),
                                  here=item.reference_code))  # fmt: skip
        elif session.scalar(select(Item.id).where(Item.reference_code == code)) is not None:
            problems.append(_("%(code)s: another item here already has this reference code.", code=code))
        else:
            new.append(entry)
    plan = Plan(new, skipped)
    problems += _plan_references(session, plan)
    problems += _check_items(session, plan)
    if problems:
        raise BagRefused(problems)
    return plan


def _identity_text(entry: BagRecord) -> str:
    return f"{entry.identity.repository}:{entry.identity.id}"


def _plan_references(session, plan: Plan) -> list[str]:
    """The vocabularies, terms, places and bodies to create; a term known under another vocabulary is a problem."""
    problems = []
    for entry in plan.new:
        record = entry.record
        for term in record["terms"]:
            vocabulary = term["vocabulary"]
            here = session.scalar(select(Term).where(Term.code == term["code"]))
            if here is not None and here.scheme.code != vocabulary["code"]:
                problems.append(_("%(code)s: the term %(term)s is in the vocabulary %(here)s here, in %(there)s in "
                                  "the bag.", code=record["reference_code"], term=term["code"],
                                  here=here.scheme.code, there=vocabulary["code"]))  # fmt: skip
            elif here is None:
                plan.terms.setdefault(term["code"], term)
                if session.scalar(select(Scheme.id).where(Scheme.code == vocabulary["code"])) is None:
                    plan.schemes.setdefault(vocabulary["code"], vocabulary)
        if (place := record["place"]) and session.scalar(select(Place.id).where(Place.code == place["code"])) is None:
            plan.places.setdefault(place["code"], place)
        if (body := record["body"]) and session.scalar(select(Body.id).where(Body.code == body["code"])) is None:
            plan.bodies.setdefault(body["code"], body)
    return problems


class _PlannedLookups(PreloadedLookups):
    """The archive's codes as they will be once the plan's reference data is created."""

    def __init__(self, session, plan: Plan):
        super().__init__(session)
        self.term_refs |= {code: Ref(None, code) for code in plan.terms}
        self.places |= {code: Ref(None, code) for code in plan.places}
        self.bodies |= {code: Ref(None, code) for code in plan.bodies}


def _check_items(session, plan: Plan) -> list[str]:
    """Each new item checked as create_item will check it, and able to reach its status."""
    lookups, problems = _PlannedLookups(session, plan), []
    for entry in plan.new:
        record = entry.record
        try:
            validate_new_item(item_data(record), lookups)
        except VitrineError as error:
            problems += [f"{record['reference_code']}: {message}" for _field, message in
                         getattr(error, "errors", None) or [(error.field, error.message)]]  # fmt: skip
        if STATUS_PATHS[record["status"]] and not any(t["lang"] == REFERENCE_LANGUAGE for t in record["texts"]):
            problems.append(_("%(code)s: a Vietnamese title is required before review.",
                              code=record["reference_code"]))  # fmt: skip
    return problems


def item_data(record: dict) -> dict:
    """A bag record as create_item takes it."""
    return {
        "reference_code": record["reference_code"], "type": record["type"],
        "date": record["date"]["text"] if record["date"] else None,
        "place": record["place"]["code"] if record["place"] else None,
        "body": record["body"]["code"] if record["body"] else None,
        "creator": record["creator"], "rights": record["rights"]["uri"], "source_archive": record["source_archive"],
        "fonds": record["fonds"], "terms": [term["code"] for term in record["terms"]], "tags": record["tags"],
        "texts": {text["lang"]: {name: text.get(name) for name in ("title", "description", "caption",
                                                                    "transcription", "state")}
                  for text in record["texts"]},
    }  # fmt: skip


# --- The originals -------------------------------------------------------------------------


def stage_originals(storage: Storage, records: list[BagRecord], progress: Progress) -> dict[str, list[Staged]]:
    """Probe every original of the new items in the sandbox, then, all having passed, store them by SHA-256.

    Returns each record's originals in their order, ready for archive.media.attach_staged.
    """
    progress.phase(_("checking originals"), len(records))
    staged, problems = {}, []
    for entry in records:
        staged[entry.path] = []
        for media in sorted(entry.record["media"], key=lambda m: m["position"]):
            try:
                staged[entry.path].append(_probe(entry, media))
            except BagRefused as refused:
                problems += refused.problems
        progress.step()
    if problems:
        raise BagRefused(problems)
    for entries in staged.values():
        for one in entries:
            with open(one.path, "rb") as fh:
                sha256, _size, one.stored = storage.save(fh)
            if sha256 != one.sha256:  # the file changed since it was checked
                raise BagRefused([_("%(name)s changed while it was imported.", name=one.name)])
    return staged


def _probe(entry: BagRecord, media: dict) -> Staged:
    path = entry.files[media["sha256"]]
    name = display_name(media["original_name"] or path.name)
    with open(path, "rb") as fh:
        found = sniff_type(fh.read(SNIFF_BYTES))
    code = entry.record["reference_code"]
    if found != media["mime_type"]:
        raise BagRefused([_("%(code)s: %(name)s is %(found)s, not %(type)s as its record says.", code=code,
                            name=name, found=found, type=media["mime_type"])])  # fmt: skip
    try:
        probe = run_worker("probe", str(path), found, {})
    except WorkerRefusal as refusal:
        raise BagRefused([f"{code}: {refusal_message(name, refusal.code, refusal.detail)}"]) from None
    return Staged(name=name, path=str(path), sha256=media["sha256"], size=media["size"], mime=found, probe=probe)


# --- Writing -------------------------------------------------------------------------------


def write_items(session, user: User, checked: CheckedBag, plan: Plan, staged: dict, progress: Progress):
    """Create the reference data and every new item with its files, rights, status and identity; flushes only."""
    report = ImportReport(checked.name, skipped=list(plan.skipped))
    report.created = _create_references(session, plan)
    session.flush()
    for entry in plan.new:
        record = entry.record
        item = create_item(session, user, item_data(record))
        _note_origin(session, item, entry, checked.name)
        attached = attach_staged(session, user, item, staged[entry.path]) if staged[entry.path] else []
        by_sha = {media["sha256"]: media for media in record["media"]}
        for one in attached:
            one.media.text_source = by_sha[one.media.sha256]["text_source"]
            for job in one.media.jobs:  # its text is in the record: previews only, no OCR added to it
                job.read_text = False
        _set_rights_details(item, record["rights"])
        comment = _("Imported from %(source)s (bag %(bag)s).", source=_identity_text(entry), bag=checked.name)
        for transition in STATUS_PATHS[record["status"]]:
            apply_transition(session, user, item, transition, comment=comment)
        report.imported.append(item.reference_code)
        report.media_ids += [one.media.id for one in attached]
        progress.step()
    session.flush()
    return report


def _note_origin(session, item: Item, entry: BagRecord, bag: str) -> None:
    """Keep the item's identity, and say on its creation in its history where it came from."""
    session.add(ImportedItem(item_id=item.id, source_repository=entry.identity.repository,
                             source_id=entry.identity.id, bag=bag))  # fmt: skip
    created = session.scalar(select(AuditEvent).where(AuditEvent.record_type == "item", AuditEvent.record_id == item.id,
                                                      AuditEvent.action == "create"))  # fmt: skip
    if created is not None:
        created.comment = _("Imported from %(source)s (bag %(bag)s).", source=_identity_text(entry), bag=bag)


def _set_rights_details(item: Item, rights: dict) -> None:
    # The archivist's note and review flag on the rights statement, as the bag holds them.
    for name in ("note", "flagged"):
        if name in rights:
            setattr(item, f"rights_{name}", rights[name])


def _drafts(labels: dict) -> dict:
    return {lang: str(LabelState.DRAFT) for lang in labels}


def _create_references(session, plan: Plan) -> list[str]:
    """The vocabularies, terms, places and bodies the plan lacks, their labels as drafts for an admin to review."""
    created = []
    position = (session.scalar(select(func.max(Scheme.position))) or 0) + 1
    for offset, (code, vocabulary) in enumerate(plan.schemes.items()):
        labels = dict(vocabulary["labels"])
        session.add(Scheme(code=code, labels=labels, translation_states=_drafts(labels), position=position + offset))
        created.append(f"vocabulary {code}")
    session.flush()
    for code, term in plan.terms.items():
        scheme = session.scalar(select(Scheme).where(Scheme.code == term["vocabulary"]["code"]))
        last = session.scalar(select(func.max(Term.position)).where(Term.scheme_id == scheme.id)) or 0
        labels = dict(term["labels"])
        session.add(Term(scheme=scheme, code=code, labels=labels, translation_states=_drafts(labels),
                         position=last + 1))  # fmt: skip
        session.flush()
        created.append(f"term {code}")
    for code, place in plan.places.items():
        names = dict(place["names"])
        session.add(Place(code=code, kind=place["kind"], country=place["country"], names=names,
                          translation_states=_drafts(names), valid_from=place.get("valid_from"),
                          valid_to=place.get("valid_to")))  # fmt: skip
        created.append(f"place {code}")
    for code, body in plan.bodies.items():
        names = dict(body["names"])
        session.add(Body(code=code, kind=body["kind"], names=names, translation_states=_drafts(names)))
        created.append(f"body {code}")
    return created
