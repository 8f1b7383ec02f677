"""The owner's reports: ranges of shop days, and the arithmetic of their figures.

A shop day runs from midnight to midnight in Europe/London, so it lasts 23 or 25 hours on the
days the clocks change. The database stores UTC instants; these rules turn days into the UTC
instants that bound them and into the offsets in force between them, so the SQL can bucket
instants into shop days on a database that knows no time zones (SQLite).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from shop.domain import LONDON

#: The longest range a report covers: a year, leap day included.
MAX_DAYS = 366
#: Dates a range may name; beyond them there is nothing to report, and arithmetic on the
#: day before or after must not leave what `date` can hold.
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)
PRESETS = {"today": "Today", "7d": "Last 7 days", "30d": "Last 30 days", "month": "This month"}
DEFAULT_PRESET = "30d"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

#: The subtotal histogram: buckets this wide, this many on each side of the threshold.
BUCKET_PENCE = 250
BUCKETS_EACH_SIDE = 6
#: Products with less stock than this many days of sales are flagged.
COVER_WARNING_DAYS = 7
#: Days of sales that days of cover averages over.
COVER_WINDOW_DAYS = 30


class RangeError(ValueError):
    """A range the report cannot cover; `status` is 400 (unreadable) or 422 (invalid)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class DateRange:
    """Shop days from `first` to `last`, both included."""

    first: date
    last: date
    preset: str = "custom"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def dates(self) -> list[date]:
        """Every day of the range, in order."""
        return [self.first + timedelta(days=n) for n in range(self.days)]

    def previous(self) -> DateRange:
        """The range of the same length that ends the day before this one starts."""
        last = self.first - timedelta(days=1)
        return DateRange(last - timedelta(days=self.days - 1), last)

    def bounds(self, tz: tzinfo = LONDON) -> tuple[datetime, datetime]:
        """The UTC instants where the range starts and ends (the end is excluded)."""
        return day_start(self.first, tz), day_start(self.last + timedelta(days=1), tz)


def day_start(day: date, tz: tzinfo = LONDON) -> datetime:
    """The UTC instant at which `day` begins in `tz`."""
    # Midnight is never skipped or repeated in London (the clocks change at 01:00 and 02:00).
    return datetime.combine(day, time(), tz).astimezone(UTC)


def preset_range(preset: str, today: date) -> DateRange:
    """One of PRESETS, ending today (shop time)."""
    first = {
        "today": today,
        "7d": today - timedelta(days=6),
        "30d": today - timedelta(days=29),
        "month": today.replace(day=1),
    }[preset]
    return DateRange(first, today, preset)


def _parse_date(text: str, name: str) -> date:
    if not _ISO_DATE.fullmatch(text):
        raise RangeError(f"The {name} date must be written as YYYY-MM-DD.", 400)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise RangeError(f"The {name} date is not a day in the calendar.", 400) from None
    if not EARLIEST <= day <= LATEST:
        raise RangeError(f"The {name} date must fall between {EARLIEST} and {LATEST}.", 422)
    return day


def parse_range(preset: str | None, first: str | None, last: str | None, today: date) -> DateRange:
    """The range a request asks for: a preset, or custom `from` and `to` dates.

    With neither, the last 30 days. `from` without `to` runs to today; `to` without `from`
    is the single day `to`. Raises RangeError.
    """
    first, last, preset = (first or "").strip(), (last or "").strip(), (preset or "").strip()
    if preset and preset != "custom":
        if preset not in PRESETS:
            raise RangeError(f"range must be one of {', '.join([*PRESETS, 'custom'])}.", 400)
        return preset_range(preset, today)
    if not first and not last:
        if preset == "custom":
            raise RangeError("Choose the first and last days of the range.", 400)
        return preset_range(DEFAULT_PRESET, today)
    last_day = _parse_date(last, "to") if last else today
    first_day = _parse_date(first, "from") if first else last_day
    if first_day > last_day:
        raise RangeError("The from date must not be after the to date.", 422)
    chosen = DateRange(first_day, last_day)
    if chosen.days > MAX_DAYS:
        raise RangeError(f"A range covers at most {MAX_DAYS} days; this one has {chosen.days}.",
                         422)
    return chosen


def offset_changes(
    start: datetime, end: datetime, tz: tzinfo = LONDON
) -> list[tuple[datetime, int]]:
    """The UTC offsets (seconds) in force between two instants, as (from, offset) pairs.

    The first pair starts at `start`; each later one at the instant the clocks changed.
    """
    def offset(at: datetime) -> int:
        return int(at.astimezone(tz).utcoffset().total_seconds())

    changes = [(start, offset(start))]
    probe = start
    while probe < end:
        # Checked a day at a time: clocks change at most once a day, and a change is then
        # found to the second by halving the day (offsets change on whole seconds).
        step = min(probe + timedelta(days=1), end)
        if offset(step) != changes[-1][1]:
            low, high = int(probe.timestamp()), int(step.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                at = datetime.fromtimestamp(middle, UTC)
                low, high = (middle, high) if offset(at) == changes[-1][1] else (low, middle)
            at = datetime.fromtimestamp(high, UTC)
            changes.append((at, offset(at)))
        probe = step
    return changes


def percent_change(current: int, previous: int) -> int | None:
    """How much `current` moved from `previous`, in whole percent; None when there was nothing."""
    if previous == 0:
        return None
    return round_half_up((current - previous) * 100, previous)


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return -quotient if numerator < 0 else quotient


def average_pence(total_pence: int, count: int) -> int:
    """The average of `count` amounts summing to `total_pence`, to the penny (0 for none)."""
    return round_half_up(total_pence, count) if count else 0


def share(part: int, whole: int) -> float:
    """part / whole as a fraction from 0 to 1 (0 when the whole is nothing)."""
    return round(part / whole, 4) if whole else 0.0


@dataclass(frozen=True)
class Bucket:
    """Goods subtotals over `above_pence`, up to and including `up_to_pence` (None: no limit)."""

    above_pence: int | None
    up_to_pence: int | None
    #: True when every subtotal in the bucket gets free delivery.
    free: bool


def subtotal_buckets(free_over_pence: int, width: int = BUCKET_PENCE,
                     each_side: int = BUCKETS_EACH_SIDE) -> list[Bucket]:
    """£2.50 buckets around the threshold, one edge on it, with an open bucket at each end.

    Delivery is free over the threshold, so each bucket holds the amounts over its lower edge
    up to and including its upper one: £22.51–£25.00 pays delivery, £25.01–£27.50 does not.
    """
    low = free_over_pence - width * each_side
    edges = [low + width * n for n in range(2 * each_side + 1)]
    inner = [Bucket(a, b, a >= free_over_pence) for a, b in zip(edges, edges[1:], strict=False)]
    return [Bucket(None, low, False), *inner, Bucket(edges[-1], None, True)]


def days_of_cover(
    stock: int, units_sold: int, window_days: int = COVER_WINDOW_DAYS
) -> float | None:
    """How many days the stock lasts at the average daily sales of the window; None: no sales."""
    if units_sold <= 0:
        return None
    return stock * window_days / units_sold
