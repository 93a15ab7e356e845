"""The visitor's page of an item, /items/<id>: it shows the exhibitions the item is in, so it is the portal's."""

from flask import Blueprint, render_template

from archive import queries
from core import language_policy, security_headers
from core.db import db
from core.page_cache import public_page
from portal.item_page import IMAGE_SIZES, ZOOM_SCRIPT, read_item_page

bp = Blueprint("items", __name__, template_folder="templates")


@bp.route("/items/<id:item_id>")
@public_page
def public_item(item_id: int):
    item = queries.get_public_item(db.session, item_id)
    language_policy.for_page(sorted(item.languages, key=language_policy.switcher_order))
    page = read_item_page(db.session, item, language_policy.visitor_chain())
    security_headers.allow_image_origins(page.image_origins)  # a harvested image zooms at its source
    return render_template("portal/item.html", page=page, item=item, image_sizes=IMAGE_SIZES, zoom_script=ZOOM_SCRIPT)
