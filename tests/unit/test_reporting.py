"""The reports' pure rules: ranges of shop days, their UTC bounds, buckets, sums and charts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.admin.charts import axis_pounds, bar_lengths, column_chart, nice_step
from shop.domain.reporting import (
    MAX_DAYS,
    DateRange,
    RangeError,
    average_pence,
    days_of_cover,
    offset_changes,
    parse_range,
    percent_change,
    preset_range,
    subtotal_buckets,
)

TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    ("preset", "first"),
    [("today", TODAY), ("7d", date(2026, 11, 19)), ("30d", date(2026, 10, 27)),
     ("month", date(2026, 11, 1))],
)
def test_each_preset_ends_today(preset, first):
    assert parse_range(preset, "", "", TODAY) == DateRange(first, TODAY, preset)


def test_no_range_means_the_last_30_days():
    assert parse_range(None, None, None, TODAY) == preset_range("30d", TODAY)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2026-11-01", "2026-11-07", DateRange(date(2026, 11, 1), date(2026, 11, 7))),
        ("2026-11-01", "", DateRange(date(2026, 11, 1), TODAY)),
        ("", "2026-11-07", DateRange(date(2026, 11, 7), date(2026, 11, 7))),
        (" 2026-11-01 ", "2026-11-01", DateRange(date(2026, 11, 1), date(2026, 11, 1))),
        ("2025-11-25", "2026-11-25", DateRange(date(2025, 11, 25), TODAY)),  # 366 days
    ],
)
def test_a_custom_range_names_its_first_and_last_days(first, last, expected):
    assert parse_range("custom", first, last, TODAY) == expected
    assert parse_range(None, first, last, TODAY) == expected


@pytest.mark.parametrize(
    ("preset", "first", "last", "status"),
    [
        ("custom", "", "", 400),
        ("year", "", "", 400),
        (None, "2026-11-31", "", 400),
        (None, "2026/11/01", "", 400),
        (None, "2026-1-01", "", 400),
        (None, "٢٠٢٦-١١-٠١", "", 400),  # Arabic-Indic digits are digits, but not ours
        (None, "2026-11-08", "2026-11-07", 422),
        (None, "2025-11-24", "2026-11-25", 422),  # 367 days
        (None, "1999-12-31", "2000-01-01", 422),
        (None, "2999-12-31", "3000-01-01", 422),
    ],
)
def test_a_range_the_report_cannot_cover_is_refused_with_a_status(preset, first, last, status):
    with pytest.raises(RangeError) as refused:
        parse_range(preset, first, last, TODAY)
    assert refused.value.status == status


def test_the_previous_range_is_as_long_and_ends_the_day_before():
    chosen = DateRange(date(2026, 3, 1), date(2026, 3, 31))
    assert chosen.previous() == DateRange(date(2026, 1, 29), date(2026, 2, 28))
    assert chosen.previous().days == chosen.days == 31


@pytest.mark.parametrize(
    ("day", "hours", "start"),
    [
        (date(2026, 3, 29), 23, datetime(2026, 3, 29, 0, 0, tzinfo=UTC)),   # clocks go forward
        (date(2026, 10, 25), 25, datetime(2026, 10, 24, 23, 0, tzinfo=UTC)),  # and back
        (date(2026, 6, 10), 24, datetime(2026, 6, 9, 23, 0, tzinfo=UTC)),
        (date(2026, 12, 10), 24, datetime(2026, 12, 10, 0, 0, tzinfo=UTC)),
    ],
)
def test_a_shop_day_is_a_london_day_of_23_24_or_25_hours(day, hours, start):
    first, end = DateRange(day, day).bounds()
    assert first == start and end - first == timedelta(hours=hours)


def test_the_offsets_of_a_year_change_where_the_clocks_do():
    start, end = DateRange(date(2026, 1, 1), date(2026, 12, 31)).bounds()
    assert offset_changes(start, end) == [
        (start, 0),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), 3600),
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), 0),
    ]


def test_a_summer_week_has_one_offset():
    start, end = DateRange(date(2026, 7, 1), date(2026, 7, 7)).bounds()
    assert offset_changes(start, end) == [(start, 3600)]


@given(st.integers(min_value=0, max_value=1_000_000))
def test_every_subtotal_falls_in_one_bucket_that_is_free_exactly_over_the_threshold(subtotal):
    buckets = subtotal_buckets(2500)
    holding = [b for b in buckets
               if (b.above_pence is None or subtotal > b.above_pence)
               and (b.up_to_pence is None or subtotal <= b.up_to_pence)]
    assert len(holding) == 1 and holding[0].free is (subtotal > 2500)


def test_buckets_are_250p_wide_with_an_edge_on_the_threshold():
    buckets = subtotal_buckets(2500)
    assert len(buckets) == 14
    assert [(b.above_pence, b.up_to_pence) for b in buckets[5:9]] == [
        (2000, 2250), (2250, 2500), (2500, 2750), (2750, 3000)]


@pytest.mark.parametrize(
    ("current", "previous", "change"),
    [(200, 100, 100), (50, 100, -50), (100, 100, 0), (1, 3, -67), (2, 3, -33), (5, 0, None),
     (0, 0, None), (1005, 1000, 1), (1004, 1000, 0)],
)
def test_a_change_is_in_whole_percent_rounded_half_away_from_zero(current, previous, change):
    assert percent_change(current, previous) == change


@pytest.mark.parametrize(("total", "count", "average"),
                         [(5890, 3, 1963), (5, 2, 3), (7, 2, 4), (0, 0, 0), (1000, 1, 1000)])
def test_an_average_order_is_whole_pence_halves_up(total, count, average):
    assert average_pence(total, count) == average


def test_days_of_cover_divide_stock_by_the_average_day_s_sales():
    assert days_of_cover(40, 300) == 4.0
    assert days_of_cover(3, 45) == 2.0
    assert days_of_cover(10, 0) is None


def test_no_range_is_longer_than_a_leap_year():
    assert MAX_DAYS == 366


@pytest.mark.parametrize(("value", "step"), [(0, 1), (0.25, 1), (1, 1), (1.5, 2), (3, 5),
                                             (101, 200), (250, 250), (12_000.5, 20_000)])
def test_gridlines_are_a_round_step_apart(value, step):
    assert nice_step(value) == step


def test_a_money_axis_drops_pence_only_from_whole_pounds():
    assert [axis_pounds(p) for p in (0, 25_000, 123_400, 250)] == ["£0", "£250", "£1,234", "£2.50"]


def test_columns_stand_on_the_axis_and_the_largest_reaches_the_top_at_a_round_peak():
    chart = column_chart([0, 50, 100], ["a", "b", "c"], [(0, "start")], str, line=[20, 20, 20])
    empty, half, full = chart.columns
    assert empty.height == 0 and empty.y == chart.bottom
    assert full.y == chart.top and half.height == full.height / 2
    assert [tick.label for tick in chart.y_ticks] == ["0", "25", "50", "75", "100"]
    assert chart.x_ticks[0].at == chart.left and len(chart.line.split()) == 3


def test_bars_are_as_long_as_their_value_against_the_largest():
    assert bar_lengths([300, 150, 0]) == [100.0, 50.0, 0.0]
    assert bar_lengths([0, 0]) == [0.0, 0.0]
