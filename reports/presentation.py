"""How the figures are presented: sections of figures, each a table with the chart drawn from it."""

from dataclasses import dataclass, field

from core.i18n import _
from reports.charts import BarChart, ColumnChart
from reports.figures import ProgrammeFigures
from reports.tables import Table

CHART_BARS = 15  # bars a chart draws at most; its table has every row
PAGE_ROWS = 50  # rows a long table shows on the page; its CSV has every row


@dataclass(frozen=True)
class Figure:
    """A table, the chart drawn from it, and what the page says about them."""

    table: Table
    chart: BarChart | ColumnChart | None = None
    legend: tuple[tuple[str, str], ...] = ()  # (CSS class, label) of a chart's segments
    note: str | None = None
    on_page: bool = True  # False: too detailed for the page, in the CSV only
    page_rows: int | None = None

    @property
    def shown_rows(self) -> tuple:
        return self.table.rows[: self.page_rows] if self.page_rows else self.table.rows


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    intro: str
    figures: list[Figure]
    findings: list[str] = field(default_factory=list)  # sentences stating the section's main figures


@dataclass(frozen=True)
class Report:
    figures: ProgrammeFigures
    sections: list[Section]

    @property
    def tables(self) -> dict[str, Table]:
        """Every table by its slug."""
        return {f.table.slug: f.table for section in self.sections for f in section.figures}


def counts_note(shown: int, total: int) -> str | None:
    """Say that a chart shows only the first `shown` of `total` rows, if it does."""
    if total <= shown:
        return None
    return _(
        "The chart shows the first %(shown)s of %(total)s; the table and the CSV file have them all.",
        shown=shown,
        total=total,
    )
