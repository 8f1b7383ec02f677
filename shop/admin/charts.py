"""The geometry of the reports' charts, drawn as SVG by templates/admin/reports/_charts.html.

Server-rendered SVG needs no script, so the CSP stays strict. Every chart is laid out in a
fixed viewBox and scales to its box; the templates colour it from reports.css and give each
one a title, a description and a table beside it, so none depends on colour or on seeing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from shop.admin.reports import HistogramBar, Sales
from shop.domain.money import format_gbp
from shop.domain.reporting import Bucket


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    #: Read on hover and by the text alternative: what the column stands for.
    title: str
    value_label: str = ""
    #: A CSS class of its own ("free" for free-delivery buckets, drawn hatched).
    kind: str = ""


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    left: float
    top: float
    bottom: float
    columns: list[Column]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    #: A second series drawn as a dashed line through the columns' centres.
    line: str = ""
    #: A vertical marker: where it stands, and what it says.
    marker: Tick | None = None

    @property
    def right(self) -> float:
        return self.width - 8.0


def nice_step(value: float) -> int:
    """The smallest of 1, 2, 2.5, 5 × a power of ten that is at least `value` (at least 1)."""
    power = 1
    while power * 10 < value:
        power *= 10
    return int(next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value))


def column_chart(
    values: list[int],
    titles: list[str],
    x_labels: list[tuple[int, str]],
    y_label,
    *,
    value_labels: list[str] | None = None,
    kinds: list[str] | None = None,
    line: list[int] | None = None,
    marker: tuple[int, str] | None = None,
    width: int = 400,
    height: int = 220,
) -> ColumnChart:
    """Columns for `values`, with an optional dashed `line` series over the same slots.

    `x_labels` are (slot edge, text) pairs: 0 is the left edge of the first column.
    `y_label` formats a value for the axis. `marker` draws a vertical line at a slot edge.
    """
    # Room above the plot for the marker's label, clear of the tallest column's value.
    left, top, bottom = 48.0, 32.0, height - 24.0
    plot_width, plot_height = width - 8 - left, bottom - top
    slot = plot_width / max(len(values), 1)
    # Four gridlines a round step apart, the highest at or above the largest value.
    step = nice_step(max([*values, *(line or []), 1]) / 4)
    peak = step * 4
    scale = plot_height / peak

    def x_at(edge: float) -> float:
        return round(left + edge * slot, 2)

    columns = []
    for n, value in enumerate(values):
        bar_height = round(value * scale, 2)
        bar_width = max(round(slot * 0.72, 2), 1.0)
        columns.append(Column(
            x=round(x_at(n) + (slot - bar_width) / 2, 2),
            y=round(bottom - bar_height, 2),
            width=bar_width,
            height=bar_height,
            title=titles[n],
            value_label=value_labels[n] if value_labels else "",
            kind=kinds[n] if kinds else "",
        ))
    y_ticks = [Tick(round(bottom - plot_height * n / 4, 2), y_label(step * n)) for n in range(5)]
    points = " ".join(f"{x_at(n + 0.5)},{round(bottom - v * scale, 2)}"
                      for n, v in enumerate(line or []))
    return ColumnChart(
        width=width, height=height, left=left, top=top, bottom=bottom, columns=columns,
        y_ticks=y_ticks, x_ticks=[Tick(x_at(edge), text) for edge, text in x_labels],
        line=points, marker=Tick(x_at(marker[0]), marker[1]) if marker else None,
    )


def label_every(count: int, most: int = 7) -> int:
    """How many slots apart labels go so that at most `most` fit along the axis."""
    return max(1, ceil(count / most))


def bar_lengths(values: list[int]) -> list[float]:
    """Each value as a percentage of the largest: the lengths of a list's bars."""
    peak = max([*values, 1])
    return [round(100 * value / peak, 2) for value in values]


# --- The reports page's charts ----------------------------------------------------------------

def axis_pounds(pence: int) -> str:
    """An axis label: £1,250 for whole pounds, else £2.50."""
    return format_gbp(pence) if pence % 100 else f"£{pence // 100:,}"


def daily_revenue_chart(sales: Sales, previous: Sales) -> ColumnChart:
    """Revenue by day as columns, the previous period's day by day as a dashed line."""
    days = sales.days
    every = label_every(len(days))
    return column_chart(
        [day.revenue_pence for day in days],
        [f"{day.date:%a %-d %b}: {format_gbp(day.revenue_pence)} from {day.orders} "
         f"order{'' if day.orders == 1 else 's'}" for day in days],
        [(n + 0.5, f"{day.date:%-d %b}") for n, day in enumerate(days) if n % every == 0],
        axis_pounds,
        line=[day.revenue_pence for day in previous.days] if previous.orders else None,
    )


def histogram_chart(bars: list[HistogramBar], free_over_pence: int) -> ColumnChart:
    """Orders per subtotal bucket; free-delivery buckets hatched, the threshold marked."""
    first_free = next(n for n, bar in enumerate(bars) if bar.bucket.free)
    edges = [(n, axis_pounds(bar.bucket.above_pence)) for n, bar in enumerate(bars)
             if bar.bucket.above_pence is not None and (n - first_free) % 2 == 0]
    return column_chart(
        [bar.orders for bar in bars],
        [f"{bucket_label(bar.bucket)}: {bar.orders} order{'' if bar.orders == 1 else 's'}"
         for bar in bars],
        edges,
        str,
        value_labels=[str(bar.orders) if bar.orders else "" for bar in bars],
        kinds=["free" if bar.bucket.free else "" for bar in bars],
        marker=(first_free, f"Free delivery over {format_gbp(free_over_pence)}"),
    )


def bucket_label(bucket: Bucket) -> str:
    """A subtotal bucket in words: "£22.51–£25.00", "up to £10.00", "over £40.00"."""
    if bucket.above_pence is None:
        return f"up to {format_gbp(bucket.up_to_pence)}"
    if bucket.up_to_pence is None:
        return f"over {format_gbp(bucket.above_pence)}"
    return f"{format_gbp(bucket.above_pence + 1)}–{format_gbp(bucket.up_to_pence)}"
