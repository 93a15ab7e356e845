"""The geometry of the charts the figures page draws as SVG: horizontal bars and monthly columns.

No viewBox: bar lengths and column positions are percentages of the chart's width, heights are
pixels, so text keeps its size on a phone and on a wide screen alike. The templates draw them
(reports/_charts.html), with a <title>, a <desc> and the table behind each.
"""

from dataclasses import dataclass

BAR_ROW = 44  # pixels per bar: its label above, the bar, its value after it
GROUP_ROW = 26  # a group heading
BAR_SPAN = 80.0  # per cent of the width the longest bar takes, leaving room for its value
COLUMN_TOP, COLUMN_BASE = 18, 170  # pixels: the plot's top and its baseline
COLUMN_HEIGHT = 200


@dataclass(frozen=True)
class Segment:
    key: str  # a CSS class: what the segment counts
    label: str
    value: float
    x: float  # per cent
    width: float  # per cent


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    segments: tuple[Segment, ...]
    y: int
    end: float  # per cent: where the value is written
    group: str | None = None  # a heading drawn above this bar


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    height: int
    band: tuple[float, float] | None  # per cent: a target range drawn behind the bars
    kind: str  # count or percent


@dataclass(frozen=True)
class BarRow:
    """A bar to draw: its label and its value, or values by segment (key, label, value)."""

    label: str
    parts: tuple[tuple[str, str, float], ...]
    group: str | None = None


def bar_chart(
    rows: list[BarRow], kind: str = "count", maximum: float | None = None, band: tuple[float, float] | None = None
) -> BarChart:
    """Bars scaled to the largest total (or `maximum`), each under its label; group headings where the group changes."""
    top = maximum or max([sum(v for _k, _l, v in row.parts) for row in rows] + [0]) or 1
    bars, y, group = [], 0, None
    for row in rows:
        heading = row.group if row.group and row.group != group else None
        if heading:
            y += GROUP_ROW
        group = row.group
        x, segments = 0.0, []
        for key, label, value in row.parts:
            width = BAR_SPAN * value / top
            segments.append(Segment(key, label, value, round(x, 2), round(width, 2)))
            x += width
        bars.append(Bar(row.label, sum(v for _k, _l, v in row.parts), tuple(segments), y, round(x, 2), heading))
        y += BAR_ROW
    scaled = (round(BAR_SPAN * band[0] / top, 2), round(BAR_SPAN * (band[1] - band[0]) / top, 2)) if band else None
    return BarChart(tuple(bars), max(y, BAR_ROW), scaled, kind)


@dataclass(frozen=True)
class ColumnBar:
    month: tuple[int, int]
    value: int
    x: float  # per cent
    width: float  # per cent
    y: float  # pixels
    height: float  # pixels
    label: str | None  # the axis label under it, if any


@dataclass(frozen=True)
class ColumnChart:
    columns: tuple[ColumnBar, ...]
    height: int
    top: int  # the value of the highest gridline
    gridlines: tuple[tuple[int, float], ...]  # (value, y)
    base: int


def nice_top(value: float) -> int:
    """The smallest of 1, 2, 5 × 10^k at or above `value` (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _axis_label(index: int, months: list[tuple[int, int]]) -> str | None:
    year, month = months[index]
    if len({y for y, _m in months}) == 1:
        return str(month)
    if month == 1:
        return str(year)
    # The first column names its year when the next January is far enough not to collide.
    if index == 0 and 12 - month >= 3:
        return str(year)
    return None


def column_chart(months: list[tuple[int, int]], values: dict) -> ColumnChart:
    """A column per month, scaled to a round top; axis labels by month in one year, by year across years."""
    top = nice_top(max([values.get(m, 0) for m in months] + [0]))
    plot = COLUMN_BASE - COLUMN_TOP
    slot = 100 / len(months) if months else 100
    columns = []
    for index, month in enumerate(months):
        value = values.get(month, 0)
        height = plot * value / top
        columns.append(
            ColumnBar(
                month,
                value,
                round(index * slot + slot * 0.15, 3),
                round(slot * 0.7, 3),
                round(COLUMN_BASE - height, 1),
                round(height, 1),
                _axis_label(index, months),
            )
        )
    gridlines = [(0, COLUMN_BASE), (top, COLUMN_TOP)]
    if top % 2 == 0:
        gridlines.insert(1, (top // 2, COLUMN_TOP + plot / 2))
    return ColumnChart(tuple(columns), COLUMN_HEIGHT, top, tuple(gridlines), COLUMN_BASE)
