"""Blueprint `iiif` (/iiif): the Image API 3 service and the Presentation 3 manifests and collection.

Every answer, errors included, carries `Access-Control-Allow-Origin: *` (viewers on other sites read them);
errors are a sentence in plain text with the status the Image API gives them.
"""

import json

from flask import Blueprint, Response, current_app, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from core.db import db
from core.errors import VitrineError
from core.uow import rollback_request
from interop.iiif import images, manifests
from interop.iiif.image_api import CONTEXT as IMAGE_CONTEXT
from interop.iiif.image_api import PROFILE_DOCUMENT, IiifError
from interop.iiif.manifests import CONTEXT as PRESENTATION_CONTEXT

bp = Blueprint("iiif", __name__, url_prefix="/iiif")
DAY = 86400
# Manifests follow their item's texts and files: kept briefly, then confirmed by their ETag.
MANIFEST_MAX_AGE = 600


@bp.after_request
def _cross_origin(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        if asked := request.headers.get("Access-Control-Request-Headers"):
            response.headers["Access-Control-Allow-Headers"] = asked
        response.headers["Access-Control-Max-Age"] = str(DAY)
    return response


@bp.errorhandler(IiifError)
def _refused(error: IiifError):
    return _problem(error.status, error.message)


@bp.errorhandler(VitrineError)
def _not_there(error: VitrineError):
    return _problem(error.status, error.message)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return _problem(error.code or 500, error.description or error.name)


def _problem(status: int, message: str) -> Response:
    rollback_request()
    return Response(message + "\n", status=status, mimetype="text/plain")


def _json(document: dict, context: str, max_age: int) -> Response:
    """A JSON-LD document, as JSON-LD when the client asks for it or says nothing, else as JSON; with an ETag."""
    asked = request.accept_mimetypes
    if not asked or asked.best_match(["application/ld+json", "application/json"]) == "application/ld+json":
        mimetype = f'application/ld+json;profile="{context}"'
    else:
        mimetype = "application/json"
    response = Response(json.dumps(document, ensure_ascii=False, indent=1), content_type=mimetype)
    response.headers["Vary"] = "Accept"
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/image/<identifier>")
def image_base(identifier: str):
    return redirect(url_for(".image_info", identifier=identifier), 303)


@bp.route("/image/<identifier>/info.json")
def image_info(identifier: str):
    response = _json(images.information(db.session, identifier), IMAGE_CONTEXT, _image_max_age())
    response.headers["Link"] = f'<{PROFILE_DOCUMENT}>;rel="profile"'
    return response


@bp.route("/image/<identifier>/<region>/<size>/<rotation>/<quality_format>")
def image(identifier: str, region: str, size: str, rotation: str, quality_format: str):
    planned = images.plan_image(db.session, identifier, region, size, rotation, quality_format)
    cached = request.if_none_match.contains(planned.etag)
    response = Response(b"" if cached else images.cut_image(planned), mimetype=planned.request.mimetype,
                        status=304 if cached else 200)  # fmt: skip
    response.set_etag(planned.etag)
    response.cache_control.public = True
    response.cache_control.max_age = _image_max_age()
    canonical = f"{images.service_id(planned.page.media_id, planned.page.page)}/{planned.request.canonical}"
    response.headers["Link"] = f'<{PROFILE_DOCUMENT}>;rel="profile", <{canonical}>;rel="canonical"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _image_max_age() -> int:
    # Pixels of a published item, as its previews: a withdrawal must reach shared caches within minutes.
    return current_app.config["MEDIA_MAX_AGE"]


@bp.route("/items/<id:item_id>/manifest.json")
def item_manifest(item_id: int):
    return _json(manifests.item_manifest(db.session, item_id), PRESENTATION_CONTEXT, MANIFEST_MAX_AGE)


@bp.route("/exhibitions/<id:exhibition_id>/manifest.json")
def exhibition_manifest(exhibition_id: int):
    return _json(manifests.exhibition_manifest(db.session, exhibition_id), PRESENTATION_CONTEXT, MANIFEST_MAX_AGE)


@bp.route("/exhibitions/collection.json")
def exhibitions_collection():
    return _json(manifests.exhibitions_collection(db.session), PRESENTATION_CONTEXT, MANIFEST_MAX_AGE)
