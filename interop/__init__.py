"""Interoperability: what archives, harvesters and viewers built by others read of Vitrine (IIIF, OAI-PMH),
above archive/ and exhibitions/ and imported by neither. Each protocol is a subpackage with its blueprint."""


def init_app(app) -> None:
    """Register each protocol's blueprint and settings."""
    from interop.iiif import init_app as init_iiif

    init_iiif(app)
