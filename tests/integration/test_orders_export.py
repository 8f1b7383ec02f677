"""The orders export: a CSV row per order line, streamed, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask

from tests.integration.orders_data import add_products, london, record_order


@pytest.fixture
def products(app: Flask) -> dict[str, int]:
    return add_products(app)


def rows(response) -> list[dict[str, str]]:
    return parse(response.get_data(as_text=True))


def parse(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # Excel then reads the file as UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_each_order_line_is_a_row_with_its_order_s_dates_and_money(admin_client, app, products):
    number = record_order(app, products, london(2026, 6, 10, 23, 30),
                          [("milk-kefir", 2, 450), ("kefir-grains", 1, 1200)], "dispatched",
                          created_at=london(2026, 6, 10, 23, 20))
    record_order(app, products, london(2026, 6, 12, 9, 0), [("milk-kefir", 1, 450)])  # after
    record_order(app, products, None, [("milk-kefir", 1, 450)], "expired",
                 created_at=london(2026, 6, 10, 9, 0))  # never paid
    response = admin_client.get("/admin/orders.csv?from=2026-06-10&to=2026-06-11")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="orders-2026-06-10-to-2026-06-11.csv"')
    assert rows(response) == [
        {"Order": number, "Placed": "2026-06-10 23:20", "Paid": "2026-06-10 23:30",
         "Status": "dispatched", "Customer": "Ada Lovelace", "Email": "ada@example.com",
         "Postcode": "BA1 1AA", "Product": "milk-kefir", "Product code": "milk-kefir",
         "Quantity": "2", "Unit price": "4.50", "Line total": "9.00", "Goods": "21.00",
         "Discount": "0.00", "Delivery": "3.95", "Order total": "24.95"},
        {"Order": number, "Placed": "2026-06-10 23:20", "Paid": "2026-06-10 23:30",
         "Status": "dispatched", "Customer": "Ada Lovelace", "Email": "ada@example.com",
         "Postcode": "BA1 1AA", "Product": "kefir-grains", "Product code": "kefir-grains",
         "Quantity": "1", "Unit price": "12.00", "Line total": "12.00", "Goods": "21.00",
         "Discount": "0.00", "Delivery": "3.95", "Order total": "24.95"},
    ]


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ('Smith, "Jo"', 'Smith, "Jo"'),
        ('=HYPERLINK("http://evil.example","Jo")', '\'=HYPERLINK("http://evil.example","Jo")'),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Zoë O'Brien-Smith", "Zoë O'Brien-Smith"),
    ],
)
def test_names_keep_their_commas_and_quotes_and_never_run_as_formulas(
    admin_client, app, products, name, cell
):
    record_order(app, products, london(2026, 6, 10, 12, 0), [("milk-kefir", 1, 450)], name=name)
    [row] = rows(admin_client.get("/admin/orders.csv?from=2026-06-10&to=2026-06-10"))
    assert row["Customer"] == cell


def test_an_order_with_a_code_shows_its_discount_and_the_total_after_it(admin_client, app,
                                                                        products):
    record_order(app, products, london(2026, 6, 10, 12, 0), [("milk-kefir", 2, 450)],
                 discount=("SORRY5", 500))
    [row] = rows(admin_client.get("/admin/orders.csv?from=2026-06-10&to=2026-06-10"))
    assert (row["Goods"], row["Discount"], row["Delivery"], row["Order total"]) == (
        "9.00", "5.00", "3.95", "7.95")


def test_a_refunded_order_is_listed_with_its_status(admin_client, app, products):
    record_order(app, products, london(2026, 6, 10, 12, 0), [("milk-kefir", 1, 450)], "refunded")
    [row] = rows(admin_client.get("/admin/orders.csv?from=2026-06-10&to=2026-06-10"))
    assert row["Status"] == "refunded"


def test_many_orders_stream_in_order_of_payment(admin_client, app, products):
    for n in range(450):  # more than two chunks of 200 rows
        record_order(app, products, london(2026, 6, 1, 0, 0).replace(minute=n % 60, hour=n // 60),
                     [("milk-kefir", 1, 450)])
    response = admin_client.get("/admin/orders.csv?from=2026-06-01&to=2026-06-01")
    chunks = [chunk.decode() for chunk in response.response]
    assert len(chunks) == 3  # 200 rows, 200 rows, the last 50: none waits for the others
    paid = [row["Paid"] for row in parse("".join(chunks))]
    assert len(paid) == 450 and paid == sorted(paid)


@pytest.mark.parametrize(("query", "status"), [("from=2026-06-10&to=2026-06-01", 422),
                                               ("from=10-06-2026", 400)])
def test_an_unusable_range_is_refused_with_a_message(admin_client, query, status):
    response = admin_client.get(f"/admin/orders.csv?{query}")
    assert response.status_code == status
    assert "The from date" in response.get_data(as_text=True)


def test_the_orders_page_offers_the_export_to_admins(admin_client, staff_client):
    html = admin_client.get("/admin/orders/").get_data(as_text=True)
    assert 'action="/admin/orders.csv"' in html and 'name="from" type="date"' in html
    assert 'action="/admin/orders.csv"' not in staff_client.get("/admin/orders/").get_data(True)
