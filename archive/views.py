"""Pages of the archive: the public catalogue and the archivists' workspace."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from archive import queries, services, workflow
from archive.forms import STATE_LABELS, TYPE_LABELS, ItemForm, TransitionForm, texts_from_form
from archive.languages import PROGRAMME_LANGUAGES, REFERENCE_LANGUAGE
from archive.models import ItemStatus, MediaFile
from archive.vocabulary import body_choices, place_choices, schemes_with_terms, term_choices
from core.audit import history
from core.auth import Role, staff_required
from core.auth_views import safe_next
from core.db import db
from core.errors import Conflict, ValidationError, VitrineError
from core.i18n import _, current_language
from core.storage import get_storage

bp = Blueprint("archive", __name__, template_folder="templates")


@bp.app_template_global()
def item_display(item):
    """The texts of an item to show in the reader's language, with the fallback flag."""
    return queries.display_text(item, current_language())


bp.add_app_template_global(services.status_label, "status_label")
bp.add_app_template_global(workflow.event_label, "event_label")


@bp.route("/items")
def public_items():
    page = queries.list_items(db.session, _public_filters(), queries.parse_page(request.args.get("page")), public=True)
    return render_template("archive/public_list.html", page=page, schemes=schemes_with_terms(db.session),
                           type_labels=TYPE_LABELS)  # fmt: skip


@bp.route("/items/<int:item_id>")
def public_item(item_id: int):
    item = queries.get_public_item(db.session, item_id)
    shown = queries.display_text(item, current_language())
    return render_template("archive/public_item.html", item=item, shown=shown, type_labels=TYPE_LABELS)


@bp.route("/media/<int:media_id>")
def media_file(media_id: int):
    media = db.session.get(MediaFile, media_id)
    visible = media and (media.item.status == ItemStatus.PUBLISHED or current_user.is_authenticated)
    if not visible:
        abort(404)
    response = send_file(get_storage().path_for(media.sha256), mimetype=media.mime_type, max_age=86400,
                         etag=media.sha256, conditional=True)  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/staff/items")
@staff_required()
def staff_items():
    page = queries.list_items(db.session, request.args, queries.parse_page(request.args.get("page")))
    return render_template("archive/staff_list.html", page=page, schemes=schemes_with_terms(db.session),
                           type_labels=TYPE_LABELS, statuses=list(ItemStatus),
                           place_groups=place_choices(db.session))  # fmt: skip


@bp.route("/staff/items/new", methods=["GET", "POST"])
@staff_required()
def new_item():
    form = _item_form()
    if form.validate_on_submit():
        try:
            item = services.create_item(
                db.session, current_user, form.to_data() | {"texts": texts_from_form(request.form)}
            )
        except ValidationError as error:
            return _form_page(form, None, error.errors, 422)
        db.session.commit()
        flash(_("Item %(code)s created.", code=item.reference_code), "success")
        return redirect(url_for(".staff_item", item_id=item.id))
    return _form_page(form, None, [], 200 if request.method == "GET" else 422)


@bp.route("/staff/items/<int:item_id>/edit", methods=["GET", "POST"])
@staff_required()
def edit_item(item_id: int):
    item = queries.get_item(db.session, item_id)
    form = _item_form(item)
    if form.validate_on_submit():
        data = form.to_data() | {"texts": texts_from_form(request.form), "replace_texts": True}
        try:
            services.update_item(db.session, current_user, item, data, form.version.data)
        except (ValidationError, Conflict) as error:
            errors = error.errors if isinstance(error, ValidationError) else [(error.field, error.message)]
            return _form_page(form, queries.get_item(db.session, item_id), errors, error.status)
        db.session.commit()
        flash(_("Item %(code)s saved.", code=item.reference_code), "success")
        return redirect(url_for(".staff_item", item_id=item.id))
    return _form_page(form, item, [], 200 if request.method == "GET" else 422)


@bp.route("/staff/items/<int:item_id>")
@staff_required()
def staff_item(item_id: int):
    item = queries.get_item(db.session, item_id)
    return render_template("archive/staff_item.html", item=item, type_labels=TYPE_LABELS, state_labels=STATE_LABELS,
                           transitions=workflow.available_transitions(current_user, item),
                           events=history(db.session, "item", item.id), form=TransitionForm())  # fmt: skip


@bp.route("/staff/items/<int:item_id>/transition", methods=["POST"])
@staff_required()
def transition_item(item_id: int):
    item = queries.get_item(db.session, item_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    back = safe_next(request.form.get("next")) or url_for(".staff_item", item_id=item.id)
    try:
        workflow.apply_transition(db.session, current_user, item, form.action.data, form.comment.data,
                                  form.version.data)  # fmt: skip
    except VitrineError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()
    flash(_("Item %(code)s is now %(status)s.", code=item.reference_code, status=services.status_label(item.status)),
          "success")  # fmt: skip
    return redirect(back)


@bp.route("/staff/review")
@staff_required()
def review_queue():
    items = queries.review_queue(db.session)
    comments = {item.id: [e for e in history(db.session, "item", item.id) if e.comment][:3] for item in items}
    return render_template("archive/review_queue.html", items=items, comments=comments, form=TransitionForm(),
                           can_publish=current_user.can_publish)  # fmt: skip


@bp.route("/staff/figures")
@staff_required(Role.ADMIN, Role.CURATOR)
def figures():
    return render_template("archive/figures.html", figures=queries.language_figures(db.session))


def _public_filters() -> dict:
    return {k: v for k, v in request.args.items() if k in ("type", "place", "term", "has_lang", "q")}


def _item_form(item=None) -> ItemForm:
    form = ItemForm(obj=None if request.method == "POST" else _form_object(item))
    form.place.choices = place_choices(db.session)
    form.body.choices = body_choices(db.session)
    form.terms.choices = term_choices(db.session)
    return form


def _form_object(item):
    if item is None:
        return None
    data = services.snapshot(item)
    data["tags"] = ", ".join(data["tags"])
    data["version"] = item.version
    return type("ItemFormData", (), data)


def _form_page(form, item, errors, status):
    """Render the item form with the texts as submitted (or stored) and every error."""
    if request.method == "POST":
        texts = texts_from_form(request.form)
    else:
        texts = services.snapshot(item)["texts"] if item else {}
    added = request.args.get("add_lang")
    langs = list(dict.fromkeys([REFERENCE_LANGUAGE, *texts, *([added] if added else [])]))
    field_errors = {}
    for name, message in errors:
        field_errors.setdefault(name or "", []).append(message)
    return render_template("archive/item_form.html", form=form, item=item, texts=texts, langs=langs,
                           errors=errors, field_errors=field_errors, schemes=schemes_with_terms(db.session),
                           programme_languages=PROGRAMME_LANGUAGES, state_labels=STATE_LABELS), status  # fmt: skip
