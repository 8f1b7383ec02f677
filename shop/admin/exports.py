"""The orders export for the accounts: one CSV row per order line, written as it is read.

Rows come from the database a few hundred at a time (a server-side cursor on PostgreSQL) and
leave as text straight away, so a year of orders never sits in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select

from shop.domain import LONDON
from shop.domain.money import pounds_input
from shop.domain.reporting import DateRange
from shop.extensions import db
from shop.models import Order, OrderLine

HEADER = ["Order", "Placed", "Paid", "Status", "Customer", "Email", "Postcode", "Product",
          "Product code", "Quantity", "Unit price", "Line total", "Goods", "Discount",
          "Delivery", "Order total"]
#: A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV
#: injection"); tab and carriage return can hide one behind whitespace.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 200


def neutralise(cell: str) -> str:
    """The cell as text a spreadsheet shows but never evaluates (a leading apostrophe)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _london(instant: datetime | None) -> str:
    return f"{instant.astimezone(LONDON):%Y-%m-%d %H:%M}" if instant else ""


def order_lines_csv(chosen: DateRange) -> Iterator[str]:
    """CSV text, a chunk at a time, for every line of the orders paid in the range.

    Refunded orders are listed too, with their status, so the accounts see the money that
    came in and the money that went back.
    """
    start, end = chosen.bounds()
    rows = db.session.execute(
        select(Order.number, Order.created_at, Order.paid_at, Order.status, Order.name,
               Order.email, Order.postcode, OrderLine.product_name, OrderLine.product_slug,
               OrderLine.quantity, OrderLine.unit_price_pence, Order.subtotal_pence,
               Order.discount_pence, Order.delivery_pence, Order.total_pence)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.paid_at >= start, Order.paid_at < end)
        .order_by(Order.paid_at, Order.id, OrderLine.id)
        .execution_options(yield_per=ROWS_PER_CHUNK)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # A byte-order mark tells Excel the file is UTF-8 (names with accents, the £ sign).
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    try:
        for count, row in enumerate(rows, 1):
            (number, placed, paid, status, name, email, postcode, product, code, quantity,
             unit_price, goods, discount, delivery, total) = row
            writer.writerow([neutralise(str(cell)) for cell in (
                number, _london(placed), _london(paid), status, name, email, postcode, product,
                code, quantity, pounds_input(unit_price), pounds_input(unit_price * quantity),
                pounds_input(goods), pounds_input(discount), pounds_input(delivery),
                pounds_input(total),
            )])
            if count % ROWS_PER_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()
    finally:
        rows.close()
