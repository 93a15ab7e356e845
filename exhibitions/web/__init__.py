"""The exhibitions' web pages: the public's online exhibitions and book downloads (/exhibitions),
the curators' pages (/staff/exhibitions) and the short links printed on panels (/q). Three
audiences, three URL spaces, a blueprint each at the top of its module.
"""

from exhibitions.web.curate import bp as curate_blueprint
from exhibitions.web.public import bp as public_blueprint
from exhibitions.web.short_links import bp as short_links_blueprint

__all__ = ["curate_blueprint", "public_blueprint", "register_blueprints", "short_links_blueprint"]


def register_blueprints(app) -> None:
    """Add the three blueprints to the app."""
    for blueprint in (public_blueprint, curate_blueprint, short_links_blueprint):
        app.register_blueprint(blueprint)
