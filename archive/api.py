"""JSON API v1 for items and vocabulary (flask-smorest), with its OpenAPI document."""

from flask_smorest import Api, Blueprint

api = Api()
api_blueprint = Blueprint("api_items", __name__, url_prefix="/api/v1", description="Items and vocabulary")


def init_api(app) -> None:
    """Register the API and serve the OpenAPI document at /api/v1/openapi.json."""
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api.init_app(app)
    api.register_blueprint(api_blueprint)
