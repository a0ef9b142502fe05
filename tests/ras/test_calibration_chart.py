"""What the calibration what-if draws (RAS-07, issue 20 item 6), pure: the ranges of points, the money lines' vertices
and table rows (services/ras/domain/calibration_chart.py), and the drawing (kit/charts.py): columns as tall as their
counts on one scale, lines through their vertices, a histogram and a line chart sharing their x-axis."""
from __future__ import annotations

import re

import pytest

from kit.charts import Axes, Column, Series, axes_for, column_boxes, histogram_svg, line_chart_svg, nice_step
from services.ras.domain.calibration_chart import (
    LineRow,
    PointsRange,
    bin_width,
    bins,
    line_rows,
    money_line,
)
from services.ras.domain.definition import Band, Bands, PricePerPoint

NORFOLK = Bands((Band(0, 69, 0), Band(70, 115, 50_000), Band(116, 130, 100_000), Band(131, 145, 150_000),
                 Band(146, 160, 280_000), Band(161, 170, 400_000), Band(171, 185, 600_000)))


@pytest.mark.parametrize(("span", "most", "step"), [
    (186, 20, 10), (20, 20, 1), (21, 20, 2), (41, 20, 5), (101, 20, 10), (1, 20, 1), (0, 5, 1),
    (2_000_000, 5, 500_000), (600_000, 5, 200_000)])
def test_a_nice_step_is_1_2_or_5_times_a_power_of_ten_and_cuts_the_span_into_at_most_most(span, most, step):
    assert nice_step(span, most) == step
    if span > 0:
        assert -(-span // step) <= most


def test_ras_07_the_ranges_cover_0_to_the_highest_score_in_equal_widths_that_points_floor_width_finds():
    width = bin_width(185)
    ranges = bins(185, width)
    assert width == 10 and len(ranges) == 19
    assert ranges[0] == PointsRange(0, 9) and ranges[-1] == PointsRange(180, 189)
    for points in (0, 9, 10, 99, 185):
        assert ranges[points // width].first <= points <= ranges[points // width].last
    assert all(b.first == a.last + 1 for a, b in zip(ranges, ranges[1:], strict=False))
    assert bins(0, bin_width(0)) == [PointsRange(0, 0)]
    assert PointsRange(7, 7).describe() == "7" and PointsRange(0, 9).describe() == "0 to 9"


def test_ras_07_a_price_per_point_line_runs_from_nothing_to_the_price_times_the_highest_score():
    assert money_line(PricePerPoint(10_000), 185) == ((0, 0), (185, 1_850_000))
    rows = line_rows(PricePerPoint(10_000), PricePerPoint(2_478), 185)
    assert [r.points.first for r in rows] == [0, 50, 100, 150, 185]
    assert all(r == LineRow(r.points, 10_000 * r.points.first, 2_478 * r.points.first) for r in rows)


def test_ras_07_a_banded_line_is_a_flat_step_per_band_and_its_table_a_row_per_band():
    line = money_line(NORFOLK, 185)
    assert line[:4] == ((0, 0), (70, 0), (70, 50_000), (116, 50_000))
    assert line[-1] == (186, 600_000) and len(line) == 2 * len(NORFOLK.bands)
    scaled = Bands(tuple(Band(b.min_points, b.max_points, b.amount_pence // 2) for b in NORFOLK.bands))
    rows = line_rows(NORFOLK, scaled, 185)
    assert [(r.points.first, r.points.last, r.current_pence, r.proposed_pence) for r in rows][1] == (
        70, 115, 50_000, 25_000)
    assert len(line_rows(NORFOLK, scaled, 120)) == 3  # bands that start above the highest score are left out
    assert money_line(NORFOLK, 120)[-1] == (121, 100_000)
    with pytest.raises(ValueError):
        line_rows(NORFOLK, PricePerPoint(1), 185)


def test_histogram_columns_are_as_tall_as_their_counts_on_one_scale_and_as_wide_as_their_ranges():
    columns = [Column(0, 10, 3), Column(10, 20, 0), Column(20, 30, 7), Column(30, 40, 10)]
    axes = axes_for(40, 10)
    boxes = column_boxes(columns, axes)
    assert axes.y_max == 10 and boxes[3].height == pytest.approx(axes.height)  # the tallest fills the plot
    for box in boxes:
        assert box.height == pytest.approx(axes.height * box.column.count / 10)
        assert box.width == pytest.approx(axes.width * 10 / 40)
        assert box.y + box.height == pytest.approx(axes.bottom)  # standing on the x-axis
    assert boxes[2].x == pytest.approx(axes.left + axes.width / 2)
    svg = histogram_svg(columns, title="Spread", x_max=40, x_label="Points", y_label="Assessments", colour="#1d70b8")
    assert re.findall(r'data-count="(\d+)"', svg) == ["3", "7", "10"]  # a column of nothing draws nothing
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" aria-hidden="true"')
    assert "<title>Spread</title>" in svg


def test_a_line_goes_through_its_vertices_and_shares_the_histograms_x_axis():
    proposed = Series("Proposed", ((0, 0), (185, 458_430)), "#00703c")
    today = Series("Today", ((0, 0), (185, 1_850_000)), "#505a5f", dashed=True)
    svg = line_chart_svg([today, proposed], title="Money", x_max=190, x_label="Points", y_label="A year",
                         format_y=lambda p: f"£{p // 100:,}")
    axes = axes_for(190, 1_850_000)
    assert axes.y_max == 2_000_000  # up to the first gridline above the highest amount
    points = dict(re.findall(r'data-series="(\w+)" points="([^"]+)"', svg))
    for series in (today, proposed):
        drawn = [tuple(map(float, xy.split(","))) for xy in points[series.name].split()]
        assert drawn == [pytest.approx((axes.x(x), axes.y(y)), abs=0.01) for x, y in series.vertices]
    assert 'stroke-dasharray' in svg.split('data-series="Proposed"')[0]  # today's line is dashed, not only grey
    assert "£20,000" in svg and "£0" in svg
    # The histogram above it, with the same x_max, puts x at the same pixel.
    hist = Axes(x_max=190, y_max=10)
    assert hist.x(70) == axes.x(70) and hist.width == axes.width and hist.left == axes.left
