"""Content languages: BCP 47 tags of the texts the archive holds (any language, Tày and Ê Đê included),
their names, and the chain a missing text falls back along.

The interface languages (vi, en, fr: the catalogues) are another matter: core.i18n. Which language a
visitor reads in is decided by core.language_policy.
"""

import enum
from dataclasses import dataclass

import langcodes
from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _

from core.errors import ValidationError

REFERENCE_LANGUAGE = "vi"
# The language foreign visitors read when the page has none of theirs (core.language_policy).
FOREIGN_LANGUAGE = "en"
# The languages the programme names, offered first in pickers. Cham has three: Eastern Cham of the central
# coast (cjm, the programme's Chăm), Western Cham of the Mekong delta (cja) and Chăm Hroi (hro).
PROGRAMME_LANGUAGES = [
    "vi", "en", "fr", "zh", "ru", "es", "th", "lo", "km",
    "tyz", "nut", "hnj", "rad", "jra", "bdq", "cjm", "cja", "hro",
]  # fmt: skip


@dataclass(frozen=True)
class LanguageNames:
    """A language Babel does not name: what its speakers call it, and its name in each interface language
    as written inside a sentence."""

    endonym: str
    vi: str
    en: str
    fr: str


# The languages of Vietnam's peoples that CLDR (so Babel) does not name, or names in English only.
OWN_NAMES = {
    "tyz": LanguageNames("Tày", "tiếng Tày", "Tày", "tày"),
    "nut": LanguageNames("Nùng", "tiếng Nùng", "Nung", "nung"),
    "hnj": LanguageNames("Hmoob", "tiếng H’Mông", "Hmong Njua", "hmong njua"),
    "rad": LanguageNames("Êđê", "tiếng Ê Đê", "Rade", "rhadé"),
    "jra": LanguageNames("Jrai", "tiếng Gia Rai", "Jarai", "jaraï"),
    "bdq": LanguageNames("Bahnar", "tiếng Ba Na", "Bahnar", "bahnar"),
    "cjm": LanguageNames("Cam", "tiếng Chăm Đông", "Eastern Cham", "cham oriental"),
    "cja": LanguageNames("Cham", "tiếng Chăm Tây", "Western Cham", "cham occidental"),
    "hro": LanguageNames("Hroi", "tiếng Chăm Hroi", "Haroi", "haroï"),
}


def normalise_tag(tag: str, field: str = "lang") -> str:
    """The canonical form of a BCP 47 tag (`EN-us` → `en-US`); ValidationError if invalid."""
    canonical = clean_tag(tag)
    if canonical is None:
        raw = (tag or "").strip()
        raise ValidationError(_("“%(tag)s” is not a valid language tag (BCP 47).", tag=raw), field=field)
    return canonical


def clean_tag(raw: str | None) -> str | None:
    """The canonical form of a tag read from a request (a query argument, a cookie); None if it is none.

    Says nothing when it is not one: the interface's language is being chosen with it.
    """
    text = (raw or "").strip()
    if not text or len(text) > 35 or not langcodes.tag_is_valid(text):
        return None
    return langcodes.standardize_tag(text)


def primary(tag: str) -> str:
    """The language subtag of a tag: `fr-CH` → `fr`."""
    return tag.split("-")[0].lower()


def same_language(tag: str, other: str) -> bool:
    """True when both tags name one language (`fr-CH` and `fr`)."""
    return primary(tag) == primary(other)


def is_minority_or_foreign(tag: str) -> bool:
    """True for every language but Vietnamese; used for the programme's 15–20 % figure."""
    return langcodes.Language.get(tag).language != REFERENCE_LANGUAGE


def is_language_of_vietnam(tag: str) -> bool:
    """True for the languages of Vietnam's peoples the app names itself: their readers read Vietnamese."""
    return primary(tag) in OWN_NAMES


def text_chain(lang: str, through: list[str] | None = None) -> list[str]:
    """The languages tried for a text, in order, without repeats.

    `through` is an exhibition's own chain (its curators' order, then its primary language), always
    ending in Vietnamese, which every item has; elsewhere the visitor's language → English → Vietnamese,
    except that the languages of Vietnam's peoples go through Vietnamese before English.
    """
    if through is not None:
        chain = [lang, *through, REFERENCE_LANGUAGE]
    elif is_language_of_vietnam(lang):
        chain = [lang, REFERENCE_LANGUAGE, FOREIGN_LANGUAGE]
    else:
        chain = [lang, FOREIGN_LANGUAGE, REFERENCE_LANGUAGE]
    return list(dict.fromkeys(tag for tag in chain if tag))


def _babel_name(tag: str, reader: str) -> str | None:
    """The name CLDR gives `tag` in `reader`'s language, in that locale's own casing; None if it has none."""
    try:
        locale = Locale.parse(reader, sep="-")
    except (ValueError, UnknownLocaleError):
        return None
    for key in (tag.replace("-", "_"), primary(tag)):
        if name := locale.languages.get(key):
            return name
    return None


def _own_name(tag: str, reader: str) -> str | None:
    names = OWN_NAMES.get(primary(tag))
    if names is None:
        return None
    if same_language(reader, tag):
        return names.endonym
    return getattr(names, primary(reader), None) or names.en


def language_in_sentence(tag: str, in_language: str | None = None) -> str:
    """A language's name as written inside a sentence: 'French', 'français', 'tiếng Pháp', 'tày'.

    From the app's own table for the languages CLDR lacks, else from Babel in the locale's own casing;
    `in_language` is the reader's language (the interface's by default).
    """
    reader = in_language or _interface_language()
    name = _own_name(tag, reader) or _babel_name(tag, reader) or _langcodes_name(tag, reader)
    # CLDR capitalises Vietnamese names ("Tiếng Pháp"); mid-sentence the common noun is lower case.
    if primary(reader) == "vi" and name.startswith("Tiếng "):
        name = "t" + name[1:]
    return name


def language_name(tag: str, in_language: str | None = None) -> str:
    """A language's name standing alone, as in a menu or a list's first word: 'Tày', 'Français', 'Tiếng Pháp'."""
    name = language_in_sentence(tag, in_language)
    return name[:1].upper() + name[1:]


def language_list(tags, in_language: str | None = None) -> str:
    """Several languages named inside a sentence: 'tiếng Việt và tiếng Anh', 'vietnamien et anglais'."""
    reader = in_language or _interface_language()
    names = [language_in_sentence(tag, reader) for tag in dict.fromkeys(tags)]
    try:
        return format_list(names, locale=reader.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return ", ".join(names)


def _langcodes_name(tag: str, reader: str) -> str:
    """A last resort for tags CLDR does not name: langcodes' data, else the tag itself."""
    try:
        name = langcodes.Language.get(tag).display_name(reader)
    except (ValueError, LookupError):
        return tag
    return tag if name.lower().startswith("unknown language") else name


def _interface_language() -> str:
    locale = get_locale()
    return str(locale) if locale else REFERENCE_LANGUAGE


# --- The programme's classes of language (its 15–20 % target) --------------------------------

# Languages of Vietnam's ethnic minorities, by ISO 639-3 code: those the programme names (Tày,
# Nùng, H'Mông, Ê Đê, Jrai, Bahnar, Khmer, Chăm, Chăm Hroi) and the other large groups' languages.
ETHNIC_MINORITY_LANGUAGES = frozenset({
    "tyz", "nut", "hnj", "mww", "hmn", "rad", "jra", "bdq", "cjm", "cja", "hro", "km",
    "mtq", "blt", "twh", "tyr", "ium", "sed", "kpm", "hre", "ktv", "bru", "sti", "cmo", "mng", "rog", "cje",
})  # fmt: skip
# Khmer is the language of the Khmer minority of the Mekong delta and Cambodia's national language:
# the programme lists it both among its ethnic and its foreign languages. A Khmer text serves both
# audiences, so it counts in both shares, and once in the share of either held against the target.
ALSO_FOREIGN = frozenset({"km"})


class LanguageClass(enum.StrEnum):
    """How the programme counts a content language."""

    REFERENCE = "reference"  # Vietnamese
    FOREIGN = "foreign"
    ETHNIC = "ethnic"


def language_classes(tag: str) -> frozenset[LanguageClass]:
    """The classes of a tag, by its primary subtag: Vietnamese; an ethnic-minority language of
    Vietnam; any other language, foreign. Khmer is both ethnic and foreign."""
    try:
        primary = langcodes.Language.get(tag).language or tag
    except (ValueError, LookupError):
        primary = tag
    if primary == REFERENCE_LANGUAGE:
        return frozenset({LanguageClass.REFERENCE})
    if primary in ETHNIC_MINORITY_LANGUAGES:
        return frozenset({LanguageClass.ETHNIC} | ({LanguageClass.FOREIGN} if primary in ALSO_FOREIGN else set()))
    return frozenset({LanguageClass.FOREIGN})


def is_foreign(tag: str) -> bool:
    """True for a foreign language (Khmer included)."""
    return LanguageClass.FOREIGN in language_classes(tag)


def is_ethnic_minority(tag: str) -> bool:
    """True for a language of one of Vietnam's ethnic minorities (Khmer included)."""
    return LanguageClass.ETHNIC in language_classes(tag)
