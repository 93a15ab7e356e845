"""The geometry of the SVG charts: bars scaled to the largest, a target band, columns on a round scale."""

from reports.charts import BAR_ROW, BAR_SPAN, GROUP_ROW, BarRow, bar_chart, column_chart, nice_top


def test_bars_are_scaled_to_the_largest_total_and_stacked():
    chart = bar_chart([BarRow("Ảnh", (("a", "A", 30), ("b", "B", 10))), BarRow("Tài liệu", (("a", "A", 20),))])
    first, second = chart.bars
    assert (first.value, first.end, second.end) == (40, BAR_SPAN, BAR_SPAN / 2)
    assert [(s.x, s.width) for s in first.segments] == [(0.0, 60.0), (60.0, 20.0)]
    assert (first.y, second.y, chart.height) == (0, BAR_ROW, 2 * BAR_ROW)


def test_shares_on_a_fixed_scale_with_the_target_band_and_group_headings():
    rows = [BarRow("Foreign", (("f", "", 0.5),), group="Items"), BarRow("Either", (("e", "", 0.1),), group="Items"),
            BarRow("Foreign", (("f", "", 0.0),), group="E-books")]  # fmt: skip
    chart = bar_chart(rows, kind="percent", maximum=1.0, band=(0.15, 0.20))
    assert chart.band == (12.0, 4.0)  # 15–20 % of the 80 % the bars span
    assert [bar.group for bar in chart.bars] == ["Items", None, "E-books"]
    assert [bar.y for bar in chart.bars] == [GROUP_ROW, GROUP_ROW + BAR_ROW, 2 * GROUP_ROW + 2 * BAR_ROW]
    assert chart.bars[0].end == 40.0 and chart.bars[2].end == 0.0


def test_nothing_to_draw_is_not_a_division_by_zero():
    chart = bar_chart([BarRow("Ảnh", (("a", "", 0),))])
    assert chart.bars[0].end == 0 and chart.height == BAR_ROW


def test_columns_for_a_year_by_month_and_across_years_by_year():
    year = [(2025, m) for m in range(1, 13)]
    chart = column_chart(year, {(2025, 3): 7, (2025, 11): 2})
    assert chart.top == 10 and [c.label for c in chart.columns] == [str(m) for m in range(1, 13)]
    march = chart.columns[2]
    assert march.height == round((chart.base - 18) * 0.7, 1) and march.y == round(chart.base - march.height, 1)
    assert [value for value, _y in chart.gridlines] == [0, 5, 10]
    span = [(2024, 11), (2024, 12)] + year
    labels = [c.label for c in column_chart(span, {}).columns]
    assert labels[:3] == [None, None, "2025"] and labels.count(None) == 13  # the first: too close to January


def test_round_tops():
    assert [nice_top(v) for v in (0, 1, 3, 7, 12, 120, 5000)] == [1, 1, 5, 10, 20, 200, 5000]
