"""Pages of the archive: the public catalogue and the archivists' workspace."""

from flask import Blueprint, render_template, request

from archive.queries import list_items, parse_page
from core.auth import staff_required
from core.db import db

bp = Blueprint("archive", __name__, template_folder="templates")


@bp.route("/items")
def public_items():
    page = list_items(db.session, request.args, parse_page(request.args.get("page")), public=True)
    return render_template("archive/public_list.html", page=page)


@bp.route("/staff/items")
@staff_required()
def staff_items():
    page = list_items(db.session, request.args, parse_page(request.args.get("page")))
    return render_template("archive/staff_list.html", page=page)
