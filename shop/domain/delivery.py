"""Free next-day delivery and the delivery-date estimate, in shop time (Europe/London)."""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from shop.domain import LONDON
from shop.domain.chat import clock_label

SERVICE = "next_day"
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def _pence(value: int, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be int pence, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


@dataclass(frozen=True)
class DeliveryRule:
    """Next-day delivery costs `fee_pence`, or nothing when goods are over `free_over_pence`."""

    fee_pence: int = 395
    free_over_pence: int = 2500

    def __post_init__(self) -> None:
        _pence(self.fee_pence, "fee_pence")
        _pence(self.free_over_pence, "free_over_pence")

    @property
    def free_from_pence(self) -> int:
        """The smallest subtotal that is delivered free (2501 for 'over £25.00')."""
        return self.free_over_pence + 1


@dataclass(frozen=True)
class DeliveryQuote:
    """What delivery costs for one goods subtotal, and how far that is from free."""

    subtotal_pence: int
    price_pence: int
    free: bool
    free_over_pence: int
    amount_to_free_pence: int
    service: str = SERVICE

    @property
    def total_pence(self) -> int:
        """Goods plus delivery."""
        return self.subtotal_pence + self.price_pence

    @property
    def progress_pence(self) -> int:
        """How much of the way to free delivery the subtotal has come, for a progress bar."""
        return self.free_over_pence + 1 - self.amount_to_free_pence


def goods_subtotal(lines: Iterable[tuple[int, int]]) -> int:
    """Sum (unit_price_pence, quantity) pairs into a goods subtotal."""
    return sum(_pence(price, "unit_price_pence") * _pence(qty, "quantity") for price, qty in lines)


def quote_delivery(subtotal_pence: int, rule: DeliveryRule) -> DeliveryQuote:
    """Price next-day delivery for a goods subtotal (after discounts, before delivery)."""
    _pence(subtotal_pence, "subtotal_pence")
    free = subtotal_pence > rule.free_over_pence
    return DeliveryQuote(
        subtotal_pence=subtotal_pence,
        price_pence=0 if free else rule.fee_pence,
        free=free,
        free_over_pence=rule.free_over_pence,
        amount_to_free_pence=max(0, rule.free_from_pence - subtotal_pence),
    )


@dataclass(frozen=True)
class DeliveryEstimate:
    """When an order placed now leaves and arrives, and until when that promise holds."""

    order_by: datetime
    dispatch_date: date
    delivery_date: date

    def time_left(self, now: datetime) -> timedelta:
        """Real time until `order_by`, right across a clock change."""
        # Subtracting two datetimes that share a tzinfo ignores their offsets; UTC does not.
        return self.order_by.astimezone(UTC) - now.astimezone(UTC)


def parse_cutoff(text: str) -> time:
    """Parse the dispatch cut-off 'HH:MM' (e.g. '14:00')."""
    try:
        cutoff = time.fromisoformat(text.strip())
    except (AttributeError, ValueError) as exc:
        raise ValueError(f"DISPATCH_CUTOFF must look like 14:00, got {text!r}") from exc
    if cutoff.tzinfo is not None:
        raise ValueError(f"DISPATCH_CUTOFF is shop time and takes no offset, got {text!r}")
    return cutoff


@cache
def england_bank_holidays(years: tuple[int, ...]) -> frozenset[date]:
    """England's bank holidays in these years, observed days included."""
    return frozenset(holidays.UK(subdiv="ENG", years=years))


def bank_holidays_around(now: datetime) -> frozenset[date]:
    """England's bank holidays near enough to `now` for any estimate made then."""
    year = now.astimezone(LONDON).year
    return england_bank_holidays((year - 1, year, year + 1))


def is_dispatch_day(day: date, bank_holidays: Container[date]) -> bool:
    """Parcels leave Monday to Friday, bank holidays excepted."""
    return day.weekday() < 5 and day not in bank_holidays


def is_delivery_day(day: date, bank_holidays: Container[date]) -> bool:
    """The courier delivers Monday to Saturday, bank holidays excepted."""
    return day.weekday() < 6 and day not in bank_holidays


def _next(day: date, ok, bank_holidays: Container[date]) -> date:
    day += timedelta(days=1)
    while not ok(day, bank_holidays):
        day += timedelta(days=1)
    return day


def estimate_delivery(
    now: datetime,
    cutoff: time = time(14),
    bank_holidays: Container[date] = frozenset(),
    tz: ZoneInfo = LONDON,
) -> DeliveryEstimate:
    """Dispatch and delivery dates for an order placed at `now`, and the deadline to keep them."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(tz).date()
    dispatch = today
    # The cut-off is exclusive: an order at 14:00:00 exactly leaves on the next dispatch day.
    if not (is_dispatch_day(today, bank_holidays) and now < datetime.combine(today, cutoff, tz)):
        dispatch = _next(today, is_dispatch_day, bank_holidays)
    return DeliveryEstimate(
        order_by=datetime.combine(dispatch, cutoff, tzinfo=tz),
        dispatch_date=dispatch,
        delivery_date=_next(dispatch, is_delivery_day, bank_holidays),
    )


def day_label(day: date) -> str:
    """Say a date as the shop does: 'Thursday 26 November'."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


def duration_label(left: timedelta) -> str:
    """Say a countdown in whole minutes, rounded up: '2 h 15 min', '1 h', '5 min'."""
    minutes = max(1, -(-int(left.total_seconds()) // 60))
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else [])
    return " ".join(parts)


def estimate_label(now: datetime, estimate: DeliveryEstimate, tz: ZoneInfo = LONDON) -> str:
    """'Order within 2 h 15 min for delivery on Thursday 26 November' (or 'Order by …')."""
    left = estimate.time_left(now)
    delivery = day_label(estimate.delivery_date)
    if left <= timedelta(hours=24):
        return f"Order within {duration_label(left)} for delivery on {delivery}"
    deadline = estimate.order_by.astimezone(tz)
    return (
        f"Order by {clock_label(deadline.time())} on {DAYS[deadline.weekday()]} "
        f"for delivery on {delivery}"
    )
