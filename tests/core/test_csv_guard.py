"""Cells a spreadsheet would run are guarded on the way out and read back as they were (core.csv_guard)."""

from itertools import product

from core.csv_guard import FORMULA_STARTS, guard, unguard


def test_every_formula_start_is_guarded_and_nothing_else():
    for start in FORMULA_STARTS:
        assert guard(f"{start}1+1") == f"'{start}1+1"
    for value in ("", "Hà Nội", "1945", "'quoted", "a=b", " =x"):
        assert guard(value) == value


def test_guard_then_unguard_is_every_value_it_was_even_with_apostrophes():
    pieces = ["", "'", "''", *FORMULA_STARTS, "x", "1"]
    for parts in product(pieces, repeat=3):
        value = "".join(parts)
        cell = guard(value)
        assert not cell.startswith(FORMULA_STARTS), value
        assert unguard(cell) == value, value
    assert guard("'=x") == "''=x" and unguard("''=x") == "'=x"
    assert unguard("'=x") == "=x" and unguard("'hello") == "'hello"
