"""Panel numbers and typed panel codes over any text (hypothesis): normalise_panel, panel_key and typed_code
never raise; a code printed on a label is read back however a visitor types it (case, spaces, hyphens, the
dashes a phone puts in their place, leading zeros or none)."""

import pytest
from hypothesis import strategies as st

from exhibitions.qr import PANEL_PATTERN, normalise_panel, panel_code, panel_key, typed_code
from tests.properties import LONG_EXAMPLES, SHORT_EXAMPLES, check

ANY = st.text(max_size=300) | st.lists(st.sampled_from([*"0123456789-._ ²٣", "CB", "\u2013", "\u00a0", "ǅ", "ß"]),
                                       max_size=40).map("".join)  # fmt: skip
EXHIBITION_CODES = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), min_size=2, max_size=10).filter(
    lambda code: code[0].isalpha()
)
SEPARATORS = st.sampled_from(["-", " ", "", "\u2013", "  ", "_", "\u2212"])


def _never_raises(value: str) -> None:
    panel = normalise_panel(value)
    assert panel is None or panel == panel.strip()
    if panel is not None and PANEL_PATTERN.match(panel):
        assert panel_key(panel)
    key = panel_key(value)
    assert key is None or key == panel_key(key)
    typed = typed_code(value)
    if typed is not None:
        assert 3 <= len(typed.compact) <= 30
        for prefix in typed.prefixes():
            assert 2 <= len(prefix) <= 10
            typed.panel_after(prefix)


def _read_back(code: str, number: int, separator: str, lower: bool, zeros: bool) -> None:
    printed = panel_code(code, str(number))
    panel = f"{number:03d}" if zeros else str(number)
    typed_text = f"{code}{separator}{panel}"
    typed = typed_code(typed_text.lower() if lower else typed_text)
    assert typed is not None, printed
    assert code in typed.prefixes()
    assert typed.panel_after(code) == panel_key(str(number))
    assert typed_code(printed).panel_after(code) == panel_key(str(number))


CODES = (EXHIBITION_CODES, st.integers(1, 999), SEPARATORS, st.booleans(), st.booleans())


def test_any_text_is_read_or_set_aside():
    check(SHORT_EXAMPLES, ANY)(_never_raises)


def test_a_printed_code_reads_back_however_it_is_typed():
    check(SHORT_EXAMPLES, *CODES)(_read_back)


@pytest.mark.long
def test_any_text_is_read_or_set_aside_many_times():
    check(LONG_EXAMPLES, ANY)(_never_raises)


@pytest.mark.long
def test_a_printed_code_reads_back_however_it_is_typed_many_times():
    check(LONG_EXAMPLES, *CODES)(_read_back)
