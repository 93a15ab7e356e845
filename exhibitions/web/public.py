"""Public pages of online exhibitions: the list, each landing page, section and entry.

The curators' pages are in curate_views and the short QR links in qr_views: three audiences,
three URL spaces (/exhibitions, /staff/exhibitions, /q), each blueprint at the top of its file.
"""

from datetime import date

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import format_date
from flask_login import current_user

from archive.media import derivative_path
from core.db import db
from core.i18n import current_language
from core.urls import public_url
from exhibitions import publications, qr, reading
from exhibitions.models import ExhibitionMode
from exhibitions.web.forms import MODE_LABELS
from exhibitions.web.sharing import share_links

bp = Blueprint("exhibitions", __name__, template_folder="../templates")


@bp.app_template_global()
def mode_label(mode) -> str:
    """How the exhibition is shown (in person, online, both), in the reader's language."""
    return str(MODE_LABELS[ExhibitionMode(mode)])


@bp.app_template_filter("isodate")
def isodate(value: str | None) -> str:
    """An ISO date from a view (`2026-09-01`) in the reader's locale."""
    return format_date(date.fromisoformat(value)) if value else ""


def _reader_view(exhibition_id: int) -> tuple:
    """The exhibition, the language it is read in, and its view in that language."""
    exhibition = reading.get_visible(db.session, exhibition_id, staff=current_user.is_authenticated)
    lang = reading.reader_language(exhibition, request.args.get("lang") or current_language())
    return exhibition, lang, reading.view_for(exhibition, lang)


def _page_context(exhibition, lang: str, view: dict, endpoint: str, title: str, **values) -> dict:
    url = public_url(endpoint, exhibition_id=exhibition.id, lang=lang, **values)
    image = reading.cover_image(view)
    image_url = public_url("exhibitions.image", exhibition_id=exhibition.id, sha256=image["sha256"],
                           kind="web") if image else None  # fmt: skip
    return {"exhibition": exhibition, "view": view, "lang": lang, "page_url": url, "og_image": image_url,
            "shares": share_links(url, title), "today": date.today()}  # fmt: skip


@bp.route("/exhibitions")
def public_list():
    listing = reading.list_public(db.session, date.today(), request.args.get("venue") or None, current_language())
    return render_template("exhibitions/public_list.html", listing=listing, venue=request.args.get("venue"),
                           today=date.today())  # fmt: skip


@bp.route("/exhibitions/<id:exhibition_id>")
def public_exhibition(exhibition_id: int):
    exhibition, lang, view = _reader_view(exhibition_id)
    context = _page_context(exhibition, lang, view, "exhibitions.public_exhibition", view["title"]["text"] or "")
    return render_template("exhibitions/public_exhibition.html", **context)


@bp.route("/exhibitions/<id:exhibition_id>/sections/<id:section_id>")
def public_section(exhibition_id: int, section_id: int):
    exhibition, lang, view = _reader_view(exhibition_id)
    section = reading.find_section(view, section_id)
    if section is None:
        abort(404)
    context = _page_context(exhibition, lang, view, "exhibitions.public_section", section["title"]["text"] or "",
                            section_id=section_id)  # fmt: skip
    number = view["sections"].index(section) + 1
    return render_template("exhibitions/public_section.html", section=section, number=number, **context)


@bp.route("/exhibitions/<id:exhibition_id>/entries/<id:entry_id>")
def public_entry(exhibition_id: int, entry_id: int):
    exhibition, lang, view = _reader_view(exhibition_id)
    found = reading.find_entry(view, entry_id)
    if found is None:
        abort(404)
    entry, section, before, after = found
    context = _page_context(exhibition, lang, view, "exhibitions.public_entry", entry["title"]["text"] or "",
                            entry_id=entry_id)  # fmt: skip
    if entry["image"]:
        context["og_image"] = public_url("exhibitions.image", exhibition_id=exhibition.id,
                                         sha256=entry["image"]["sha256"], kind="web")  # fmt: skip
    return render_template("exhibitions/public_entry.html", entry=entry, section=section, before=before,
                           after=after, **context)  # fmt: skip


@bp.route("/exhibitions/<id:exhibition_id>/book")
def book(exhibition_id: int):
    exhibition, lang, view = _reader_view(exhibition_id)
    context = _page_context(exhibition, lang, view, "exhibitions.book", view["title"]["text"] or "")
    codes = qr.printed_codes(db.session, exhibition, lang)
    return render_template("exhibitions/book.html", book_code=codes.get(("ebook", None)), **context)


def _publication(exhibition_id: int, lang: str):
    exhibition = reading.get_visible(db.session, exhibition_id, staff=current_user.is_authenticated)
    if lang not in exhibition.all_languages:
        abort(404)
    return exhibition, reading.view_for(exhibition, lang)


@bp.route("/exhibitions/<id:exhibition_id>/book-<lang>.epub")
def book_epub(exhibition_id: int, lang: str):
    exhibition, view = _publication(exhibition_id, lang)
    path = publications.cached_epub(exhibition, lang)
    return _download(path, publications.EPUB_MIMETYPE, publications.download_name(view, "epub"))


@bp.route("/exhibitions/<id:exhibition_id>/catalogue-<lang>.pdf")
def catalogue_pdf(exhibition_id: int, lang: str):
    exhibition, view = _publication(exhibition_id, lang)
    path = publications.cached_catalogue(exhibition, lang)
    return _download(path, "application/pdf", publications.download_name(view, "pdf"))


@bp.route("/exhibitions/<id:exhibition_id>/offline-<lang>.zip")
def offline_package(exhibition_id: int, lang: str):
    exhibition, view = _publication(exhibition_id, lang)
    path = publications.cached_offline_package(exhibition, lang)
    return _download(path, "application/zip", publications.download_name(view, "zip"))


def _download(path, mimetype: str, name: str):
    # Built files are named by content version: a long cache is safe, the ETag is the version.
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=3600,
                         conditional=True)  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/exhibitions/<id:exhibition_id>/images/<sha256>-<any(thumb, web):kind>.jpg")
def image(exhibition_id: int, sha256: str, kind: str):
    # Served by the exhibition, not the item: an archived exhibition keeps showing what it
    # showed even if the item is withdrawn later.
    exhibition = reading.get_visible(db.session, exhibition_id, staff=current_user.is_authenticated)
    view = reading.view_for(exhibition, exhibition.primary_language)
    shown = {e["image"]["sha256"] for s in view["sections"] for e in s["entries"] if e["image"]}
    path = derivative_path(sha256, kind, 1) if sha256 in shown else None
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=86400, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
