"""The admins' pages of the reference data: vocabularies and terms, venues abroad, contributing
bodies (labels per language with their translation state), and the provinces, read-only."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from archive import reference_editing as editing
from archive.forms import TransitionForm, labels_from_form
from archive.models import BodyKind, Scheme
from archive.vocabulary import schemes_with_terms
from core.db import db
from core.errors import ValidationError
from core.i18n import _, _l, localized, ui_languages
from core.languages import PROGRAMME_LANGUAGES
from core.permissions import Permission, permission_required
from core.uow import attempt

bp = Blueprint("reference", __name__, template_folder="templates", url_prefix="/staff/admin")
admins_only = permission_required(Permission.MANAGE_REFERENCE)
# kind → (list endpoint, the page's heading for a new record, for an existing one)
PAGES = {
    "scheme": ("reference.vocabularies", _l("New vocabulary"), _l("Vocabulary")),
    "term": ("reference.vocabularies", _l("New term"), _l("Term")),
    "place": ("reference.venues", _l("New venue abroad"), _l("Venue abroad")),
    "body": ("reference.bodies", _l("New contributing body"), _l("Contributing body")),
}
LIST_TITLES = {"reference.vocabularies": _l("Vocabularies and terms"), "reference.venues": _l("Venues abroad"),
               "reference.bodies": _l("Contributing bodies")}  # fmt: skip


@bp.route("")
@admins_only
def index():
    return render_template("archive/reference/index.html")


@bp.route("/vocabularies")
@admins_only
def vocabularies():
    return _list_page("archive/reference/vocabularies.html", schemes=schemes_with_terms(db.session))


@bp.route("/venues")
@admins_only
def venues():
    return _list_page("archive/reference/venues.html", records=editing.venues(db.session),
                      countries=dict(editing.countries()))  # fmt: skip


@bp.route("/bodies")
@admins_only
def bodies():
    return _list_page("archive/reference/bodies.html", records=editing.bodies(db.session),
                      kind_labels=editing.KIND_LABELS)  # fmt: skip


@bp.route("/provinces")
@admins_only
def provinces():
    return _list_page("archive/reference/provinces.html", records=editing.provinces(db.session))


@bp.route("/vocabularies/new", methods=["GET", "POST"])
@admins_only
def new_scheme():
    return _edit("scheme", None, lambda labels, fields: editing.create_scheme(
        db.session, current_user, fields["code"], labels))  # fmt: skip


@bp.route("/vocabularies/<id:scheme_id>/terms/new", methods=["GET", "POST"])
@admins_only
def new_term(scheme_id: int):
    scheme = db.session.get(Scheme, scheme_id) or abort(404)
    return _edit("term", None, lambda labels, fields: editing.create_term(
        db.session, current_user, scheme, fields["code"], labels), scheme=scheme)  # fmt: skip


@bp.route("/venues/new", methods=["GET", "POST"])
@admins_only
def new_venue():
    return _edit("place", None, lambda labels, fields: editing.create_venue(
        db.session, current_user, fields["code"], fields["country"], labels))  # fmt: skip


@bp.route("/bodies/new", methods=["GET", "POST"])
@admins_only
def new_body():
    return _edit("body", None, lambda labels, fields: editing.create_body(
        db.session, current_user, fields["code"], fields["kind"], labels))  # fmt: skip


@bp.route("/vocabularies/<id:record_id>", methods=["GET", "POST"], defaults={"kind": "scheme"})
@bp.route("/terms/<id:record_id>", methods=["GET", "POST"], defaults={"kind": "term"})
@bp.route("/venues/<id:record_id>", methods=["GET", "POST"], defaults={"kind": "place"})
@bp.route("/bodies/<id:record_id>", methods=["GET", "POST"], defaults={"kind": "body"})
@admins_only
def edit(kind: str, record_id: int):
    record = editing.get_record(db.session, kind, record_id)
    return _edit(kind, record, lambda labels, fields: editing.update_record(
        db.session, current_user, record, labels, fields))  # fmt: skip


def _edit(kind: str, record, save, scheme=None):
    """The form of one record: shown, or saved and back to its list; a refusal shows it again as typed."""
    errors, status = [], 200
    if request.method == "POST":
        if not TransitionForm().validate_on_submit():
            abort(400)
        fields = {name: request.form.get(name, "") for name in ("code", "country", "kind")}
        try:
            with attempt():
                saved = save(labels_from_form(request.form), fields)
        except ValidationError as error:
            errors, status = error.errors, error.status
        else:
            flash(_("%(name)s is saved.", name=localized(editing.labels_of(saved)) or saved.code), "success")
            return redirect(url_for(PAGES[kind][0], _anchor=f"{kind}-{saved.id}"))
    return _form_page(kind, record, scheme, errors), status


def _form_page(kind: str, record, scheme, errors):
    if request.method == "POST":  # as typed, whatever was refused
        submitted = labels_from_form(request.form)
        rows = [editing.LabelRow(lang, label, state) for lang, (label, state) in submitted.items()]
        values = request.form
    else:
        rows, values = editing.label_rows(record), {}
    field_errors = {}
    for name, message in errors:
        field_errors.setdefault(name or "", []).append(message)
    history = editing.record_history(db.session, record) if record is not None else []
    return render_template("archive/reference/edit.html", kind=kind, record=record, scheme=scheme, rows=rows,
                           values=values, errors=errors, field_errors=field_errors, events=history,
                           heading=PAGES[kind][2] if record else PAGES[kind][1], back=PAGES[kind][0],
                           back_title=LIST_TITLES[PAGES[kind][0]],
                           state_labels=editing.STATE_LABELS, kind_labels=editing.KIND_LABELS,
                           body_kinds=list(BodyKind), countries=editing.countries() if kind == "place" else [],
                           programme_languages=PROGRAMME_LANGUAGES)  # fmt: skip


def _list_page(template: str, **context):
    return render_template(template, languages=ui_languages(), state_labels=editing.STATE_LABELS,
                           state_of=editing.state_of, others_of=editing.other_languages, **context)  # fmt: skip
