"""Short links printed on panels and in books: /q/<code>, their QR images, and the code box."""

from datetime import date

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from core import language_policy
from core.db import db
from core.errors import NotFound
from core.i18n import _
from core.page_cache import content_generation, remembered
from core.uow import unit
from core.urls import QR_PREFIX, qr_url
from exhibitions import qr
from exhibitions.models import QrLink, QrTarget

bp = Blueprint("qr", __name__, template_folder="../templates")

STATE_STATUS = {"draft": 404, "archived": 410, "removed": 410, "withdrawn": 410, "taken_down": 410}
# Codes leading to what the public may not see — an exhibition being prepared or taken down, a panel whose item is
# not published: their images are drawn for the staff alone.


def target_url(link: QrLink | qr.Destination, printed: str | None) -> str:
    """The page the link leads to now, carrying the language it was printed for as the link's language
    (core.language_policy: it holds for the visit, never as the visitor's choice); none for a typed code."""
    values = {"exhibition_id": link.exhibition_id}
    if printed:
        values[language_policy.LINK_ARG] = printed
    if link.target == QrTarget.SECTION:
        return url_for("exhibitions.public_section", section_id=link.target_id, **values)
    if link.target == QrTarget.ENTRY:
        return url_for("exhibitions.public_entry", entry_id=link.target_id, **values)
    if link.target == QrTarget.EBOOK:
        return url_for("exhibitions.book", **values)
    return url_for("exhibitions.public_exhibition", **values)


def _find(code: str) -> QrLink:
    link = qr.find_link(db.session, code)
    if link is None:
        raise NotFound(_("No panel or page has the code %(code)s. Check the code printed beside the QR.",
                         code=code[:40]))  # fmt: skip
    return link


def _drawable(code: str) -> tuple[QrLink, bool]:
    """The link whose QR image is asked for, and whether the image is public. Codes leading to nothing public
    are drawn for the staff only (they print labels before an opening): for the public they answer as
    an unknown code does, so that a guessed code says nothing of what is being prepared."""
    link = _find(code)
    public = qr.leads_to_public(db.session, link)
    if not public and not current_user.is_authenticated:
        raise NotFound(_("No panel or page has the code %(code)s. Check the code printed beside the QR.",
                         code=code[:40]))  # fmt: skip
    return link, public


@bp.route(QR_PREFIX, methods=["GET"])
def enter_code():
    code = (request.args.get("code") or "").strip()
    if not code:
        return render_template("exhibitions/qr_enter.html", code="", error=None)
    link = qr.find_link(db.session, code)
    if link is None:
        error = _("No panel or page has the code %(code)s. Check the code printed beside the QR.", code=code[:40])
        return render_template("exhibitions/qr_enter.html", code=code[:40], error=error), 404
    # A typed panel code is the same on every label: it carries no language, the visitor's own holds.
    return _arrive(link, printed=False)


@bp.route(f"{QR_PREFIX}/<code>")
def follow(code: str):
    typed, today = code.strip().lower(), date.today()
    # The busiest address of a venue. The request reads the content generation and where the code leads (kept by
    # this process for that generation: core.page_cache.remembered); a scan that may count is written in a short
    # unit of its own, one this process already wrote today is not written again.
    found = remembered("qr", typed, content_generation(db.session), lambda: qr.destination(db.session, code))
    if found is None or found.state != "ok":  # no such code, or a page that says why it is not there
        link = _find(code)
        return _arrive(link, printed=link.code == typed)
    visitor = qr.scan_visitor(current_app.config["SECRET_KEY"], found.link_id, request.remote_addr,
                              request.headers.get("User-Agent"), today)  # fmt: skip
    if not qr.counted_today(db.engine, today, visitor):
        with unit("scan count") as session:
            qr.count_scan(session.connection(), found.link_id, today, visitor)
        qr.note_counted(db.engine, today, visitor)
    # A QR symbol holds the link's own code; a panel code typed into the address (/q/CB25-017) is a typed one.
    return redirect(target_url(found, found.lang if found.code == typed else None))


def _arrive(link: QrLink, printed: bool):
    """Count the scan and send the visitor to the link's page, or say why it is not there."""
    resolution = qr.resolve(db.session, link)
    # Counted in a unit of its own, kept whatever the page answers: the request's unit only
    # reads (a GET), and a deferred read cannot become a write under load on SQLite.
    today = date.today()
    visitor = qr.scan_visitor(current_app.config["SECRET_KEY"], link.id, request.remote_addr,
                              request.headers.get("User-Agent"), today)  # fmt: skip
    with unit("scan count") as session:
        qr.count_scan(session.connection(), link.id, today, visitor)
    lang = resolution.lang if printed else None
    if resolution.state != "ok":
        if lang:
            language_policy.note_link_language(lang)
        language_policy.for_page(link.exhibition.all_languages)
        page = render_template("exhibitions/qr_unavailable.html", link=link, state=resolution.state,
                               link_lang=lang)  # fmt: skip
        return page, STATE_STATUS[resolution.state]
    return redirect(target_url(link, lang))


@bp.route(f"{QR_PREFIX}/<code>.png")
def image_png(code: str):
    link, public = _drawable(code)
    size = request.args.get("box", "10")
    box = int(size) if size.isascii() and size.isdigit() and 2 <= int(size) <= 40 else 10
    return _image(qr.qr_png(qr_url(link.code), box), "image/png", link.code, public)


@bp.route(f"{QR_PREFIX}/<code>.svg")
def image_svg(code: str):
    link, public = _drawable(code)
    return _image(qr.qr_svg(qr_url(link.code)), "image/svg+xml", link.code, public)


def _image(data: bytes, mimetype: str, code: str, public: bool) -> Response:
    response = Response(data, mimetype=mimetype)
    # A staff member's image of a draft's code must not wait in a shared cache for the public.
    response.headers["Cache-Control"] = "public, max-age=86400" if public else "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    extension = "png" if mimetype == "image/png" else "svg"
    response.headers["Content-Disposition"] = f'inline; filename="qr-{code}.{extension}"'
    return response
