"""Forms of the archive pages. Rules live in the services; forms only carry the data."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional

from archive.models import ItemType, TextState
from archive.services import ITEM_FIELDS, TEXT_FIELDS
from core.i18n import _l

TYPE_LABELS = {
    ItemType.PHOTO: _l("Photo"),
    ItemType.DOCUMENT: _l("Document"),
    ItemType.POSTER: _l("Poster or painting"),
    ItemType.PUBLICATION: _l("Publication"),
    ItemType.OTHER: _l("Other"),
}
STATE_LABELS = {
    TextState.MACHINE: _l("Machine translation"),
    TextState.DRAFT: _l("Draft"),
    TextState.REVIEWED: _l("Reviewed"),
}


class ItemForm(FlaskForm):
    """The item's own fields; texts per language are read by `texts_from_form`."""

    version = HiddenField()
    reference_code = StringField(_l("Reference code"))
    # Choices are checked by the services, whose messages are translated; WTForms' are not.
    type = SelectField(
        _l("Type"), choices=[(t.value, label) for t, label in TYPE_LABELS.items()], validate_choice=False
    )
    date = StringField(_l("Date"), description=_l("As written: 1945, 1945-09-02, c. 1954, 1986/1990"))
    place = SelectField(_l("Place"), validators=[Optional()], validate_choice=False)
    body = SelectField(_l("Contributing body"), validators=[Optional()], validate_choice=False)
    creator = StringField(_l("Creator"))
    # Choices grouped by family (archive.rights.choices), set per request in the reader's language.
    rights = SelectField(
        _l("Rights"),
        validate_choice=False,
        description=_l("A RightsStatements.org statement or a Creative Commons licence"),
    )
    rights_note = TextAreaField(
        _l("Rights note"),
        description=_l("For archivists, not shown to visitors: the holder, an agreement, the rights as first written"),
    )
    rights_flagged = BooleanField(_l("The rights still need an archivist's review"))
    source_archive = StringField(_l("Source archive"))
    fonds = StringField(_l("Fonds"))
    terms = SelectMultipleField(_l("Terms"), validate_choice=False)
    tags = StringField(_l("Free tags"), description=_l("Separated by commas"))

    def to_data(self) -> dict:
        """The fields as the services take them."""
        data = {name: getattr(self, name).data for name in ITEM_FIELDS}
        data["terms"] = self.terms.data or []
        data["tags"] = [t.strip() for t in (self.tags.data or "").split(",") if t.strip()]
        return data


class TransitionForm(FlaskForm):
    """A workflow move with an optional comment."""

    action = HiddenField()
    version = HiddenField()
    comment = TextAreaField(_l("Comment"))


def texts_from_form(form_data) -> dict:
    """Texts per language from fields named `texts-<lang>-<field>`; empty languages are skipped."""
    texts: dict[str, dict] = {}
    for key, value in form_data.items():
        if not key.startswith("texts-"):
            continue
        # Tags may hold hyphens (zh-Hant), field names do not: split at the last one.
        lang, _sep, name = key[len("texts-") :].rpartition("-")
        if lang and name in (*TEXT_FIELDS, "state"):
            texts.setdefault(lang, {})[name] = value
    return {lang: values for lang, values in texts.items() if any(values.get(f) for f in TEXT_FIELDS)}


def labels_from_form(form_data) -> dict[str, tuple[str, str]]:
    """Labels per language from fields `label-<lang>` and `state-<lang>`, and the added language's
    `new-lang`, `new-label` and `new-state`: {lang: (label, state)}, empty labels included."""
    labels = {}
    for key, value in form_data.items():
        if key.startswith("label-"):
            lang = key[len("label-") :]
            labels[lang] = (value, form_data.get(f"state-{lang}", ""))
    added = (form_data.get("new-lang") or "").strip()
    if added and (form_data.get("new-label") or "").strip():
        labels[added] = (form_data["new-label"], form_data.get("new-state", ""))
    return labels
