"""Panel numbers and the codes a visitor can type beside a QR code (`CB25-017`), read as people type them."""

import re
import unicodedata
from dataclasses import dataclass

PANEL_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{0,19}$")
# What people put between the parts of a code, or type by accident: spaces, hyphens and the dashes a phone's
# keyboard puts in their place, underscores.
SEPARATORS = re.compile(r"[\s\-_‐‑‒–—―−]+")
LEADING_ZEROS = re.compile(r"^0+(?=[0-9])")
# An exhibition code (2–10) and a panel number (1–20), separators left out.
TYPED_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9.]{2,29}$")


def normalise_panel(value) -> str | None:
    """A panel number as compared and stored: capitals, digits without leading zeros."""
    text = str(value or "").strip().upper()
    if not text:
        return None
    # Leading zeros taken off as text: int() would take superscript digits (`²`, which it cannot read) and refuse
    # past 4,300 digits; what is not a panel number is refused by the caller's PANEL_PATTERN.
    return LEADING_ZEROS.sub("", text) if text.isascii() and text.isdigit() else text


def panel_key(value) -> str | None:
    """A panel number as typed codes are matched: capitals, no separators, no leading zeros (`017`, `17`
    → `17`; `12-a` → `12A`). Two panels of one exhibition never share a key."""
    # Composed once more with the separators out: a mark typed after a hyphen (`K-̧`) meets its letter.
    text = unicodedata.normalize("NFKC", SEPARATORS.sub("", _capitals(value)))
    return LEADING_ZEROS.sub("", text) or None


def _capitals(value) -> str:
    # Composed again after upper(), which decomposes some letters (`ǰ` → `J̌`): a key of a key is the same key.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", str(value or "")).upper())


def panel_code(exhibition_code: str, panel_number: str | None) -> str | None:
    """The exhibition's prefix and the panel, three digits at least (`CB25-017`)."""
    panel = normalise_panel(panel_number)
    if panel is None:
        return None
    return f"{exhibition_code}-{panel.zfill(3) if panel.isascii() and panel.isdigit() else panel}"


@dataclass(frozen=True)
class TypedCode:
    """A typed panel code with its separators left out (`cb25 17` → `CB2517`), and where they were."""

    compact: str
    cuts: frozenset[int]  # positions in `compact` where the visitor put a separator

    def prefixes(self) -> list[str]:
        """Every start of the code an exhibition code could be (2 to 10 characters), panel left over."""
        return [self.compact[:n] for n in range(2, min(10, len(self.compact) - 1) + 1)]

    def panel_after(self, exhibition_code: str) -> str | None:
        """The panel's key once `exhibition_code` is taken off the front."""
        return panel_key(self.compact[len(exhibition_code) :])


def typed_code(raw) -> TypedCode | None:
    """A code as typed, read in any case, with spaces, hyphens or none; None if it cannot be a panel code."""
    text = _capitals(raw).strip()
    compact, cuts = "", set()
    for part in SEPARATORS.split(text):
        if compact and part:
            cuts.add(len(compact))
        compact += part
    if not TYPED_PATTERN.match(compact):
        return None
    return TypedCode(compact, frozenset(cuts))
