"""Interoperability: what lets other systems read Vitrine (OAI-PMH, IIIF, Dublin Core, schema.org) and exchange
records with it (BagIt), and what it reads from them (harvest: OAI-PMH harvesting into a national database).

Above archive/ and exhibitions/ like portal/ and reports/: it may import both domains and core, never portal/
or reports/. Each protocol is a subpackage reached only through its `__init__` (`__all__`).
"""


def init_app(app) -> None:
    """Register the protocols that bring their own blueprint, command and settings in one step (IIIF)."""
    from interop.iiif import init_app as init_iiif

    init_iiif(app)
