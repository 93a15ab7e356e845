"""Share links for messaging apps and social sites, made here so no third-party script loads; the
exhibitions' pages and the portal's item page share with them."""

from urllib.parse import quote

from core.i18n import _


def share_links(url: str, title: str) -> list[dict]:
    """Links to share `url`: Zalo and Viber (messaging), Facebook, and copy-link.

    Zalo has no share address that works without its SDK and an Official Account, so its
    button opens the phone's share sheet (Web Share API) where Zalo is listed, and copies the
    link elsewhere; Viber's documented `viber://forward` address opens a chat picker.
    """
    text = f"{title} {url}".strip()
    return [
        {"app": "zalo", "label": _("Share on Zalo"), "href": url, "native": True},
        {"app": "viber", "label": _("Share on Viber"), "href": f"viber://forward?text={quote(text)}", "native": True},
        {"app": "facebook", "label": _("Share on Facebook"),
         "href": f"https://www.facebook.com/sharer/sharer.php?u={quote(url, safe='')}", "native": False},
        {"app": "copy", "label": _("Copy link"), "href": url, "native": True},
    ]  # fmt: skip
