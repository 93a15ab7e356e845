"""The curators' pages: compose, derive, check and publish exhibitions, print labels."""

import io

from flask import Blueprint, render_template, request, send_file

from core.auth import Role, staff_required
from core.db import db
from core.errors import ValidationError
from core.i18n import _
from exhibitions import curating, services
from exhibitions import labels as label_service
from exhibitions.labels_pdf import render_labels_pdf

bp = Blueprint("curate", __name__, url_prefix="/staff/exhibitions", template_folder="templates")
CURATORS = (Role.ADMIN, Role.CURATOR)


@bp.route("")
@staff_required(*CURATORS)
def index():
    return render_template("exhibitions/staff_list.html", exhibitions=curating.staff_list(db.session))


@bp.route("/<int(max=2147483647):exhibition_id>/labels")
@staff_required(*CURATORS)
def labels(exhibition_id: int):
    exhibition = services.get_exhibition(db.session, exhibition_id)
    fmt = _label_format()
    found = label_service.labels_for(exhibition, entry_id=_entry_arg())
    return render_template("exhibitions/labels.html", exhibition=exhibition, labels=found, fmt=fmt,
                           formats=label_service.FORMATS)  # fmt: skip


@bp.route("/<int(max=2147483647):exhibition_id>/labels.pdf")
@staff_required(*CURATORS)
def labels_pdf(exhibition_id: int):
    exhibition = services.get_exhibition(db.session, exhibition_id)
    fmt = _label_format()
    entry_id = _entry_arg()
    found = label_service.labels_for(exhibition, entry_id=entry_id)
    data = render_labels_pdf(found, fmt, title=exhibition.code)
    name = f"{exhibition.code}-labels-{fmt}" + (f"-{entry_id}" if entry_id else "") + ".pdf"
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)


def _label_format() -> str:
    fmt = request.args.get("format", "a4")
    if fmt not in label_service.FORMATS:
        raise ValidationError(_("Unknown label format: %(format)s.", format=fmt[:20]), field="format")
    return fmt


def _entry_arg() -> int | None:
    raw = request.args.get("entry")
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        raise ValidationError(_("The entry must be a whole number."), field="entry")
    return int(raw)
