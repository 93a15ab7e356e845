"""A figure's table, written once for the page and for the CSV a programme officer opens.

The CSV is UTF-8 with a byte-order mark (Excel then reads Vietnamese), and follows the
spreadsheet conventions of the reader's language: where the decimal mark is a comma (vi, fr),
fields are separated by semicolons, as Excel there expects; elsewhere by commas. A text cell
a spreadsheet would run as a formula is guarded with an apostrophe (core.csv_guard).
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date

from babel.numbers import format_decimal, get_decimal_symbol

from core.csv_guard import guard

BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    """A column: its header in the reader's language and the kind of its values."""

    label: str
    kind: str = "text"  # text, code, count, percent (a fraction), month ((year, month)), date


@dataclass(frozen=True)
class Table:
    """Rows of values under columns; `slug` names its CSV file."""

    slug: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]


def delimiter_for(locale: str) -> str:
    """`;` where the decimal mark is a comma (so a number's comma is not a separator), else `,`."""
    return ";" if get_decimal_symbol(locale) == "," else ","


def csv_cell(value, kind: str, locale: str) -> str:
    """One value as the CSV holds it: numbers bare, shares in per cent, months and dates in ISO form."""
    if value is None:
        return ""
    if kind == "count":
        return str(int(value))
    if kind == "percent":
        return format_decimal(round(value * 100, 1), format="0.#", locale=locale)
    if kind == "month":
        return f"{value[0]:04d}-{value[1]:02d}"
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    return guard(str(value))


def table_csv(table: Table, locale: str) -> bytes:
    """The table as a CSV file: a header row, then its rows."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter_for(locale), lineterminator="\r\n")
    writer.writerow([csv_cell(column.label, "text", locale) for column in table.columns])
    for row in table.rows:
        writer.writerow(
            [csv_cell(value, column.kind, locale) for value, column in zip(row, table.columns, strict=True)]
        )
    return (BOM + out.getvalue()).encode("utf-8")


def tables_zip(tables: list[Table], locale: str, prefix: str) -> bytes:
    """Every table as its own CSV file in one ZIP."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            archive.writestr(f"{prefix}-{table.slug}.csv", table_csv(table, locale))
    return out.getvalue()
