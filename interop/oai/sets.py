"""Sets: by convention and theme (and any other vocabulary), by type, by contributing body and by exhibition.

setSpecs are hierarchical (`theme:upr` lies under `theme`): `type:photo`, `body:<code>`, `convention:<code>`,
`theme:<code>`, `content-line:<code>`, `exhibition:<id>`. A record is in a set's parents too (`theme:upr`
puts it in `theme`), and its header lists them all; so harvesting a parent set gives the records of every set
below it, and a harvest by set is an exact match on the stored memberships. Names: setName in Vietnamese
(the reference language) and every language in the setDescription's `dc:title xml:lang` elements.
"""

import re
from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive.forms import TYPE_LABELS
from archive.models import Body, ItemType, Scheme
from core.i18n import _l, ui_languages
from core.languages import REFERENCE_LANGUAGE
from exhibitions.models import Entry, Exhibition, Section
from exhibitions.reading import shown_to_public

# The protocol's setSpec syntax (the OAI-PMH schema's setSpecType).
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
MAX_SPEC = 120
# The programme's vocabularies under names a harvester reads; another scheme goes by its own code.
SCHEME_PREFIXES = {"conventions": "convention", "themes": "theme", "content-lines": "content-line"}
TYPE, BODY, EXHIBITION = "type", "body", "exhibition"
GROUP_NAMES = {TYPE: _l("Type"), BODY: _l("Contributing bodies"), EXHIBITION: _l("Exhibitions")}


@dataclass(frozen=True)
class OaiSet:
    """A set as ListSets shows it: its spec, and its name per language (the reference language's is setName)."""

    spec: str
    names: dict[str, str]

    @property
    def name(self) -> str:
        return self.names.get(REFERENCE_LANGUAGE) or next(iter(self.names.values()), self.spec)


def scheme_prefix(code: str) -> str:
    """The top setSpec of a vocabulary: `theme` for the programme's themes; its code for a scheme an admin
    added, unless that code is a name already taken (then `vocabulary-<code>`)."""
    if code in SCHEME_PREFIXES:
        return SCHEME_PREFIXES[code]
    taken = {TYPE, BODY, EXHIBITION, *SCHEME_PREFIXES.values()}
    return f"vocabulary-{code}" if code in taken else code


def item_specs(item, exhibition_ids) -> tuple[str, ...]:
    """The setSpecs of a loaded item shown in the exhibitions `exhibition_ids`, with their parents."""
    specs = {f"{TYPE}:{item.type}"}
    if item.body is not None:
        specs.add(f"{BODY}:{item.body.code}")
    specs |= {f"{scheme_prefix(term.scheme.code)}:{term.code}" for term in item.terms}
    specs |= {f"{EXHIBITION}:{exhibition_id}" for exhibition_id in exhibition_ids}
    specs |= {spec.rsplit(":", 1)[0] for spec in specs}
    return tuple(sorted(spec for spec in specs if valid_spec(spec)))


def valid_spec(spec: str) -> bool:
    return len(spec) <= MAX_SPEC and SET_SPEC.fullmatch(spec) is not None


def exhibitions_showing(session, item_ids) -> dict[int, set[int]]:
    """item id → the ids of the exhibitions the public sees (published or archived, not taken down) that show it."""
    query = (
        select(Entry.item_id, Section.exhibition_id)
        .join(Section, Entry.section_id == Section.id)
        .join(Exhibition, Section.exhibition_id == Exhibition.id)
        .where(Entry.item_id.in_(list(item_ids)), shown_to_public())
    )
    shown: dict[int, set[int]] = {}
    for item_id, exhibition_id in session.execute(query):
        shown.setdefault(item_id, set()).add(exhibition_id)
    return shown


def all_sets(session) -> list[OaiSet]:
    """Every set, parents first: vocabularies and their terms, types, bodies, exhibitions."""
    found = []
    schemes = session.scalars(select(Scheme).options(selectinload(Scheme.terms)).order_by(Scheme.position))
    for scheme in schemes:
        prefix = scheme_prefix(scheme.code)
        found.append(OaiSet(prefix, _labels(scheme.labels)))
        found += [OaiSet(f"{prefix}:{term.code}", _labels(term.labels)) for term in scheme.terms]
    found.append(OaiSet(TYPE, _translated(GROUP_NAMES[TYPE])))
    found += [OaiSet(f"{TYPE}:{kind}", _translated(TYPE_LABELS[kind])) for kind in ItemType]
    found.append(OaiSet(BODY, _translated(GROUP_NAMES[BODY])))
    found += [OaiSet(f"{BODY}:{body.code}", _labels(body.names))
              for body in session.scalars(select(Body).order_by(Body.code))]  # fmt: skip
    found.append(OaiSet(EXHIBITION, _translated(GROUP_NAMES[EXHIBITION])))
    exhibitions = session.scalars(select(Exhibition).where(shown_to_public())
                                  .options(selectinload(Exhibition.texts)).order_by(Exhibition.id))  # fmt: skip
    found += [OaiSet(f"{EXHIBITION}:{e.id}", {t.lang: t.title for t in e.texts if t.title} or {"und": e.code})
              for e in exhibitions]  # fmt: skip
    return [s for s in found if valid_spec(s.spec)]


def _labels(labels: dict | None) -> dict[str, str]:
    return {lang: text for lang, text in sorted((labels or {}).items()) if text}


def _translated(message) -> dict[str, str]:
    """A message of the interface's catalogues in each of its languages."""
    names = {}
    for lang in ui_languages():
        with force_locale(lang):
            names[lang] = str(message)
    return names
