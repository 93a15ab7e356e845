"""The portal's pages: the home page, and what the whole site answers (sitemap, robots.txt, favicon)."""

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from archive.forms import TYPE_LABELS
from core import language_policy
from core.db import db
from core.page_cache import public_page
from core.urls import QR_PREFIX
from portal.home import home_page
from portal.sitemap import sitemap_document

bp = Blueprint("portal", __name__, template_folder="templates")
ROBOTS_DISALLOW = ("/staff/", "/api/", "/login", f"{QR_PREFIX}/")


@bp.route("/")
@public_page
def home():
    if set(request.args) - {"lang"}:
        # `/?q=…` was the search page until the portal had a home: such links keep working.
        return redirect(url_for("archive.public_items", **request.args.to_dict(flat=False)))
    # Texts in the visitor's language (an exhibition's title along its chain), as the exhibitions list reads them.
    page = home_page(db.session, language_policy.visitor_language(), date.today())
    return render_template("portal/home.html", home=page, type_labels=TYPE_LABELS)


@bp.route("/sitemap.xml", defaults={"number": None})
@bp.route("/sitemap-<int:number>.xml", endpoint="sitemap_part")
@public_page
def sitemap(number: int | None):
    config = current_app.config
    document = sitemap_document(db.session, config["BASE_URL"], number, config["SITEMAP_MAX_URLS"],
                                config["SITEMAP_MAX_BYTES"])  # fmt: skip
    if document is None:
        abort(404)
    return Response(document, mimetype="application/xml")


@bp.route("/robots.txt")
def robots():
    # Staff pages, the API and the short links printed on panels (a crawler would count as scans) are no
    # place for a crawler; everything else is, and the sitemap says where.
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "",
             f"Sitemap: {current_app.config['BASE_URL']}{url_for('.sitemap')}", ""]  # fmt: skip
    return Response("\n".join(lines), mimetype="text/plain")


@bp.route("/favicon.ico")
def favicon():
    # Browsers and crawlers ask for /favicon.ico whatever the page names: the SVG answers there too.
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=7 * 86400)
