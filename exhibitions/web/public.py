"""Public pages of online exhibitions: the list, each landing page, section and entry.

The curators' pages are in curate_views and the short QR links in qr_views: three audiences,
three URL spaces (/exhibitions, /staff/exhibitions, /q), each blueprint at the top of its file.
"""

from datetime import date

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user

from archive.media import derivative_path
from core import language_policy, security_headers
from core.db import db
from core.page_cache import public_page
from core.protected_files import send_checked
from core.sharing import share_links
from core.uow import unit
from core.urls import public_url
from exhibitions import publications, reading
from exhibitions.models import ExhibitionMode, ExhibitionStatus, PrintedIn, PublicationKind
from exhibitions.web.forms import MODE_LABELS
from exhibitions.web.printing import record_printed

bp = Blueprint("exhibitions", __name__, template_folder="../templates")
# Partners may frame these pages from the origins an operator names (VITRINE_EMBED_ORIGINS).
security_headers.mark(bp, security_headers.EMBEDDABLE)


@bp.app_template_global()
def mode_label(mode) -> str:
    """How the exhibition is shown (in person, online, both), in the reader's language."""
    return str(MODE_LABELS[ExhibitionMode(mode)])


@bp.app_template_filter("isodate")
def isodate(value: date | str | None) -> str:
    """A date of a view (or an ISO one, `2026-09-01`) in the reader's locale."""
    if not value:
        return ""
    return format_date(value if isinstance(value, date) else date.fromisoformat(value))


def _reader_view(exhibition_id: int) -> reading.ExhibitionView:
    """The exhibition's view in the language it is read in."""
    exhibition = reading.get_visible(db.session, exhibition_id, staff=current_user.is_authenticated)
    choice = language_policy.for_page(exhibition.all_languages, reading.fallbacks(exhibition))
    return reading.view_for(exhibition, reading.reader_language(exhibition, choice.lang))


def _page_context(view: reading.ExhibitionView, endpoint: str, title: str, **values) -> dict:
    url = public_url(endpoint, exhibition_id=view.id, lang=view.lang, **values)
    # Shared, the page keeps its language as a link's: the friend reads it so unless they chose another.
    shared = public_url(endpoint, exhibition_id=view.id, **{language_policy.LINK_ARG: view.lang}, **values)
    image = view.cover_image()
    image_url = public_url("exhibitions.image", exhibition_id=view.id, sha256=image.sha256,
                           kind="web") if image else None  # fmt: skip
    # The page's own <img> names the site itself, as every image it shows does (its content policy's 'self');
    # the absolute address is for those who share it.
    cover_url = url_for("exhibitions.image", exhibition_id=view.id, sha256=image.sha256, kind="web") if image else None
    return {"view": view, "lang": view.lang, "page_url": url, "og_image": image_url, "cover_url": cover_url,
            "shares": share_links(shared, title), "today": date.today()}  # fmt: skip


@bp.route("/exhibitions")
@public_page
def public_list():
    listing = reading.list_public(db.session, date.today(), request.args.get("venue") or None,
                                  language_policy.visitor_language())  # fmt: skip
    return render_template("exhibitions/public_list.html", listing=listing, venue=request.args.get("venue"),
                           today=date.today())  # fmt: skip


@bp.route("/exhibitions/<id:exhibition_id>")
@public_page
def public_exhibition(exhibition_id: int):
    view = _reader_view(exhibition_id)
    context = _page_context(view, "exhibitions.public_exhibition", view.title.text or "")
    return render_template("exhibitions/public_exhibition.html", **context)


@bp.route("/exhibitions/<id:exhibition_id>/sections/<id:section_id>")
@public_page
def public_section(exhibition_id: int, section_id: int):
    view = _reader_view(exhibition_id)
    section = view.find_section(section_id)
    if section is None:
        abort(404)
    context = _page_context(view, "exhibitions.public_section", section.title.text or "", section_id=section_id)
    number = view.sections.index(section) + 1
    return render_template("exhibitions/public_section.html", section=section, number=number, **context)


@bp.route("/exhibitions/<id:exhibition_id>/entries/<id:entry_id>")
@public_page
def public_entry(exhibition_id: int, entry_id: int):
    view = _reader_view(exhibition_id)
    found = view.find_entry(entry_id)
    if found is None:
        abort(404)
    entry, section, before, after = found
    context = _page_context(view, "exhibitions.public_entry", entry.title.text or "", entry_id=entry_id)
    if entry.image:
        context["og_image"] = public_url("exhibitions.image", exhibition_id=view.id, sha256=entry.image.sha256,
                                         kind="web")  # fmt: skip
    page = render_template("exhibitions/public_entry.html", entry=entry, section=section, before=before,
                           after=after, **context)  # fmt: skip
    # A panel whose item was taken down: its page says so, as Gone (410), keeping the way through the exhibition.
    return page, 410 if entry.withdrawn else 200


@bp.route("/exhibitions/<id:exhibition_id>/book")
@public_page
def book(exhibition_id: int):
    view = _reader_view(exhibition_id)
    context = _page_context(view, "exhibitions.book", view.title.text or "")
    return render_template("exhibitions/book.html", book_code=view.book_qr.code if view.book_qr else None, **context)


def _publication(exhibition_id: int, lang: str, build, printed_in: PrintedIn):
    """The file `build` makes of what the exhibition's publications in `lang` show (read once), and the content;
    the panel codes it carries count as printed from now on."""
    exhibition = reading.get_visible(db.session, exhibition_id, staff=current_user.is_authenticated)
    if lang not in exhibition.all_languages:
        abort(404)
    content = publications.gather(exhibition, lang)
    path = build(content)
    record_printed(exhibition, [(e.id, e.panel_number) for e in content.view.entries], printed_in)
    return path, content


@bp.route("/exhibitions/<id:exhibition_id>/book-<lang>.epub")
def book_epub(exhibition_id: int, lang: str):
    path, content = _publication(exhibition_id, lang, publications.epub_file, PrintedIn.BOOK)
    response = _download(path, publications.EPUB_MIMETYPE, publications.download_name(content.view, "epub"), content)
    return _counted(response, content, PublicationKind.EPUB)


@bp.route("/exhibitions/<id:exhibition_id>/catalogue-<lang>.pdf")
def catalogue_pdf(exhibition_id: int, lang: str):
    path, content = _publication(exhibition_id, lang, publications.catalogue_file, PrintedIn.CATALOGUE)
    response = _download(path, "application/pdf", publications.download_name(content.view, "pdf"), content)
    return _counted(response, content, PublicationKind.CATALOGUE)


@bp.route("/exhibitions/<id:exhibition_id>/offline-<lang>.zip")
def offline_package(exhibition_id: int, lang: str):
    path, content = _publication(exhibition_id, lang, publications.offline_file, PrintedIn.OFFLINE)
    response = _download(path, "application/zip", publications.download_name(content.view, "zip"), content)
    return _counted(response, content, PublicationKind.OFFLINE)


def _download(path, mimetype: str, name: str, content: publications.BookContent):
    # The file on disk is named by content version, the address is not: kept briefly, then revalidated.
    public = content.view.status != "draft" and not content.view.withdrawn
    response = send_checked(path, mimetype, public=public, as_attachment=True, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _counted(response, content: publications.BookContent, kind: PublicationKind):
    # A whole download of a public publication counts; a 304, a range, a HEAD or a staff preview
    # of a draft does not. In a unit of its own, like a scan: the request's unit only reads.
    # Behind nginx (core.protected_files) the app answers 200 to a range nginx then cuts: not a whole download.
    whole = response.status_code == 200 and request.method == "GET" and request.range is None
    if whole and content.view.status != "draft" and not content.view.withdrawn:
        with unit("download count") as session:
            publications.count_download(session.connection(), content.view.id, content.view.lang, kind, date.today())
    return response


@bp.route("/exhibitions/<id:exhibition_id>/images/<sha256>-<any(thumb, web):kind>.jpg")
def image(exhibition_id: int, sha256: str, kind: str):
    # Served by the exhibition, not the item: an archived exhibition keeps showing what it showed even if the item
    # is edited later — but not once the item is withdrawn (the view then holds a placeholder instead).
    exhibition = reading.get_visible(db.session, exhibition_id, staff=current_user.is_authenticated)
    view = reading.view_for(exhibition, exhibition.primary_language)
    if sha256 not in view.image_files():
        taken_down = sha256 in reading.view_for(exhibition, exhibition.primary_language, public=False).image_files()
        abort(410 if taken_down else 404)
    path = derivative_path(sha256, kind, 1)
    if not path.is_file():
        abort(404)
    public = exhibition.status != ExhibitionStatus.DRAFT and not exhibition.taken_down
    response = send_checked(path, "image/jpeg", public=public)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
