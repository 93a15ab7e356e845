"""Site-wide pages that belong to no domain: the home page and health check."""

from flask import Blueprint, redirect, request, url_for
from sqlalchemy import text

from core.db import db

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    return redirect(url_for("archive.public_items", **request.args))


@bp.route("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
