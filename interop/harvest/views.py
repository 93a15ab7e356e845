"""The admins' page of harvesting (/staff/admin/harvest): the sources with their last run, counts and errors;
adding a source and asking for a harvest only write and queue (interop.harvest.runner runs it)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from archive.forms import TransitionForm
from core.db import db
from core.errors import ValidationError
from core.i18n import _
from core.permissions import Permission, permission_required
from core.uow import attempt
from interop.harvest import runner
from interop.harvest.errors import failure_message, problem_message, state_label
from interop.harvest.sources import add_source, get_source, queue_harvest, source_rows, validated_source

bp = Blueprint("harvest_admin", __name__, template_folder="templates", url_prefix="/staff/admin/harvest")
admins_only = permission_required(Permission.MANAGE_HARVEST)


@bp.before_app_request
def _start_runner() -> None:
    # The first request of a web process starts its runner (HARVEST_JOBS="background"), which also takes the
    # runs queued while no process ran one.
    runner.start_background()


@bp.route("", methods=["GET", "POST"])
@admins_only
def index():
    errors, values, status = [], {}, 200
    if request.method == "POST":
        if not TransitionForm().validate_on_submit():
            abort(400)
        values = {name: request.form.get(name, "") for name in ("name", "url", "set", "lang", "image_hosts")}
        try:
            with attempt():
                checked = validated_source(db.session, values["name"], values["url"], values["set"],
                                           values["lang"] or None, values["image_hosts"].split())  # fmt: skip
                repository = add_source(db.session, current_user, checked)
                queue_harvest(db.session, current_user, repository)
        except ValidationError as error:
            errors, status = error.errors, error.status
        else:
            flash(_("%(name)s is added; its first harvest is queued and runs in the background.",
                    name=repository.name), "success")  # fmt: skip
            return redirect(url_for(".index", _anchor=f"source-{repository.id}"))
    return _page(errors, values), status


@bp.route("/<id:repository_id>/run", methods=["POST"])
@admins_only
def run(repository_id: int):
    if not TransitionForm().validate_on_submit():
        abort(400)
    repository = get_source(db.session, repository_id)
    queue_harvest(db.session, current_user, repository)
    flash(_("A harvest of %(name)s is queued; it runs in the background. Reload this page to follow it.",
            name=repository.name), "success")  # fmt: skip
    return redirect(url_for(".index", _anchor=f"source-{repository.id}"))


def _page(errors, values):
    field_errors = {}
    for name, message in errors:
        field_errors.setdefault(name or "", []).append(message)
    return render_template("interop/harvest/index.html", rows=source_rows(db.session), errors=errors,
                           field_errors=field_errors, values=values, failure_message=failure_message,
                           problem_message=problem_message, state_label=state_label, form=TransitionForm())  # fmt: skip
