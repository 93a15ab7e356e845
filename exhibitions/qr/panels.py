"""Panel numbers and the codes a visitor can type beside a QR code (`CB25-017`)."""

import re

PANEL_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{0,19}$")


def normalise_panel(value) -> str | None:
    """A panel number as compared and stored: capitals, digits without leading zeros."""
    text = str(value or "").strip().upper()
    if not text:
        return None
    return str(int(text)) if text.isdigit() else text


def panel_code(exhibition_code: str, panel_number: str | None) -> str | None:
    """The exhibition's prefix and the panel, three digits at least (`CB25-017`)."""
    panel = normalise_panel(panel_number)
    if panel is None:
        return None
    return f"{exhibition_code}-{panel.zfill(3) if panel.isdigit() else panel}"
