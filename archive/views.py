"""Pages of the archive: the public catalogue and the archivists' workspace."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from archive import import_jobs, jobs, queries, rights, searching, services, workflow
from archive import media as media_service
from archive.forms import STATE_LABELS, TYPE_LABELS, ItemForm, TransitionForm, texts_from_form
from archive.history import item_history
from archive.media import ATTACHMENT_TYPES, Upload, derivative_path, display_name, thumbnail_size
from archive.models import ItemStatus, MediaFile
from archive.vocabulary import body_choices, place_choices, schemes_with_terms, term_choices
from core.audit import history
from core.auth_views import safe_next
from core.db import db
from core.errors import Conflict, Forbidden, ValidationError, VersionRequired, VitrineError, wants_json
from core.i18n import _, current_language
from core.language_policy import visitor_language
from core.languages import PROGRAMME_LANGUAGES, REFERENCE_LANGUAGE
from core.page_cache import public_page
from core.pagination import MAX_SEARCH_PAGE, parse_page
from core.permissions import Permission, can, permission_required, staff_required
from core.protected_files import send_checked
from core.storage import get_storage
from core.uow import attempt, read_afresh, reads_first

bp = Blueprint("archive", __name__, template_folder="templates")


@bp.app_template_global()
def item_display(item):
    """The texts of an item to show along the visitor's language chain, with the fallback flag."""
    return queries.display_text(item, visitor_language())


@bp.app_template_global()
def rights_label(uri: str) -> str:
    """The name of a rights statement in the interface's language."""
    return rights.label(uri, current_language())


@bp.before_app_request
def _start_media_jobs() -> None:
    # The first request of a web process starts its runner, which also finds the jobs that
    # a process stopped before running (MEDIA_JOBS="background" only).
    jobs.start_background()


bp.add_app_template_global(services.status_label, "status_label")
bp.add_app_template_global(workflow.event_label, "event_label")
bp.add_app_template_global(thumbnail_size, "thumbnail_size")


@bp.route("/items")
@public_page
def public_items():
    page = searching.search_items(db.session, request.args, current_language(), public=True,
                                  page=parse_page(request.args.get("page"), max_page=MAX_SEARCH_PAGE))  # fmt: skip
    return render_template("archive/search_results.html", page=page, facet_labels=searching.facet_labels(),
                           type_labels=TYPE_LABELS, staff=False)  # fmt: skip


@bp.app_template_global()
def facet_url(name: str, value: str) -> str:
    """This search with one facet value added, or removed if it was chosen; back to page 1."""
    return url_for(request.endpoint, **searching.toggled_args(request.args, name, value))


@bp.route("/media/<id:media_id>")
def media_file(media_id: int):
    media = _visible_media(media_id)
    # PDF can carry scripts and browsers do not show TIFF: both are downloads, never inline.
    response = send_checked(get_storage().path_for(media.sha256), media.mime_type, public=_is_public(media),
                            as_attachment=media.mime_type in ATTACHMENT_TYPES,
                            download_name=display_name(media.original_name))  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.route("/media/<id:media_id>/<any(thumb, book, web):kind>-<int:page>.jpg")
def media_derivative(media_id: int, kind: str, page: int):
    media = _visible_media(media_id)
    path = derivative_path(media.sha256, kind, page) if 1 <= page <= media.pages else None
    if path is None or not path.is_file():
        abort(404)
    response = send_checked(path, "image/jpeg", public=_is_public(media))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _is_public(media: MediaFile) -> bool:
    # A staff member may see a draft's files: never from a shared cache, and checked again at each use.
    return media.item.status == ItemStatus.PUBLISHED


def _visible_media(media_id: int) -> MediaFile:
    media = db.session.get(MediaFile, media_id)
    if media is None:
        abort(404)
    if not current_user.is_authenticated:
        # A withdrawn item's files were public: their addresses answer 410 Gone, as its page does.
        queries.check_public(media.item, media.item_id)
    return media


@bp.route("/staff/items/<id:item_id>/media", methods=["POST"])
@reads_first  # staging and probing the files must not hold the write lock
@staff_required
def upload_media(item_id: int):
    item = queries.get_item(db.session, item_id)
    uploads = [Upload(f.filename, f.stream) for f in request.files.getlist("files") if f.filename]
    try:
        services.check_can_edit(current_user, item)
        outcome = media_service.upload_files(get_storage(), current_user.id, item.id, uploads)
    except VitrineError as error:
        if wants_json():
            raise
        flash(error.message, "error")
        return redirect(url_for(".staff_item", item_id=item_id))
    read_afresh()  # the files and their jobs were committed by the upload's own unit
    media_files = media_service.files_by_id(db.session, outcome.media_ids)
    notices = outcome.notices + jobs.upload_problems(media_files)
    message = jobs.upload_message(media_files)
    if wants_json():
        return {"media": [m.id for m in media_files], "message": message, "notices": notices}, 201
    flash(message, "success")
    for notice in notices:
        flash(notice, "info")
    return redirect(url_for(".staff_item", item_id=item_id))


@bp.route("/staff/items/<id:item_id>/media/<id:media_id>/<any(delete, up, down):action>", methods=["POST"])
@staff_required
def change_media(item_id: int, media_id: int, action: str):
    item = queries.get_item(db.session, item_id)
    if not TransitionForm().validate_on_submit():
        abort(400)
    try:
        with attempt():
            if action == "delete":
                removed = media_service.detach_media(db.session, current_user, item, media_id)
                done = _("%(name)s is no longer attached; the original is kept in the archive's storage.",
                         name=display_name(removed.original_name))  # fmt: skip
            else:
                media_service.move_media(db.session, current_user, item, media_id, -1 if action == "up" else 1)
                done = _("Files reordered.")
    except VitrineError as error:
        flash(error.message, "error")
        return redirect(url_for(".staff_item", item_id=item_id, _anchor="media"))
    flash(done, "success")
    return redirect(url_for(".staff_item", item_id=item.id, _anchor="media"))


@bp.route("/staff/items")
@staff_required
def staff_items():
    if request.args.get("q", "").strip():
        page = searching.search_items(db.session, request.args, current_language(), public=False,
                                      page=parse_page(request.args.get("page"), max_page=MAX_SEARCH_PAGE))  # fmt: skip
        return render_template("archive/search_results.html", page=page, facet_labels=searching.facet_labels(),
                               type_labels=TYPE_LABELS, staff=True)  # fmt: skip
    page = queries.list_items(db.session, request.args, parse_page(request.args.get("page")),
                              cursor=request.args.get("cursor"))  # fmt: skip
    return render_template("archive/staff_list.html", page=page, schemes=schemes_with_terms(db.session),
                           type_labels=TYPE_LABELS, statuses=list(ItemStatus),
                           place_groups=place_choices(db.session), rights_groups=rights.choices(),
                           flagged=queries.count_flagged_rights(db.session))  # fmt: skip


@bp.route("/staff/items/new", methods=["GET", "POST"])
@staff_required
def new_item():
    form = _item_form()
    if form.validate_on_submit():
        try:
            with attempt():
                item = services.create_item(
                    db.session, current_user, form.to_data() | {"texts": texts_from_form(request.form)}
                )
        except ValidationError as error:
            return _form_page(form, None, error.errors, 422)
        flash(_("Item %(code)s created.", code=item.reference_code), "success")
        return redirect(url_for(".staff_item", item_id=item.id))
    return _form_page(form, None, [], 200 if request.method == "GET" else 422)


@bp.route("/staff/items/<id:item_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_item(item_id: int):
    item = queries.get_item(db.session, item_id)
    if request.method == "GET":
        services.check_can_edit(current_user, item)  # the page's links hide the way here; say why
    form = _item_form(item)
    if form.validate_on_submit():
        data = form.to_data() | {"texts": texts_from_form(request.form), "replace_texts": True}
        try:
            with attempt():
                services.update_item(db.session, current_user, item, data, form.version.data)
        except (ValidationError, Conflict, Forbidden, VersionRequired) as error:
            # Whatever the refusal (a rule, someone else's save, the item moved on meanwhile), the
            # form comes back as typed, with the reason.
            errors = error.errors if isinstance(error, ValidationError) else [(error.field, error.message)]
            return _form_page(form, queries.get_item(db.session, item_id), errors, error.status)
        flash(_("Item %(code)s saved.", code=item.reference_code), "success")
        return redirect(url_for(".staff_item", item_id=item.id))
    return _form_page(form, item, [], 200 if request.method == "GET" else 422)


@bp.route("/staff/items/<id:item_id>")
@staff_required
def staff_item(item_id: int):
    return _staff_item_page(queries.get_item(db.session, item_id))


def _staff_item_page(item, status: int = 200, refused: dict | None = None):
    """The staff page of an item with only the actions the user may take; `refused` is a move just
    refused ({action, comment, message}), shown again with what was typed."""
    return render_template("archive/staff_item.html", item=item, type_labels=TYPE_LABELS, state_labels=STATE_LABELS,
                           previews=jobs.preview_states(item.media), refused=refused,
                           edit_refusal=services.edit_refusal(current_user, item),
                           transitions=workflow.available_transitions(current_user, item),
                           takedown=workflow.takedown_of(db.session, item),
                           events=item_history(db.session, item), form=TransitionForm()), status  # fmt: skip


@bp.route("/staff/items/<id:item_id>/transition", methods=["POST"])
@staff_required
def transition_item(item_id: int):
    item = queries.get_item(db.session, item_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    back = safe_next(request.form.get("next")) or url_for(".staff_item", item_id=item.id)
    try:
        with attempt():
            workflow.apply_transition(db.session, current_user, item, form.action.data, form.comment.data,
                                      form.version.data)  # fmt: skip
    except VitrineError as error:
        refused = {"action": form.action.data, "comment": form.comment.data or "", "message": error.message}
        return _staff_item_page(queries.get_item(db.session, item_id), error.status, refused)
    flash(_("Item %(code)s is now %(status)s.", code=item.reference_code, status=services.status_label(item.status)),
          "success")  # fmt: skip
    return redirect(back)


@bp.route("/staff/import", methods=["GET", "POST"])
@reads_first  # the upload is copied to the job's folder before the one insert that queues it
@staff_required
def import_items():
    if request.method == "GET":
        dead = import_jobs.dead_letters(db.session) if can(current_user, Permission.MANAGE_JOBS) else []
        kept = {job.id for job in dead if import_jobs.can_retry(current_app, job)}
        return render_template("archive/import.html", form=TransitionForm(), dead=dead, kept=kept)
    csv_file, zip_file = request.files.get("csv"), request.files.get("files")
    if not (csv_file and csv_file.filename):
        flash(_("Choose a CSV file."), "error")
        return redirect(url_for(".import_items"))
    zip_upload = (zip_file.filename, zip_file.stream) if zip_file and zip_file.filename else None
    try:
        job_id = import_jobs.queue_import(current_user.id, (csv_file.filename, csv_file.stream), zip_upload,
                                          bool(request.form.get("dry_run")))  # fmt: skip
    except VitrineError as error:
        flash(error.message, "error")
        return redirect(url_for(".import_items"))
    return redirect(url_for(".import_job", job_id=job_id))


@bp.route("/staff/import/<id:job_id>")
@staff_required
def import_job(job_id):
    job = import_jobs.get_job(db.session, job_id, current_user)
    return render_template("archive/import_job.html", job=job, report=job.report,
                           counts=import_jobs.report_counts(job.report),
                           running=job.state in import_jobs.OPEN_STATES,
                           search=import_jobs.search_progress(job))  # fmt: skip


@bp.route("/staff/import/<id:job_id>/retry", methods=["POST"])
@permission_required(Permission.MANAGE_JOBS)
def retry_import(job_id):
    """Queue an import given up again, from its kept upload."""
    try:
        job = import_jobs.retry_dead_letter(db.session, job_id, current_user)
    except VitrineError as error:
        flash(error.message, "error")
        return redirect(url_for(".import_items"))
    flash(_("Import %(id)s is queued again.", id=job.id), "success")
    return redirect(url_for(".import_job", job_id=job.id))


@bp.route("/staff/import/<id:job_id>/discard", methods=["POST"])
@permission_required(Permission.MANAGE_JOBS)
def discard_import(job_id):
    """Take an import given up off the list and delete its kept upload."""
    try:
        job = import_jobs.discard_dead_letter(db.session, job_id, current_user)
    except VitrineError as error:
        flash(error.message, "error")
    else:
        flash(_("Import %(id)s was taken off the list; its files are deleted.", id=job.id), "success")
    return redirect(url_for(".import_items"))


@bp.route("/staff/import/<id:job_id>/status")
@staff_required
def import_job_status(job_id):
    """The job's progress for the page's script (the API wants a token, the page has a session)."""
    return import_jobs.job_data(import_jobs.get_job(db.session, job_id, current_user))


@bp.route("/staff/review")
@staff_required
def review_queue():
    items = queries.review_queue(db.session)
    comments = {item.id: [e for e in history(db.session, "item", item.id) if e.comment][:3] for item in items}
    return render_template("archive/review_queue.html", items=items, comments=comments, form=TransitionForm())


def _item_form(item=None) -> ItemForm:
    form = ItemForm(obj=None if request.method == "POST" else _form_object(item))
    form.place.choices = place_choices(db.session)
    form.body.choices = body_choices(db.session)
    form.terms.choices = term_choices(db.session)
    form.rights.choices = rights.choices()
    if request.method != "POST" and not form.rights.data:
        form.rights.data = rights.NOT_EVALUATED
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
