"""IIIF: the Image API 3 at level 1 over the archive's published pages (deep zoom, tiles cut by archive.tiles)
and Presentation 3 manifests of published items and exhibitions, with a collection of the exhibitions.

    /iiif/image/<media id>-<page>/info.json                        the image information
    /iiif/image/<media id>-<page>/<region>/<size>/0/default.jpg    an image
    /iiif/items/<id>/manifest.json   /iiif/exhibitions/<id>/manifest.json   /iiif/exhibitions/collection.json

`flask iiif prepare` decodes the zoom levels of published pages ahead of visitors.
"""

from interop.iiif.cli import iiif_cli
from interop.iiif.views import bp

# The largest image made (maxWidth, also down, and maxArea): a scan is zoomed by tiles, not fetched whole.
# The cut regions and decoded levels kept under the derivatives folder, at most this many bytes.
SETTINGS = {"IIIF_MAX_WIDTH": 3000, "IIIF_MAX_AREA": 6_000_000, "IIIF_CACHE_BYTES": 2 * 1024**3,
            "IIIF_COLLECTION_MAX": 10_000}  # fmt: skip


def init_app(app) -> None:
    """The blueprint, `flask iiif`, and the settings the deployment has not set."""
    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    app.register_blueprint(bp)
    app.cli.add_command(iiif_cli)


__all__ = ["bp", "iiif_cli", "init_app"]
