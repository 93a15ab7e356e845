"""The portal's pages: the home page of the site."""

from flask import Blueprint, redirect, request, url_for

bp = Blueprint("portal", __name__)


@bp.route("/")
def home():
    # The catalogue is the way in until the portal has a home page of its own.
    return redirect(url_for("archive.public_items", **request.args))
