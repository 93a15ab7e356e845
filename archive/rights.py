"""Rights as machines read them: one RightsStatements.org statement or one Creative Commons licence or tool
per item, kept as its canonical URI (`http://`, trailing slash), named in the reader's language.

`canonical` reads what people and other systems write (https, no trailing slash, `/rdf`, `/legalcode`,
`InC`, `CC BY 4.0`, `CC-BY-4.0`); `from_text` reads an old free-text rights line (the 0010 migration,
harvested `dc:rights`) into a statement, keeping the text and asking for an archivist's review when it
cannot tell. The names are Babel messages: vi, en and fr catalogs carry them, other languages read English.
"""

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import force_locale, gettext

RIGHTS_STATEMENTS = "rightsstatements"
CREATIVE_COMMONS = "creativecommons"
# The languages whose catalogs name every statement; any other reads English.
LANGUAGES = ("vi", "en", "fr")
NOT_EVALUATED = "http://rightsstatements.org/vocab/CNE/1.0/"
PUBLIC_DOMAIN_MARK = "http://creativecommons.org/publicdomain/mark/1.0/"
PUBLIC_DOMAIN_DEDICATION = "http://creativecommons.org/publicdomain/zero/1.0/"


def N_(message: str) -> str:  # the name Babel's extractor looks for among its default keywords
    """Mark a message for translation; it is translated when a label is asked for, in the label's language."""
    return message


@dataclass(frozen=True)
class Statement:
    """A rights statement or licence: its URI, short code (`InC`, `CC BY 4.0`), family and English name."""

    uri: str
    code: str
    family: str
    name: str

    @property
    def is_licence(self) -> bool:
        """True for a Creative Commons licence or public domain tool (HTML `rel="license"`)."""
        return self.family == CREATIVE_COMMONS


def _rs(code: str, name: str) -> Statement:
    return Statement(f"http://rightsstatements.org/vocab/{code}/1.0/", code, RIGHTS_STATEMENTS, name)


def _cc(path: str, code: str, name: str) -> Statement:
    return Statement(f"http://creativecommons.org/{path}/", code, CREATIVE_COMMONS, name)


# The English names are RightsStatements.org's and Creative Commons' own; so are the French ones in fr's catalog.
STATEMENTS = (
    _rs("InC", N_("In Copyright")),
    _rs("InC-OW-EU", N_("In Copyright - EU Orphan Work")),
    _rs("InC-EDU", N_("In Copyright - Educational Use Permitted")),
    _rs("InC-NC", N_("In Copyright - Non-Commercial Use Permitted")),
    _rs("InC-RUU", N_("In Copyright - Rights-holder(s) Unlocatable or Unidentifiable")),
    _rs("NoC-CR", N_("No Copyright - Contractual Restrictions")),
    _rs("NoC-NC", N_("No Copyright - Non-Commercial Use Only")),
    _rs("NoC-OKLR", N_("No Copyright - Other Known Legal Restrictions")),
    _rs("NoC-US", N_("No Copyright - United States")),
    _rs("CNE", N_("Copyright Not Evaluated")),
    _rs("UND", N_("Copyright Undetermined")),
    _rs("NKC", N_("No Known Copyright")),
    _cc("licenses/by/4.0", "CC BY 4.0", N_("Creative Commons Attribution 4.0 International (CC BY 4.0)")),
    _cc("licenses/by-sa/4.0", "CC BY-SA 4.0",
        N_("Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)")),
    _cc("licenses/by-nd/4.0", "CC BY-ND 4.0",
        N_("Creative Commons Attribution-NoDerivatives 4.0 International (CC BY-ND 4.0)")),
    _cc("licenses/by-nc/4.0", "CC BY-NC 4.0",
        N_("Creative Commons Attribution-NonCommercial 4.0 International (CC BY-NC 4.0)")),
    _cc("licenses/by-nc-sa/4.0", "CC BY-NC-SA 4.0",
        N_("Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International (CC BY-NC-SA 4.0)")),
    _cc("licenses/by-nc-nd/4.0", "CC BY-NC-ND 4.0",
        N_("Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International (CC BY-NC-ND 4.0)")),
    _cc("publicdomain/zero/1.0", "CC0 1.0", N_("CC0 1.0 Universal Public Domain Dedication")),
    _cc("publicdomain/mark/1.0", "PDM 1.0", N_("Public Domain Mark 1.0")),
)  # fmt: skip
FAMILIES = {
    RIGHTS_STATEMENTS: N_("Rights statements (RightsStatements.org)"),
    CREATIVE_COMMONS: N_("Creative Commons licences and public domain tools"),
}
_BY_URI = {s.uri: s for s in STATEMENTS}


def statement(uri: str | None) -> Statement | None:
    """The statement of a canonical URI, None for anything else."""
    return _BY_URI.get(uri) if uri else None


# --- Reading what people write --------------------------------------------------------------


def _key(text: str) -> str:
    """A short name or English name as compared: upper case, runs of spaces, dashes and underscores one `-`."""
    return re.sub(r"[\s_\-–—]+", "-", text.strip()).strip("-").upper()


def _path_key(uri: str) -> str:
    return uri.removeprefix("http://").rstrip("/").lower()


_BY_PATH = {_path_key(s.uri): s.uri for s in STATEMENTS}
_BY_NAME = {
    **{_key(s.code): s.uri for s in STATEMENTS},
    **{_key(s.name): s.uri for s in STATEMENTS},
    # SPDX identifiers (CC-BY-NC-SA-4.0 is the code's key already) and names without their version.
    "CC0": PUBLIC_DOMAIN_DEDICATION,
    "PDM": PUBLIC_DOMAIN_MARK,
    "PUBLIC-DOMAIN-MARK": PUBLIC_DOMAIN_MARK,
}
_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?(?P<host>rightsstatements\.org|creativecommons\.org)(?P<path>/[^?#\s]*)(?:[?#]\S*)?$",
    re.IGNORECASE,
)
# What may follow a statement's own path: the RDF, the legal code or deed (in a language), a trailing slash.
_SUFFIX = re.compile(r"/(?:rdf|legalcode(?:\.[a-z_-]+)?|deed(?:\.[a-z_-]+)?)?/?$", re.IGNORECASE)


def canonical(value: str | None) -> str | None:
    """The canonical URI of a statement given as a URI in any usual form or by a short or English name, else None."""
    text = (value or "").strip()
    if not text:
        return None
    if match := _URL.match(text):
        path = _SUFFIX.sub("", match["path"]) or "/"
        # rightsstatements.org/page/InC/1.0/ is the statement's page for people: the same statement.
        path = re.sub(r"^/page/", "/vocab/", path, flags=re.IGNORECASE)
        return _BY_PATH.get(f"{match['host']}{path}".lower())
    return _BY_NAME.get(_key(text))


# --- Naming ---------------------------------------------------------------------------------


def label_language(lang: str | None) -> str:
    """The language a label is given in for a reader of `lang`: its own if the catalogs name statements in it,
    else English."""
    primary = (lang or "").split("-")[0].lower()
    return primary if primary in LANGUAGES else "en"


def _translated(message: str, lang: str) -> str:
    if lang == "en":
        return message
    with force_locale(lang):
        return gettext(message)


def label(uri: str, lang: str | None) -> str:
    """The statement's name in `lang` (vi, en, fr; English for any other); the URI itself if it names none."""
    found = statement(uri)
    return _translated(found.name, label_language(lang)) if found else uri


def labels(uri: str) -> dict[str, str]:
    """The statement's name in each language the catalogs carry: for IIIF language maps and dc:rights per language."""
    return {lang: label(uri, lang) for lang in LANGUAGES}


@dataclass(frozen=True)
class ShownRights:
    """A statement as a page or publication shows it: its URI, its name and the language of that name."""

    uri: str
    label: str
    lang: str
    is_licence: bool


def shown(uri: str | None, chain) -> ShownRights | None:
    """The statement named in the first language of a reader's `chain` that the catalogs carry (else English);
    None without a URI."""
    if not uri:
        return None
    primaries = (tag.split("-")[0].lower() for tag in chain)
    lang = next((primary for primary in primaries if primary in LANGUAGES), "en")
    found = statement(uri)
    return ShownRights(uri, label(uri, lang), lang, bool(found and found.is_licence))


def choices() -> dict[str, list[tuple[str, str]]]:
    """The statements for a select in the interface's language, grouped by family: {group name: [(URI, name)]}."""
    return {
        gettext(family_name): [(s.uri, gettext(s.name)) for s in STATEMENTS if s.family == family]
        for family, family_name in FAMILIES.items()
    }


# --- Reading old free text ------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What a free-text rights line says: a statement's URI, the text kept beside it when it was more than a
    statement's name (`note`), and whether an archivist must review it because nothing could be made of it."""

    uri: str
    note: str | None
    flagged: bool


def _fold(text: str) -> str:
    """Lower case without diacritics (đ as d), so Vietnamese reads whether typed with its marks or not."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_EMBEDDED_URL = re.compile(r"(?:https?://)?(?:www\.)?(?:rightsstatements|creativecommons)\.org/[^\s<>\"')\]]+")
_EMBEDDED_CC = re.compile(r"\bcc[\s_-]*(by(?:[\s_-]*(?:nc|nd|sa))*)[\s_-]*v?(4\.0)\b|\bcc0\b")
_PUBLIC_DOMAIN = re.compile(r"public domain|pham vi cong cong|domaine public|het thoi han bao ho")
_UNCLEAR = re.compile(r"khong ro|chua ro|chua xac dinh|unknown|not known|unclear|inconnu|indetermin")
_IN_COPYRIGHT = re.compile(
    r"©|\(c\)|copyright|ban quyen|quyen tac gia|droits? d'auteur|tous droits|all rights reserved"
)
_NON_COMMERCIAL = re.compile(r"phi thuong mai|khong (?:vi muc dich |nham muc dich )?thuong mai|non[\s-]?commerc")
_EDUCATIONAL = re.compile(r"giao duc|hoc tap|education|pedagogi")


def from_text(text: str | None) -> Reading:
    """A free-text rights line read as a statement: a statement's URI or name as such; a Creative Commons licence,
    public domain or a copyright notice (non-commercial or educational use permitted) named in a sentence, with the
    sentence kept as the note; anything else Copyright Not Evaluated, the text kept and flagged for review."""
    text = (text or "").strip()
    if not text:
        return Reading(NOT_EVALUATED, None, False)
    if uri := canonical(text):
        return Reading(uri, None, False)
    uri = _statement_in(text)
    return Reading(uri, text, False) if uri else Reading(NOT_EVALUATED, text, True)


def _statement_in(text: str) -> str | None:
    for found in _EMBEDDED_URL.findall(text):
        if uri := canonical(found.rstrip(".,;:")):
            return uri
    folded = _fold(text)
    if match := _EMBEDDED_CC.search(folded):
        return canonical(f"CC-{match[1]}-{match[2]}" if match[1] else "CC0")
    if _PUBLIC_DOMAIN.search(folded):
        return PUBLIC_DOMAIN_MARK
    if _IN_COPYRIGHT.search(folded) and not _UNCLEAR.search(folded):
        code = "InC-NC" if _NON_COMMERCIAL.search(folded) else "InC-EDU" if _EDUCATIONAL.search(folded) else "InC"
        return canonical(code)
    return None
