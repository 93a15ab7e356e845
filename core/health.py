"""The health check a load balancer or monitor asks: the app answers and reaches its database."""

from flask import Blueprint
from sqlalchemy import text

from core.db import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
