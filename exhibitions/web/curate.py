"""The curators' pages: compose, derive, check and publish exhibitions, print labels."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from archive import searching
from archive.forms import STATE_LABELS, TYPE_LABELS
from core.db import db
from core.errors import ValidationError, VitrineError
from core.i18n import _, current_language, language_in_sentence
from core.pagination import MAX_SEARCH_PAGE, parse_page
from core.permissions import Permission, permission_required
from core.uow import attempt
from exhibitions import composing, publications, qr, takedown
from exhibitions.models import PrintedIn
from exhibitions.web import forms
from exhibitions.web.forms import DIFFERENCE_LABELS, ActionForm, DeriveForm, SettingsForm, texts_from_form
from exhibitions.web.history import exhibition_history
from exhibitions.web.printing import record_printed

bp = Blueprint("curate", __name__, url_prefix="/staff/exhibitions", template_folder="../templates")
curators_only = permission_required(Permission.COMPOSE_EXHIBITIONS)
EXHIBITION = "/<id:exhibition_id>"
SECTION = EXHIBITION + "/sections/<id:section_id>"
ENTRY = EXHIBITION + "/entries/<id:entry_id>"


bp.add_app_template_global(forms.status_label, "exhibition_status_label")


@bp.app_template_global()
def difference_label(kind: str) -> str:
    """How an exhibition differs from its framework, in words."""
    return str(DIFFERENCE_LABELS[kind])


@bp.app_template_global()
def difference_field(name: str) -> str:
    """A compared field: the item, or the title or caption in one language."""
    if name.startswith("captions."):
        return _("caption in %(language)s", language=language_in_sentence(name.split(".", 1)[1]))
    if name.startswith("titles."):
        # i18n: a field an exhibition and its framework compare: the entry's own title in one language
        return _("title in %(language)s", language=language_in_sentence(name.split(".", 1)[1]))
    return _("the item")


def _act(action, success: str, back: str):
    """Run a change and return to `back` with its outcome flashed; a refused change keeps nothing."""
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Reload the page and try again."), "error")
        return redirect(back)
    try:
        with attempt():
            action()
    except VitrineError as error:
        flash(error.message, "error")
        return redirect(back)
    flash(success, "success")
    return redirect(back)


def _composer_url(exhibition_id: int, anchor: str | None = None) -> str:
    return url_for(".composer", exhibition_id=exhibition_id, _anchor=anchor)


@bp.route("")
@curators_only
def index():
    return render_template("exhibitions/staff_list.html", exhibitions=composing.staff_list(db.session))


@bp.route("/new", methods=["GET", "POST"])
@curators_only
def new():
    form = _settings_form(SettingsForm)
    if request.method == "GET":
        return _settings_page(form, None, [], 200)
    # Typed "in the primary language" until the form says which: any language of the chain, none required first.
    texts = forms.primary_texts(texts_from_form(request.form, "texts", ("title", "introduction")),
                                form.primary_language.data)  # fmt: skip
    if not form.validate_on_submit():
        return _settings_page(form, None, [], 422, texts)
    try:
        with attempt():
            exhibition = composing.create_exhibition(db.session, current_user, form.to_data() | {"texts": texts})
    except ValidationError as error:
        return _settings_page(form, None, error.errors, 422, texts)
    flash(_("Exhibition %(code)s created.", code=exhibition.code), "success")
    return redirect(_composer_url(exhibition.id))


@bp.route(EXHIBITION + "/edit", methods=["GET", "POST"])
@curators_only
def edit(exhibition_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    form = _settings_form(SettingsForm, exhibition)
    if form.validate_on_submit():
        data = form.to_data() | {"texts": texts_from_form(request.form, "texts", ("title", "introduction"))}
        try:
            with attempt():
                composing.update_exhibition(db.session, current_user, exhibition, data, form.version.data)
        except VitrineError as error:
            errors = getattr(error, "errors", [(error.field, error.message)])
            return _settings_page(form, composing.get_exhibition(db.session, exhibition_id), errors, error.status)
        flash(_("Exhibition %(code)s saved.", code=exhibition.code), "success")
        return redirect(_composer_url(exhibition.id))
    return _settings_page(form, exhibition, [], 200 if request.method == "GET" else 422)


@bp.route(EXHIBITION)
@curators_only
def composer(exhibition_id: int):
    return _composer_page(composing.get_exhibition(db.session, exhibition_id))


def _composer_page(exhibition, status: int = 200, refused: dict | None = None):
    """The composer; `refused` is a takedown just refused ({action, reason, message}), shown with what was typed."""
    results = None
    if request.args.get("q", "").strip():
        results = searching.search_items(
            db.session,
            request.args,
            current_language(),
            public=False,
            page=parse_page(request.args.get("page"), max_page=MAX_SEARCH_PAGE),
            per_page=10,
        )
    return render_template(
        "exhibitions/composer.html",
        exhibition=exhibition,
        results=results,
        summary=composing.composer_summary(db.session, exhibition),
        form=ActionForm(),
        type_labels=TYPE_LABELS,
        takedown=takedown.takedown_of(db.session, exhibition),
        refused=refused,
    ), status


@bp.route(EXHIBITION + "/<any(take_down, undo_takedown):action>", methods=["POST"])
@curators_only  # the service says who may (admins): a curator's attempt comes back refused, with the reason typed
def take_down(exhibition_id: int, action: str):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    reason = request.form.get("reason", "")
    change = takedown.take_down if action == "take_down" else takedown.undo_takedown
    try:
        with attempt():
            change(db.session, current_user, exhibition, reason)
    except VitrineError as error:
        refused = {"action": action, "reason": reason[: takedown.REASON_LIMIT * 2], "message": error.message}
        return _composer_page(composing.get_exhibition(db.session, exhibition_id), error.status, refused)
    if action == "take_down":
        flash(_("Exhibition %(code)s is withdrawn from public view.", code=exhibition.code), "success")
    else:
        flash(_("Exhibition %(code)s is shown to the public again.", code=exhibition.code), "success")
    return redirect(_composer_url(exhibition_id))


@bp.route(EXHIBITION + "/history")
@curators_only
def history(exhibition_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    entries = exhibition_history(db.session, exhibition)
    return render_template("exhibitions/history.html", exhibition=exhibition, entries=entries)


@bp.route(EXHIBITION + "/sections", methods=["POST"])
@curators_only
def add_section(exhibition_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    texts = texts_from_form(request.form, "section", ("title", "body"))
    return _act(
        lambda: composing.add_section(db.session, current_user, exhibition, texts),
        _("Section added."),
        _composer_url(exhibition_id),
    )


@bp.route(SECTION, methods=["GET", "POST"])
@curators_only
def section(exhibition_id: int, section_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    found = composing.get_section(db.session, exhibition, section_id)
    if request.method == "POST":
        texts = texts_from_form(request.form, "section", ("title", "body"))
        return _act(
            lambda: composing.update_section(db.session, current_user, found, texts),
            _("Section saved."),
            _composer_url(exhibition_id, f"section-{section_id}"),
        )
    return render_template(
        "exhibitions/section_form.html",
        exhibition=exhibition,
        section=found,
        langs=forms.languages_to_edit(exhibition, found.texts),
        form=ActionForm(),
        state_labels=STATE_LABELS,
    )


@bp.route(SECTION + "/move", methods=["POST"])
@curators_only
def move_section(exhibition_id: int, section_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    found = composing.get_section(db.session, exhibition, section_id)
    delta = -1 if request.form.get("direction") == "up" else 1
    return _act(
        lambda: composing.move_section(db.session, current_user, found, delta),
        _("Section moved."),
        _composer_url(exhibition_id, f"section-{section_id}"),
    )


@bp.route(SECTION + "/delete", methods=["POST"])
@curators_only
def delete_section(exhibition_id: int, section_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    found = composing.get_section(db.session, exhibition, section_id)
    return _act(
        lambda: composing.remove_section(db.session, current_user, found),
        _("Section removed."),
        _composer_url(exhibition_id),
    )


@bp.route(EXHIBITION + "/entries", methods=["POST"])
@curators_only
def add_entry(exhibition_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    found = composing.get_section(db.session, exhibition, request.form.get("section_id"))
    back = request.form.get("back") or ""
    back = back if back.startswith(f"/staff/exhibitions/{exhibition_id}") else _composer_url(exhibition_id)
    return _act(
        lambda: composing.add_entry(
            db.session, current_user, found, request.form.get("item_id"), request.form.get("panel_number")
        ),
        _("Item added to the section."),
        back,
    )


@bp.route(ENTRY, methods=["GET", "POST"])
@curators_only
def entry(exhibition_id: int, entry_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    found = composing.get_entry(db.session, exhibition, entry_id)
    if request.method == "POST":
        data = {"panel_number": request.form.get("panel_number", ""),
                "titles": texts_from_form(request.form, "title", ("text",)),
                "captions": texts_from_form(request.form, "caption", ("text",))}  # fmt: skip
        return _act(
            lambda: composing.update_entry(db.session, current_user, found, data),
            _("Entry saved."),
            _composer_url(exhibition_id, f"entry-{entry_id}"),
        )
    return render_template(
        "exhibitions/entry_form.html",
        exhibition=exhibition,
        entry=found,
        langs=forms.languages_to_edit(exhibition, (found.titles or {}) | (found.captions or {})),
        aliases=qr.printed_aliases(exhibition).get(found.id, []),
        form=ActionForm(),
        state_labels=STATE_LABELS,
    )


@bp.route(ENTRY + "/move", methods=["POST"])
@curators_only
def move_entry(exhibition_id: int, entry_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    found = composing.get_entry(db.session, exhibition, entry_id)
    delta = -1 if request.form.get("direction") == "up" else 1
    return _act(
        lambda: composing.move_entry(db.session, current_user, found, delta),
        _("Entry moved."),
        _composer_url(exhibition_id, f"entry-{entry_id}"),
    )


@bp.route(ENTRY + "/delete", methods=["POST"])
@curators_only
def delete_entry(exhibition_id: int, entry_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    found = composing.get_entry(db.session, exhibition, entry_id)
    return _act(
        lambda: composing.remove_entry(db.session, current_user, found),
        _("Entry removed."),
        _composer_url(exhibition_id),
    )


@bp.route(EXHIBITION + "/arrange", methods=["POST"])
@curators_only
def arrange(exhibition_id: int):
    # Sent by the drag-and-drop script: {"<section id>": [entry ids in order], …}, with the CSRF header.
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    layout = request.get_json(silent=True)
    if not isinstance(layout, dict):
        raise ValidationError(_("The new order is not valid."), field="order")
    composing.arrange(db.session, current_user, exhibition, layout)
    return {"version": exhibition.version, "message": _("New order saved.")}


@bp.route(EXHIBITION + "/renumber", methods=["POST"])
@curators_only
def renumber(exhibition_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    return _act(
        lambda: composing.renumber_panels(db.session, current_user, exhibition),
        _("The panels are numbered in their order; printed codes still lead to their panels."),
        _composer_url(exhibition_id),
    )


@bp.route(EXHIBITION + "/publish", methods=["GET", "POST"])
@curators_only
def publish(exhibition_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    if request.method == "POST":
        return _act(
            lambda: composing.publish(db.session, current_user, exhibition),
            _("Exhibition %(code)s is published.", code=exhibition.code),
            _composer_url(exhibition_id),
        )
    return render_template(
        "exhibitions/publish.html", exhibition=exhibition, form=ActionForm(), readiness=composing.readiness(exhibition)
    )


@bp.route(EXHIBITION + "/<any(unpublish, archive):action>", methods=["POST"])
@curators_only
def change_status(exhibition_id: int, action: str):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    if action == "unpublish":
        change, done = composing.unpublish, _("Exhibition %(code)s is back to draft.", code=exhibition.code)
    else:
        change, done = composing.archive, _("Exhibition %(code)s is archived: what it showed is frozen.",
                                             code=exhibition.code)  # fmt: skip
    return _act(lambda: change(db.session, current_user, exhibition), done, _composer_url(exhibition_id))


@bp.route(EXHIBITION + "/derive", methods=["GET", "POST"])
@curators_only
def derive(exhibition_id: int):
    framework = composing.get_exhibition(db.session, exhibition_id)
    form = _settings_form(DeriveForm)
    if form.validate_on_submit():
        try:
            with attempt():
                derived = composing.derive_exhibition(db.session, current_user, framework, form.to_data())
        except VitrineError as error:
            errors = getattr(error, "errors", [(error.field, error.message)])
            return _derive_page(form, framework, errors, error.status)
        flash(
            _("Exhibition %(code)s derived from %(framework)s.", code=derived.code, framework=framework.code), "success"
        )
        return redirect(_composer_url(derived.id))
    if request.method == "GET":
        form.primary_language.data = framework.primary_language
        form.languages.data = ", ".join(framework.languages or [])
    return _derive_page(form, framework, [], 200 if request.method == "GET" else 422)


@bp.route(EXHIBITION + "/differences")
@curators_only
def differences(exhibition_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    return render_template(
        "exhibitions/differences.html",
        exhibition=exhibition,
        form=ActionForm(),
        differences=composing.differences(db.session, exhibition),
    )


@bp.route(EXHIBITION + "/pull", methods=["POST"])
@curators_only
def pull(exhibition_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    key = request.form.get("key", "")
    return _act(
        lambda: composing.pull(db.session, current_user, exhibition, key),
        _("The framework's change is taken."),
        url_for(".differences", exhibition_id=exhibition_id),
    )


@bp.route(EXHIBITION + "/labels")
@curators_only
def labels(exhibition_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    fmt = _label_format()
    found = publications.labels_for(exhibition, entry_id=_entry_arg())
    page = render_template(
        "exhibitions/labels.html", exhibition=exhibition, labels=found, fmt=fmt, formats=publications.LABEL_FORMATS
    )
    # The page is made for printing from the browser: once shown, its codes may be on paper.
    record_printed(exhibition, [(label.entry_id, label.panel_number) for label in found], PrintedIn.LABELS)
    return page


@bp.route(EXHIBITION + "/labels.pdf")
@curators_only
def labels_pdf(exhibition_id: int):
    exhibition = composing.get_exhibition(db.session, exhibition_id)
    fmt = _label_format()
    entry_id = _entry_arg()
    found = publications.labels_for(exhibition, entry_id=entry_id)
    data = publications.render_labels_pdf(found, fmt, title=exhibition.code)
    record_printed(exhibition, [(label.entry_id, label.panel_number) for label in found], PrintedIn.LABELS)
    name = f"{exhibition.code}-labels-{fmt}" + (f"-{entry_id}" if entry_id else "") + ".pdf"
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)


def _label_format() -> str:
    fmt = request.args.get("format", "a4")
    if fmt not in publications.LABEL_FORMATS:
        raise ValidationError(_("Unknown label format: %(format)s.", format=fmt[:20]), field="format")
    return fmt


def _entry_arg() -> int | None:
    raw = request.args.get("entry")
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ValidationError(_("The entry must be a whole number."), field="entry")
    return int(raw)


def _settings_form(form_class, exhibition=None):
    form = form_class(obj=None if request.method == "POST" else forms.settings_object(exhibition))
    form.venue.choices = composing.venue_choices(db.session)
    return form


def _settings_page(form, exhibition, errors, status, texts=None):
    if texts is None:
        posted = request.method == "POST"
        texts = texts_from_form(request.form, "texts", ("title", "introduction")) if posted else (
            forms.exhibition_texts(exhibition))  # fmt: skip
    if exhibition is None and request.method == "GET":
        langs = []  # one set of fields, in the primary language whichever it will be
    elif exhibition is None:
        langs = list(dict.fromkeys([*forms.chosen_languages(form), *texts]))
    else:
        langs = forms.languages_to_edit(exhibition, texts)
    return render_template(
        "exhibitions/settings_form.html",
        form=form,
        exhibition=exhibition,
        texts=texts,
        langs=langs,
        errors=errors,
        field_errors=forms.errors_by_field(errors),
        state_labels=STATE_LABELS,
    ), status


def _derive_page(form, framework, errors, status):
    return render_template(
        "exhibitions/derive.html",
        form=form,
        framework=framework,
        errors=errors,
        field_errors=forms.errors_by_field(errors),
    ), status
