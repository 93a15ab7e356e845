"""Content languages: BCP 47 tags of the texts the archive holds (any language, Tày and Ê Đê included).

The interface languages (vi, en, fr) are another matter: core.i18n.
"""

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
