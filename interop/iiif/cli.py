"""`flask iiif prepare`: decode the zoom levels of published pages ahead of visitors (long work, never a request's).

A page's levels are otherwise decoded by the first request that needs them (once each, archive.tiles); for a
very large scan that first request waits seconds, which this spares it.
"""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from archive import tiles
from archive.models import Item, ItemStatus, MediaFile
from core.errors import NotFound
from core.uow import unit


@click.group("iiif")
def iiif_cli():
    """The IIIF image service."""


@iiif_cli.command("prepare")
@click.option("--item", "item_ids", type=int, multiple=True, help="Only this item's files (repeatable).")
@click.option("--min-megapixels", default=0.0, show_default=True, help="Only pages at least this large.")
@with_appcontext
def prepare(item_ids, min_megapixels):
    """Decode every zoom level of the pages of published items, largest first, within the cache's bound."""
    with unit("pages to prepare", write=False) as session:
        query = select(MediaFile).join(Item).where(Item.status == ItemStatus.PUBLISHED)
        if item_ids:
            query = query.where(Item.id.in_(item_ids))
        pages = []
        for media in session.scalars(query.order_by(MediaFile.id)):
            for number in range(1, max(media.pages or 1, 1) + 1):
                try:
                    pages.append(tiles.zoom_page(media, number))
                except NotFound:
                    continue  # a PDF page not rendered yet: its previews are still to be made
    pages = sorted((p for p in pages if p.width * p.height >= min_megapixels * 1e6), key=lambda p: -p.width * p.height)
    bound, written = int(current_app.config["IIIF_CACHE_BYTES"]), 0
    with click.progressbar(pages, label="zoom levels", show_pos=True) as bar:
        for page in bar:
            written += tiles.prepare(page, bound)
    click.echo(f"{len(pages)} pages prepared, {written / 1e6:.1f} MB of levels written (cache bound "
               f"{bound / 1e9:.1f} GB: IIIF_CACHE_BYTES)")  # fmt: skip
