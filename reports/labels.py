"""Names of what the figures count, in the reader's language: types, statuses, places, languages, kinds."""

from babel import Locale, UnknownLocaleError
from flask_babel import pgettext

from archive.forms import TYPE_LABELS
from archive.services import status_label
from core.i18n import _, _l, current_language, localized
from core.languages import LanguageClass, language_name
from exhibitions import reading
from exhibitions.models import Exhibition, ExhibitionMode, ExhibitionStatus, PublicationKind, QrTarget

MODE_LABELS = {
    ExhibitionMode.IN_PERSON: _l("In person"),
    ExhibitionMode.ONLINE: _l("Online"),
    ExhibitionMode.BOTH: _l("In person and online"),
}
KIND_LABELS = {
    PublicationKind.EPUB: _l("E-book (EPUB)"),
    PublicationKind.CATALOGUE: _l("Catalogue (PDF)"),
    PublicationKind.OFFLINE: _l("Offline package (ZIP)"),
}
TARGET_LABELS = {
    QrTarget.EXHIBITION: _l("Whole exhibition"),
    QrTarget.SECTION: _l("Section"),
    QrTarget.ENTRY: _l("Panel"),
    QrTarget.EBOOK: _l("E-book"),
}
LABEL_LENGTH = 44  # characters a chart label keeps on a phone


def type_label(kind) -> str:
    """An item type's name."""
    return str(TYPE_LABELS[kind])


def item_status_label(status) -> str:
    """An item status's name, as a heading or a label begins."""
    name = status_label(status)
    return name[:1].upper() + name[1:]


def exhibition_status_label(status) -> str:
    """An exhibition status's name (its own context: in French an exhibition is feminine)."""
    return {
        ExhibitionStatus.DRAFT: pgettext("exhibition status", "draft"),
        ExhibitionStatus.PUBLISHED: pgettext("exhibition status", "published"),
        ExhibitionStatus.ARCHIVED: pgettext("exhibition status", "archived"),
    }[ExhibitionStatus(status)]


def name_of(record) -> str:
    """A place's or a body's name in the reader's language."""
    return localized(record.names) or record.code if record is not None else ""


def country_name(code: str | None) -> str:
    """A country's name in the reader's language, from Babel (the code if Babel has none)."""
    if not code:
        return ""
    try:
        return Locale.parse(current_language()).territories.get(code.upper(), code)
    except (UnknownLocaleError, ValueError):
        return code


def exhibition_title(exhibition: Exhibition) -> str:
    """An exhibition's title in the reader's language, else in its own languages."""
    chain = [current_language(), exhibition.primary_language, *exhibition.all_languages]
    return reading.exhibition_title(exhibition, list(dict.fromkeys(chain))).text or exhibition.code


def class_label(classes) -> str:
    """How the programme counts a language."""
    if LanguageClass.REFERENCE in classes:
        return _("Reference (Vietnamese)")
    if classes == {LanguageClass.ETHNIC, LanguageClass.FOREIGN}:
        return _("Ethnic minority and foreign")
    return _("Ethnic minority") if LanguageClass.ETHNIC in classes else _("Foreign")


def language_label(tag: str) -> str:
    """A language's name with its tag, as a chart shows it: `Tày (tyz)`."""
    return f"{language_name(tag)} ({tag})"


def short(text: str, length: int = LABEL_LENGTH) -> str:
    """`text` cut to `length` characters with an ellipsis, for a chart label."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
