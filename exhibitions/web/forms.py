"""Forms of the curators' pages. Rules live in the services; forms only carry the data."""

import re

from flask_babel import pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import Optional

from core.errors import ValidationError
from core.i18n import _l
from core.languages import REFERENCE_LANGUAGE, normalise_tag
from exhibitions.models import Exhibition, ExhibitionMode, ExhibitionStatus

MODE_LABELS = {
    ExhibitionMode.IN_PERSON: _l("In person"),
    ExhibitionMode.ONLINE: _l("Online"),
    ExhibitionMode.BOTH: _l("In person and online"),
}
DIFFERENCE_LABELS = {
    "framework_changed": _l("Changed in the framework"),
    "both_changed": _l("Changed in the framework and here"),
    "local_change": _l("Adapted here"),
    "added_in_framework": _l("Added to the framework"),
    "removed_in_framework": _l("Removed from the framework"),
    "added_locally": _l("Added here only"),
    "removed_here": _l("Removed here"),
}


def status_label(status) -> str:
    """The name of an exhibition status in the reader's language."""
    # A context of their own: items share these words, and in French an exhibition is feminine.
    labels = {
        ExhibitionStatus.DRAFT: pgettext("exhibition status", "draft"),
        ExhibitionStatus.PUBLISHED: pgettext("exhibition status", "published"),
        ExhibitionStatus.ARCHIVED: pgettext("exhibition status", "archived"),
    }
    return labels[ExhibitionStatus(status)]


class SettingsForm(FlaskForm):
    """Where, when, how and in which languages; texts per language come from `texts_from_form`."""

    version = HiddenField()
    code = StringField(_l("Code"), description=_l("Venue and year, printed before panel numbers: CB25"))
    # Choices are checked by the services, whose messages are translated; WTForms' are not.
    venue = SelectField(_l("Venue"), validators=[Optional()], validate_choice=False)
    mode = SelectField(_l("Mode"), choices=[(m.value, label) for m, label in MODE_LABELS.items()],
                       validate_choice=False)  # fmt: skip
    opens_on = StringField(_l("Opens on"), render_kw={"type": "date"})
    closes_on = StringField(_l("Closes on"), render_kw={"type": "date"})
    primary_language = StringField(_l("Primary language"), default="vi", description=_l("A language tag: vi, fr, en…"))
    languages = StringField(_l("Other languages"), description=_l("Language tags separated by commas: en, fr, tyz"))
    fallback_chain = StringField(
        _l("Fallback order"), description=_l("When a text is missing, try these languages in turn: fr, en, vi")
    )
    is_framework = BooleanField(_l("This is a content framework that venues derive their exhibitions from"))

    def to_data(self) -> dict:
        """The settings as the services take them."""
        return DeriveForm.to_data(self) | {"is_framework": self.is_framework.data}


class DeriveForm(SettingsForm):
    """The venue's own settings for an exhibition derived from a framework."""

    is_framework = None

    def to_data(self) -> dict:
        """The settings as the services take them."""
        names = ("code", "venue", "mode", "opens_on", "closes_on", "primary_language", "languages", "fallback_chain")
        return {name: getattr(self, name).data for name in names}


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token and the version seen."""

    version = HiddenField()


def texts_from_form(form_data, prefix: str, fields: tuple[str, ...]) -> dict:
    """Texts per language from fields named `<prefix>-<lang>-<field>`; a language left empty stays empty."""
    texts: dict[str, dict] = {}
    for key, value in form_data.items():
        if not key.startswith(prefix + "-"):
            continue
        # Tags may hold hyphens (zh-Hant), field names do not: split at the last one.
        lang, _sep, name = key[len(prefix) + 1 :].rpartition("-")
        if lang and name in (*fields, "state"):
            texts.setdefault(lang, {})[name] = value
    return texts


# A new exhibition's title and introduction are asked once, in whichever language the curator makes primary:
# the form names them `texts-primary-…` until that language is known.
PRIMARY = "primary"


def primary_texts(texts: dict, primary_language: str | None) -> dict:
    """Texts per language with those typed "in the primary language" put under its tag (which they fill)."""
    texts = dict(texts)
    typed = texts.pop(PRIMARY, {})
    if not any((typed.get(name) or "").strip() for name in ("title", "introduction")):
        return texts
    tag = _valid_tag(primary_language) or REFERENCE_LANGUAGE
    texts[tag] = typed | {k: v for k, v in (texts.get(tag) or {}).items() if (v or "").strip()}
    return texts


def chosen_languages(form) -> list[str]:
    """The languages a settings form names, primary first, without the tags that are not valid."""
    others = re.split(r"[\s,]+", form.languages.data or "")
    tags = (_valid_tag(tag) for tag in [form.primary_language.data, *others])
    return list(dict.fromkeys(tag for tag in tags if tag))


def _valid_tag(raw) -> str | None:
    try:
        return normalise_tag(raw or "")
    except ValidationError:
        return None


def settings_object(exhibition: Exhibition | None):
    """The exhibition's settings as a form's `obj`."""
    if exhibition is None:
        return None
    values = {
        "version": exhibition.version,
        "code": exhibition.code,
        "venue": exhibition.venue.code if exhibition.venue else "",
        "mode": str(exhibition.mode),
        "opens_on": exhibition.opens_on.isoformat() if exhibition.opens_on else "",
        "closes_on": exhibition.closes_on.isoformat() if exhibition.closes_on else "",
        "primary_language": exhibition.primary_language,
        "languages": ", ".join(exhibition.languages or []),
        "fallback_chain": ", ".join(exhibition.fallback_chain or []),
        "is_framework": exhibition.is_framework,
    }
    return type("ExhibitionSettings", (), values)


def exhibition_texts(exhibition: Exhibition | None) -> dict:
    """Title and introduction per language, as the settings form shows them."""
    if exhibition is None:
        return {}
    return {t.lang: {"title": t.title, "introduction": t.introduction or "", "state": str(t.state)}
            for t in exhibition.texts}  # fmt: skip


def languages_to_edit(exhibition: Exhibition | None, texts: dict) -> list[str]:
    """A tab per language: the exhibition's, then any other that already has text."""
    wanted = exhibition.all_languages if exhibition else [REFERENCE_LANGUAGE]
    return list(dict.fromkeys([*wanted, *(texts or {})]))


def errors_by_field(errors: list) -> dict:
    """Messages grouped by field name, for showing each beside its field."""
    grouped: dict = {}
    for name, message in errors:
        grouped.setdefault(name or "", []).append(message)
    return grouped
