"""The exhibitions' endpoints of the JSON API v1 (/api/v1/exhibitions…), described in the one OpenAPI
document of core.api.
"""

from exhibitions.api.views import api_blueprint, init_exhibitions_api

__all__ = ["api_blueprint", "init_exhibitions_api"]
