"""The owner's figures, each from one aggregate query, whatever the number of orders.

Revenue counts the orders that are paid, dispatched or delivered, by the shop day they were
paid: a refunded order counts nothing, and every amount is whole pence summed in the database.
Shop days are London days: the database buckets UTC instants with the offsets the domain
works out for the range (SQLite has no time zones), so a range across a clock change still
puts 23:30 BST on its own evening.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    case,
    cast,
    distinct,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine

from shop.basket.service import LIFETIME as BASKET_LIFETIME
from shop.domain.reporting import (
    BUCKET_PENCE,
    COVER_WARNING_DAYS,
    COVER_WINDOW_DAYS,
    Bucket,
    DateRange,
    average_pence,
    days_of_cover,
    offset_changes,
    share,
    subtotal_buckets,
)
from shop.extensions import db
from shop.models import Basket, Order, OrderLine, OrderStatus, Product

#: The orders whose money the shop keeps.
SALE_STATUSES = (OrderStatus.PAID, OrderStatus.DISPATCHED, OrderStatus.DELIVERED)
UNIX_EPOCH = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400


def _dialect_function(
    name: str, type_: TypeEngine, sqlite: Callable[..., str], standard: Callable[..., str]
) -> type[FunctionElement]:
    """A SQL function written one way for SQLite and another for PostgreSQL: `sqlite` and
    `standard` receive its arguments, compiled, and return the SQL."""
    function = type(name, (FunctionElement,), {"type": type_, "inherit_cache": True, "name": name})

    def compiler_of(write: Callable[..., str]) -> Callable[..., str]:
        return lambda element, compiler, **kw: write(
            *(compiler.process(clause, **kw) for clause in element.clauses)
        )

    compiles(function, "sqlite")(compiler_of(sqlite))
    compiles(function)(compiler_of(standard))
    return function


def _day_number_sqlite(instant: str, offset: str) -> str:
    # Instants are stored as UTC text; strftime('%s') reads them as seconds since the epoch.
    return f"((CAST(strftime('%s', {instant}) AS INTEGER) + {offset}) / {SECONDS_PER_DAY})"


def _day_number_standard(instant: str, offset: str) -> str:
    return (f"CAST(FLOOR((EXTRACT(EPOCH FROM {instant}) + {offset}) / {SECONDS_PER_DAY}) "
            "AS INTEGER)")


#: Whole days since 1970-01-01 of (a UTC instant + an offset in seconds).
_day_number = _dialect_function("day_number", Integer(), _day_number_sqlite, _day_number_standard)

#: A column that SQLite must not look up by its own index (compiled as `+column`).
_not_indexed = _dialect_function("not_indexed", String(), lambda column: f"+{column}",
                                 lambda column: column)


def shop_day(instant: ColumnElement, start: datetime, end: datetime) -> ColumnElement[int]:
    """The London day of `instant` (between `start` and `end`) as days since 1970-01-01."""
    changes = offset_changes(start, end)
    # Offsets are whole seconds from the domain, rendered as integers so the expression
    # carries no parameters beyond the instants where the clocks changed.
    offsets = [literal_column(str(int(seconds))) for _, seconds in changes]
    if len(changes) == 1:
        return _day_number(instant, offsets[0])
    whens = [(instant < at, offset) for (at, _), offset in zip(changes[1:], offsets, strict=False)]
    return _day_number(instant, case(*whens, else_=offsets[-1]))


def as_date(day_number: int) -> date:
    return UNIX_EPOCH + timedelta(days=day_number)


def _sold_between(query: Select, start: datetime, end: datetime) -> Select:
    """The query narrowed to the orders sold between two instants, read in payment order."""
    # Without ANALYZE statistics (a fresh file, or one never analysed) SQLite would rather
    # read every delivered order through ix_orders_status than one range of ix_orders_sales;
    # a unary + is its documented way to rule an index out.
    return query.where(_not_indexed(Order.status).in_(SALE_STATUSES), Order.paid_at >= start,
                       Order.paid_at < end)


@dataclass(frozen=True)
class SalesDay:
    date: date
    orders: int
    revenue_pence: int
    free_delivery_orders: int


def _days_total(field: str) -> property:
    """A property of Sales: the `field` of its days, added up."""
    return property(lambda sales: sum(getattr(day, field) for day in sales.days))


@dataclass(frozen=True)
class Sales:
    """A range's sales, day by day (every day, with or without orders)."""

    range: DateRange
    days: list[SalesDay]

    orders = _days_total("orders")
    revenue_pence = _days_total("revenue_pence")
    free_delivery_orders = _days_total("free_delivery_orders")

    @property
    def average_order_pence(self) -> int:
        return average_pence(self.revenue_pence, self.orders)

    @property
    def free_delivery_share(self) -> float:
        return share(self.free_delivery_orders, self.orders)


def sales(chosen: DateRange) -> Sales:
    """The range's sales, day by day."""
    return _fill(chosen, _sales_by_date(chosen))


def sales_with_previous(chosen: DateRange) -> tuple[Sales, Sales]:
    """The range's sales and the previous range's (as long, just before), in one query."""
    previous = chosen.previous()
    by_date = _sales_by_date(DateRange(previous.first, chosen.last))
    return _fill(chosen, by_date), _fill(previous, by_date)


def _fill(days: DateRange, by_date: dict[date, SalesDay]) -> Sales:
    return Sales(days, [by_date.get(day) or SalesDay(day, 0, 0, 0) for day in days.dates()])


def _sales_by_date(span: DateRange) -> dict[date, SalesDay]:
    start, end = span.bounds()
    rows = db.session.execute(_daily_sales(start, end)).all()
    return {as_date(day): SalesDay(as_date(day), orders, revenue, free)
            for day, orders, revenue, free in rows}


def _daily_sales(start: datetime, end: datetime):
    sold = _sold_between(
        select(shop_day(Order.paid_at, start, end).label("day"), Order.total_pence,
               Order.delivery_pence),
        start, end,
    ).subquery()
    # Grouped outside the subquery: PostgreSQL matches GROUP BY to the select list by text,
    # and the day's expression carries parameters that would be numbered apart.
    return (
        select(
            sold.c.day,
            func.count(),
            func.sum(sold.c.total_pence),
            func.sum(case((sold.c.delivery_pence == 0, 1), else_=0)),
        )
        .group_by(sold.c.day)
    )


@dataclass(frozen=True)
class ProductSales:
    slug: str
    name: str
    units: int
    revenue_pence: int


def top_products(chosen: DateRange, limit: int = 8) -> tuple[list[ProductSales], ...]:
    """The range's best sellers by goods revenue, and by units, from one pass over its lines."""
    start, end = chosen.bounds()
    sold = _units_and_revenue(start, end)
    by_revenue = func.row_number().over(order_by=(sold.c.revenue.desc(), Product.name))
    by_units = func.row_number().over(order_by=(sold.c.units.desc(), Product.name))
    ranked = (
        select(Product.slug, Product.name, sold.c.units, sold.c.revenue,
               by_revenue.label("by_revenue"), by_units.label("by_units"))
        .join(sold, sold.c.product_id == Product.id)
        .subquery()
    )
    rows = db.session.execute(
        select(ranked).where(or_(ranked.c.by_revenue <= limit, ranked.c.by_units <= limit))
    ).all()
    return tuple(
        [ProductSales(*row[:4]) for row in sorted(rows, key=lambda row: row[rank])
         if row[rank] <= limit]
        for rank in (4, 5)
    )


def _units_and_revenue(start: datetime, end: datetime) -> Subquery:
    """Units and goods revenue sold between two instants, by product id."""
    # Summed by id before products are joined: one product lookup per product, not per line.
    return _sold_between(
        select(
            OrderLine.product_id,
            func.sum(OrderLine.quantity).label("units"),
            func.sum(OrderLine.quantity * OrderLine.unit_price_pence).label("revenue"),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .group_by(OrderLine.product_id),
        start, end,
    ).subquery()


@dataclass(frozen=True)
class HistogramBar:
    bucket: Bucket
    orders: int


def subtotal_histogram(chosen: DateRange, free_over_pence: int) -> list[HistogramBar]:
    """How many of the range's sales had goods subtotals in each £2.50 bucket."""
    buckets = subtotal_buckets(free_over_pence)
    low, high = buckets[0].up_to_pence, buckets[-1].above_pence
    # Goods before delivery; once discount codes exist this must be the subtotal after the
    # discount, which is what the threshold compares (SPEC §1).
    subtotal = Order.subtotal_pence
    start, end = chosen.bounds()
    index = case(
        (subtotal <= low, 0),
        (subtotal > high, len(buckets) - 1),
        else_=(subtotal - low - 1) // BUCKET_PENCE + 1,
    )
    sold = _sold_between(select(index.label("bucket")), start, end).subquery()
    counts = dict(db.session.execute(
        select(sold.c.bucket, func.count()).group_by(sold.c.bucket)
    ).all())
    return [HistogramBar(bucket, counts.get(n, 0)) for n, bucket in enumerate(buckets)]


@dataclass(frozen=True)
class Funnel:
    """What the database can tell of the way from basket to payment, within a range."""

    baskets: int
    checkouts: int
    paid: int
    #: False when the range starts before the oldest baskets kept (old ones are purged).
    baskets_complete: bool


def funnel(chosen: DateRange, now: datetime) -> Funnel:
    """Baskets started, baskets that placed an order, and orders paid, in the range."""
    start, end = chosen.bounds()
    baskets = (select(func.count()).select_from(Basket)
               .where(Basket.created_at >= start, Basket.created_at < end))
    # A basket whose checkout was submitted twice placed two orders: it counts once. A purged
    # basket leaves its orders without one, so each of those counts on its own.
    checkouts = (
        select(func.count(distinct(func.coalesce(Order.basket_id, -Order.id))))
        .where(Order.number.is_not(None), Order.created_at >= start, Order.created_at < end)
    )
    paid = select(func.count()).select_from(Order).where(Order.paid_at >= start,
                                                         Order.paid_at < end)
    row = db.session.execute(select(baskets.scalar_subquery(), checkouts.scalar_subquery(),
                                    paid.scalar_subquery())).one()
    return Funnel(*row, baskets_complete=start >= now - BASKET_LIFETIME)


@dataclass(frozen=True)
class StockCover:
    id: int
    slug: str
    name: str
    stock: int
    units_sold: int

    @property
    def days_of_cover(self) -> float | None:
        return days_of_cover(self.stock, self.units_sold)


def low_stock(now: datetime, threshold: int, limit: int = 12) -> list[StockCover]:
    """Active products at or under `threshold`, or with under a week of cover, soonest out first.

    Cover is the stock over the average daily units sold in the last 30 days.
    """
    sold = _units_and_revenue(now - timedelta(days=COVER_WINDOW_DAYS), now)
    units = func.coalesce(sold.c.units, 0)
    cover = case((sold.c.units > 0, cast(Product.stock, Float) / sold.c.units), else_=None)
    rows = db.session.execute(
        select(Product.id, Product.slug, Product.name, Product.stock, units)
        .outerjoin(sold, sold.c.product_id == Product.id)
        .where(
            Product.active.is_(True),
            or_(Product.stock <= threshold,
                Product.stock * COVER_WINDOW_DAYS < units * COVER_WARNING_DAYS),
        )
        .order_by(cover.asc().nulls_last(), Product.stock, Product.name)
        .limit(limit)
    ).all()
    return [StockCover(*row) for row in rows]


@dataclass(frozen=True)
class CodeUse:
    """A discount code's part in a range's sales."""

    code: str
    orders: int
    discount_pence: int
    revenue_pence: int  # what those orders brought in, after the discount


def discount_use(chosen: DateRange) -> list[CodeUse]:
    """Each code used by the range's sales, the most revenue first, in one query."""
    start, end = chosen.bounds()
    revenue = func.sum(Order.total_pence)
    query = _sold_between(
        select(Order.discount_code, func.count(), func.sum(Order.discount_pence), revenue)
        .where(Order.discount_code.is_not(None)), start, end,
    ).group_by(Order.discount_code).order_by(revenue.desc(), Order.discount_code)
    return [CodeUse(code, orders, int(given or 0), int(brought or 0))
            for code, orders, given, brought in db.session.execute(query)]


@dataclass(frozen=True)
class SalesReport:
    """Everything the reports page shows for a range."""

    sales: Sales
    previous: Sales
    top_by_revenue: list[ProductSales]
    top_by_units: list[ProductSales]
    histogram: list[HistogramBar]
    funnel: Funnel
    low_stock: list[StockCover]
    free_over_pence: int
    discounts: list[CodeUse]


def sales_report(chosen: DateRange, now: datetime, free_over_pence: int,
                 low_stock_threshold: int) -> SalesReport:
    """The page's figures: a fixed number of queries, however many orders there are."""
    sales, previous = sales_with_previous(chosen)
    top_by_revenue, top_by_units = top_products(chosen)
    return SalesReport(
        sales=sales,
        previous=previous,
        top_by_revenue=top_by_revenue,
        top_by_units=top_by_units,
        histogram=subtotal_histogram(chosen, free_over_pence),
        funnel=funnel(chosen, now),
        low_stock=low_stock(now, low_stock_threshold),
        free_over_pence=free_over_pence,
        discounts=discount_use(chosen),
    )
