"""CSV cells a spreadsheet would run, made inert on the way out and read back as they were.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel, LibreOffice and
Google Sheets (OWASP "CSV injection"): every CSV the site writes prefixes it with an apostrophe, which
spreadsheets show as nothing. The import takes that apostrophe off again, so an export reads back unchanged.

So that a value which itself starts with an apostrophe before a formula start (`'=x`) survives too, a value
is guarded when, past all its leading apostrophes, it starts a formula: `'=x` goes out as `''=x` and comes
back as `'=x`, while `'hello` goes out and comes back as it is. A hand-written `'=x` in an imported file is
read as `=x`, as a spreadsheet would show it.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _starts_formula(value: str) -> bool:
    return value.lstrip("'").startswith(FORMULA_STARTS)


def guard(value: str) -> str:
    """`value` as a CSV cell no spreadsheet runs."""
    return "'" + value if _starts_formula(value) else value


def unguard(cell: str) -> str:
    """A CSV cell read back: the value `guard` was given."""
    return cell[1:] if cell.startswith("'") and _starts_formula(cell[1:]) else cell
