"""The one module that imports qrcode: QR symbols as PNG, SVG, or a module matrix for PDFs."""

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_Q

# Level Q restores 25 % of the symbol: a printed panel survives scuffs, glare and a bad angle
# in a dim room better than the default M (15 %). The quiet zone is the standard 4 modules.
ERROR_CORRECTION = ERROR_CORRECT_Q
QUIET_ZONE = 4


def _symbol(data: str) -> qrcode.QRCode:
    symbol = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE, box_size=10)
    symbol.add_data(data)
    symbol.make(fit=True)
    return symbol


def qr_png(data: str, box_size: int = 10) -> bytes:
    """A black-on-white PNG of the symbol, `box_size` pixels a module."""
    symbol = _symbol(data)
    symbol.box_size = box_size
    out = io.BytesIO()
    symbol.make_image().save(out)
    return out.getvalue()


def qr_svg(data: str) -> bytes:
    """A standalone SVG of the symbol (one path), scalable for print."""
    out = io.BytesIO()
    _symbol(data).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue()


def qr_matrix(data: str) -> list[list[bool]]:
    """Dark (True) and light modules row by row, quiet zone included, to draw as vectors."""
    return _symbol(data).get_matrix()
