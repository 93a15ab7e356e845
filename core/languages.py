"""Content languages: BCP 47 tags of the texts the archive holds (any language, Tày and Ê Đê included).

The interface languages (vi, en, fr) are another matter: core.i18n.
"""

import enum

import langcodes

from core.errors import ValidationError
from core.i18n import _

REFERENCE_LANGUAGE = "vi"
# The languages the programme names, offered first in pickers.
PROGRAMME_LANGUAGES = [
    "vi", "en", "fr", "zh", "ru", "es", "th", "lo", "km",
    "tyz", "nut", "hnj", "rad", "jra", "bdq", "cja",
]  # fmt: skip


def normalise_tag(tag: str, field: str = "lang") -> str:
    """The canonical form of a BCP 47 tag (`EN-us` → `en-US`); ValidationError if invalid."""
    raw = (tag or "").strip()
    if not raw or len(raw) > 35 or not langcodes.tag_is_valid(raw):
        raise ValidationError(_("“%(tag)s” is not a valid language tag (BCP 47).", tag=raw), field=field)
    return langcodes.standardize_tag(raw)


def is_minority_or_foreign(tag: str) -> bool:
    """True for every language but Vietnamese; used for the programme's 15–20 % figure."""
    return langcodes.Language.get(tag).language != REFERENCE_LANGUAGE


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
