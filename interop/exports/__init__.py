"""Exports: Dublin Core of items and search results (JSON and XML, in the API), schema.org JSON-LD of the public
item and exhibition pages, and BagIt bags of items that another archive imports with nothing lost."""

from interop.exports.api import init_api
from interop.exports.bag_import import ImportReport, import_bag
from interop.exports.bag_reading import BagRefused, check_bag
from interop.exports.bags import ExportReport, Progress, export_bag, select_items
from interop.exports.cli import bag_cli
from interop.exports.dc import dc_json, dc_values, item_xml, page_xml
from interop.exports.jsonld import exhibition_data, item_data
from interop.exports.jsonld import init_app as init_structured_data
from interop.exports.models import ImportedItem
from interop.exports.source import Identity, repository_id


def init_app(app) -> None:
    """Describe the public pages in JSON-LD; the API endpoints and the CLI are registered by app.py."""
    init_structured_data(app)


__all__ = [
    "BagRefused",
    "ExportReport",
    "Identity",
    "ImportReport",
    "ImportedItem",
    "Progress",
    "bag_cli",
    "check_bag",
    "dc_json",
    "dc_values",
    "exhibition_data",
    "export_bag",
    "import_bag",
    "init_api",
    "init_app",
    "item_data",
    "item_xml",
    "page_xml",
    "repository_id",
    "select_items",
]
