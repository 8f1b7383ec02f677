"""The owner's reports on known orders: revenue, shop days, the £25 histogram, the funnel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from shop.admin.reports import (
    CodeUse,
    discount_use,
    funnel,
    low_stock,
    sales,
    sales_with_previous,
    subtotal_histogram,
    top_products,
)
from shop.domain.reporting import DateRange
from shop.extensions import db
from shop.models import Basket
from tests.integration.orders_data import NOW, add_products, london, record_order


@pytest.fixture
def products(app: Flask) -> dict[str, int]:
    """Three products: {slug: id}."""
    return add_products(app)


def days(first: date, last: date) -> DateRange:
    return DateRange(first, last)


# --- Revenue ----------------------------------------------------------------------------------

def test_revenue_counts_paid_dispatched_and_delivered_orders_net_of_a_refund(app, products):
    at = london(2026, 11, 20, 10, 0)
    record_order(app, products, at, [("milk-kefir", 2, 450)])                       # 900 + 395
    record_order(app, products, at, [("kefir-grains", 1, 1200)], "dispatched")      # 1200 + 395
    record_order(app, products, at, [("water-kefir", 6, 500)], "delivered")         # 3000, free
    record_order(app, products, at, [("water-kefir", 10, 500)], "refunded")
    record_order(app, products, None, [("milk-kefir", 1, 450)], "pending_payment", created_at=at)
    record_order(app, products, None, [("milk-kefir", 1, 450)], "expired", created_at=at)
    with app.app_context():
        report = sales(days(date(2026, 11, 20), date(2026, 11, 20)))
    assert report.orders == 3
    assert report.revenue_pence == 1295 + 1595 + 3000 == 5890
    assert report.average_order_pence == 1963  # 5890 / 3 = 1963.33
    assert report.free_delivery_orders == 1 and report.free_delivery_share == 0.3333


def test_discount_codes_count_the_sold_orders_that_used_each(app, products):
    at = london(2026, 11, 20, 10, 0)
    record_order(app, products, at, [("water-kefir", 6, 500)], discount=("WELCOME10", 300))
    record_order(app, products, at, [("kefir-grains", 1, 1200)], "dispatched",
                 discount=("WELCOME10", 120))
    record_order(app, products, at, [("milk-kefir", 2, 450)], discount=("SORRY5", 500))
    record_order(app, products, at, [("milk-kefir", 9, 450)], "refunded", discount=("SORRY5", 500))
    record_order(app, products, at, [("milk-kefir", 1, 450)])  # no code
    with app.app_context():
        used = discount_use(days(date(2026, 11, 20), date(2026, 11, 20)))
        before = discount_use(days(date(2026, 11, 19), date(2026, 11, 19)))
    # Revenue after the discount: 3000 - 300 (free delivery) + 1200 - 120 + 395.
    assert used == [CodeUse("WELCOME10", 2, 420, 4175), CodeUse("SORRY5", 1, 500, 795)]
    assert before == []


@pytest.mark.parametrize(
    ("paid_at", "shop_day"),
    [
        (london(2026, 6, 10, 23, 30), date(2026, 6, 10)),   # BST: 22:30 UTC, still the 10th
        (london(2026, 6, 11, 0, 30), date(2026, 6, 11)),    # BST: 23:30 UTC on the 10th
        (london(2026, 11, 10, 23, 30), date(2026, 11, 10)),  # GMT: UTC itself
        (london(2026, 3, 28, 23, 30), date(2026, 3, 28)),   # the evening before clocks go forward
        (london(2026, 3, 29, 23, 30), date(2026, 3, 29)),   # the first BST evening
        (london(2026, 3, 30, 0, 30), date(2026, 3, 30)),    # 23:30 UTC on the 29th
        (london(2026, 10, 25, 0, 30), date(2026, 10, 25)),  # BST: 23:30 UTC on the 24th
        (london(2026, 10, 25, 23, 30), date(2026, 10, 25)),  # the first GMT evening
    ],
)
def test_an_order_late_in_the_evening_counts_on_its_london_day(app, products, paid_at, shop_day):
    record_order(app, products, paid_at, [("milk-kefir", 1, 450)])
    around = days(shop_day - timedelta(days=2), shop_day + timedelta(days=2))
    with app.app_context():
        counted = {day.date: day.orders for day in sales(around).days}
    assert counted == {d: int(d == shop_day) for d in around.dates()}


def test_a_range_across_the_clock_change_buckets_every_day_in_one_query(app, products):
    moments = [london(2026, 10, 24, 23, 30), london(2026, 10, 25, 0, 30),
               london(2026, 10, 25, 1, 30, fold=0), london(2026, 10, 25, 1, 30, fold=1),
               london(2026, 10, 25, 23, 59), london(2026, 10, 26, 0, 0)]
    for at in moments:
        record_order(app, products, at, [("milk-kefir", 1, 450)])
    with app.app_context():
        counted = [day.orders for day in sales(days(date(2026, 10, 24), date(2026, 10, 26))).days]
    assert counted == [1, 4, 1]


def test_the_previous_period_is_as_long_and_ends_the_day_before(app, products):
    record_order(app, products, london(2026, 11, 19, 9, 0), [("water-kefir", 6, 500)])   # 3000
    record_order(app, products, london(2026, 11, 25, 8, 0), [("milk-kefir", 1, 450)])    # 845
    record_order(app, products, london(2026, 11, 18, 23, 59), [("kefir-grains", 1, 1200)])  # 1595
    record_order(app, products, london(2026, 11, 11, 23, 59), [("milk-kefir", 9, 450)])  # before
    with app.app_context():
        current, previous = sales_with_previous(days(date(2026, 11, 19), date(2026, 11, 25)))
    assert previous.range == days(date(2026, 11, 12), date(2026, 11, 18))
    assert (current.orders, current.revenue_pence) == (2, 3845)
    assert (previous.orders, previous.revenue_pence) == (1, 1595)
    assert [d.revenue_pence for d in previous.days] == [0, 0, 0, 0, 0, 0, 1595]


def test_the_page_compares_each_figure_with_the_previous_period(admin_client, app, products):
    record_order(app, products, london(2026, 11, 20, 9, 0), [("water-kefir", 6, 500)])
    record_order(app, products, london(2026, 11, 21, 9, 0), [("water-kefir", 6, 500)])
    record_order(app, products, london(2026, 11, 14, 9, 0), [("water-kefir", 6, 500)])
    html = admin_client.get("/admin/reports/?range=7d").get_data(as_text=True)
    assert re.search(r'data-figure="revenue">£60.00</strong>\s*<span class="change change-up">'
                     r'\s*<span aria-hidden="true">▲</span>\s*up 100%\s*on £30.00', html)
    assert re.search(r'data-figure="average">£30.00</strong>\s*<span class="change change-flat">'
                     r'.*?no change\s*on £30.00', html, re.S)
    assert 'data-range="2026-11-19/2026-11-25"' in html and "12 Nov 2026 to 18 Nov 2026" in html


# --- The £25 rule -----------------------------------------------------------------------------

def test_the_histogram_puts_each_subtotal_in_its_250p_bucket_either_side_of_25(app, products):
    at = london(2026, 11, 20, 10, 0)
    for subtotal in (999, 1000, 1001, 2250, 2251, 2500, 2500, 2501, 2750, 2751, 4000, 4001, 9000):
        record_order(app, products, at, [("milk-kefir", 1, subtotal)])
    record_order(app, products, at, [("milk-kefir", 1, 2600)], "refunded")  # counts nothing
    with app.app_context():
        bars = subtotal_histogram(days(date(2026, 11, 20), date(2026, 11, 20)), 2500)
    edges = [(b.bucket.above_pence, b.bucket.up_to_pence, b.bucket.free, b.orders) for b in bars]
    assert edges == [
        (None, 1000, False, 2),
        (1000, 1250, False, 1), (1250, 1500, False, 0), (1500, 1750, False, 0),
        (1750, 2000, False, 0), (2000, 2250, False, 1), (2250, 2500, False, 3),
        (2500, 2750, True, 2), (2750, 3000, True, 1), (3000, 3250, True, 0),
        (3250, 3500, True, 0), (3500, 3750, True, 0), (3750, 4000, True, 1),
        (4000, None, True, 2),
    ]


def test_the_threshold_comes_from_configuration(app, products):
    record_order(app, products, london(2026, 11, 20, 10, 0), [("milk-kefir", 1, 3001)])
    with app.app_context():
        bars = subtotal_histogram(days(date(2026, 11, 20), date(2026, 11, 20)), 3000)
    first_free = next(bar for bar in bars if bar.bucket.free)
    assert (first_free.bucket.above_pence, first_free.orders) == (3000, 1)


def test_the_page_says_how_many_orders_were_just_over_and_just_under(admin_client, app,
                                                                    products):
    at = london(2026, 11, 24, 10, 0)
    for subtotal in (2501, 2600, 2750, 2400):
        record_order(app, products, at, [("milk-kefir", 1, subtotal)])
    html = admin_client.get("/admin/reports/?range=today&from=x").get_data(as_text=True)
    assert 'data-figure="just-over">0<' in html  # today: none (the range wins over from=)
    html = admin_client.get("/admin/reports/?from=2026-11-24&to=2026-11-24").get_data(True)
    assert 'data-figure="just-over">3</strong>' in html and "£25.01–£27.50" in html
    assert 'data-figure="just-under">1</strong>' in html and "£22.51–£25.00" in html
    assert 'data-figure="free-share">75%' in html


# --- Products, funnel, stock ------------------------------------------------------------------

def test_best_sellers_are_ranked_by_revenue_and_by_units(app, products):
    at = london(2026, 11, 20, 10, 0)
    record_order(app, products, at, [("milk-kefir", 5, 450), ("kefir-grains", 1, 1200)])
    record_order(app, products, at, [("kefir-grains", 1, 1200), ("water-kefir", 1, 500)])
    record_order(app, products, at, [("water-kefir", 20, 500)], "refunded")
    chosen = days(date(2026, 11, 20), date(2026, 11, 20))
    with app.app_context():
        by_revenue, by_units = top_products(chosen)
        top_two = top_products(chosen, limit=2)
    assert [(p.slug, p.units, p.revenue_pence) for p in by_revenue] == [
        ("kefir-grains", 2, 2400), ("milk-kefir", 5, 2250), ("water-kefir", 1, 500)]
    assert [p.slug for p in by_units] == ["milk-kefir", "kefir-grains", "water-kefir"]
    assert [[p.slug for p in top] for top in top_two] == [["kefir-grains", "milk-kefir"],
                                                           ["milk-kefir", "kefir-grains"]]


def test_the_funnel_counts_baskets_checkouts_and_payments_in_the_range(app, products):
    inside, outside = london(2026, 11, 20, 10, 0), london(2026, 11, 10, 10, 0)
    with app.app_context():
        baskets = [Basket(token=f"t{n}", created_at=at)
                   for n, at in enumerate([inside, inside, inside, outside])]
        db.session.add_all(baskets)
        db.session.commit()
        ids = [b.id for b in baskets]
    # The first basket's checkout was submitted twice: the first order expired unpaid.
    record_order(app, products, None, [("milk-kefir", 1, 450)], "expired", created_at=inside,
                 basket_id=ids[0])
    record_order(app, products, inside, [("milk-kefir", 1, 450)], basket_id=ids[0])
    record_order(app, products, inside, [("milk-kefir", 1, 450)], "refunded", basket_id=ids[1])
    record_order(app, products, outside, [("milk-kefir", 1, 450)], basket_id=ids[3])
    with app.app_context():
        result = funnel(days(date(2026, 11, 20), date(2026, 11, 20)), NOW)
        old = funnel(days(date(2026, 10, 1), date(2026, 11, 20)), NOW)
    assert (result.baskets, result.checkouts, result.paid) == (3, 2, 2)
    assert result.baskets_complete and not old.baskets_complete


def test_low_stock_lists_what_runs_out_soonest_by_days_of_cover(app, products):
    record_order(app, products, london(2026, 11, 10, 10, 0), [("milk-kefir", 300, 450)])
    record_order(app, products, london(2026, 11, 10, 10, 0), [("water-kefir", 30, 500)])
    record_order(app, products, london(2026, 10, 1, 10, 0), [("water-kefir", 900, 500)])  # old
    with app.app_context():
        found = [(item.slug, item.stock, item.units_sold, item.days_of_cover)
                 for item in low_stock(NOW.astimezone(UTC), threshold=5)]
    # Milk kefir: 40 left, 10 a day → 4 days. Grains: 3 left, no sales. Water kefir: 100 days.
    assert found == [("milk-kefir", 40, 300, 4.0), ("kefir-grains", 3, 0, None)]


# --- The page and the API ---------------------------------------------------------------------

def test_the_page_draws_its_charts_as_svg_each_with_a_table(admin_client, app, products):
    record_order(app, products, london(2026, 11, 24, 10, 0), [("milk-kefir", 2, 450)])
    response = admin_client.get("/admin/reports/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<script>" not in html
    for chart in ("daily", "histogram"):
        assert re.search(rf'<svg class="chart [\w-]+" viewBox="[\d .]+" role="img" '
                         rf'aria-labelledby="{chart}-title {chart}-desc" data-chart="{chart}">',
                         html), chart
    for table in ("daily", "histogram", "by-revenue", "by-units", "funnel", "chat"):
        assert f'data-table="{table}"' in html
    assert re.search(r'<th scope="row">Milk Kefir 500ml<svg class="bar" viewBox="0 0 100 10" '
                     r'preserveAspectRatio="none" aria-hidden="true"><rect width="100.0"', html)
    assert "data-not-built" not in html
    assert "Tue 24 Nov: £12.95 from 1 order" in html


@pytest.mark.parametrize(
    ("query", "status", "said"),
    [
        ("range=custom&from=2026-11-25&to=2026-11-01", 422, "The from date must not be after"),
        ("from=2025-11-01&to=2026-11-25", 422, "at most 366 days"),
        ("from=2026-02-30&to=2026-03-01", 400, "not a day in the calendar"),
        ("from=25/11/2026&to=2026-11-25", 400, "written as YYYY-MM-DD"),
        ("range=year", 400, "range must be one of"),
    ],
)
def test_the_page_explains_a_range_it_cannot_show(admin_client, query, status, said):
    response = admin_client.get(f"/admin/reports/?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert re.search(r'<p class="field-error" id="range-error" role="alert">[^<]*' + said, html)
    assert 'aria-invalid="true"' in html and 'data-figure="revenue"' not in html


def test_only_admins_see_the_reports(staff_client: FlaskClient, client: FlaskClient):
    assert staff_client.get("/admin/reports/").status_code == 403
    assert staff_client.get("/admin/orders.csv").status_code == 403
    assert client.get("/admin/reports/").status_code == 303


def api(client: FlaskClient, token: str, query: str):
    return client.get(f"/api/v1/admin/reports/sales?{query}",
                      headers={"Authorization": f"Bearer {token}"})


def test_the_api_answers_the_days_and_totals_of_a_range(client, admin_token, app, products):
    record_order(app, products, london(2026, 6, 10, 23, 30), [("water-kefir", 6, 500)])
    record_order(app, products, london(2026, 6, 11, 0, 30), [("milk-kefir", 1, 450)])
    record_order(app, products, london(2026, 6, 11, 9, 0), [("milk-kefir", 1, 450)], "refunded")
    response = api(client, admin_token, "from=2026-06-10&to=2026-06-12")
    assert response.status_code == 200
    assert response.get_json() == {
        "from": "2026-06-10", "to": "2026-06-12",
        "days": [{"date": "2026-06-10", "orders": 1, "revenue_pence": 3000},
                 {"date": "2026-06-11", "orders": 1, "revenue_pence": 845},
                 {"date": "2026-06-12", "orders": 0, "revenue_pence": 0}],
        "orders": 2, "revenue_pence": 3845, "average_order_pence": 1923,
        "free_delivery_share": 0.5,
    }


def test_the_api_defaults_to_the_last_30_days(client, admin_token, products):
    body = api(client, admin_token, "").get_json()
    assert (body["from"], body["to"], len(body["days"])) == ("2026-10-27", "2026-11-25", 30)
    assert (body["orders"], body["average_order_pence"], body["free_delivery_share"]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("from=2026-13-01&to=2026-12-01", 400),
        ("from=yesterday&to=2026-11-25", 400),
        ("from=2026-11-25&to=2026-11-2", 400),
        ("from=%EF%BC%92026-11-25&to=2026-11-25", 400),  # a full-width digit
        ("from=2026-11-26&to=2026-11-25", 422),
        ("from=2025-11-24&to=2026-11-25", 422),  # 367 days
        ("from=1999-12-31&to=2000-01-01", 422),
        ("from=9999-12-31&to=9999-12-31", 422),
    ],
)
def test_the_api_refuses_an_unusable_range_as_a_problem(client, admin_token, query, status):
    response = api(client, admin_token, query)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()) >= {"type", "title", "status", "detail"}


def test_the_api_covers_a_year_of_366_days(client, admin_token):
    response = api(client, admin_token, "from=2023-11-25&to=2024-11-24")
    assert response.status_code == 200 and len(response.get_json()["days"]) == 366


def test_the_api_wants_an_admin_token(client, staff_token):
    assert api(client, staff_token, "").status_code == 403
    assert client.get("/api/v1/admin/reports/sales").status_code == 401


# --- Cost -------------------------------------------------------------------------------------

@contextmanager
def counted_queries(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_page_runs_the_same_queries_for_one_order_as_for_sixty(admin_client, app, products):
    record_order(app, products, london(2026, 11, 24, 10, 0), [("milk-kefir", 2, 450)])
    with counted_queries(app) as few:
        assert admin_client.get("/admin/reports/?range=30d").status_code == 200
    for n in range(60):
        record_order(app, products, london(2026, 11, 1, 10, 0) + timedelta(hours=n * 7),
                     [("milk-kefir", 1 + n % 3, 450), ("water-kefir", 1, 500 + n * 10)],
                     ["paid", "dispatched", "delivered", "refunded"][n % 4])
    with counted_queries(app) as many:
        assert admin_client.get("/admin/reports/?range=30d").status_code == 200
    assert len(few) == len(many) <= 10, many


def test_sqlite_reads_sales_by_payment_time_even_without_statistics(tmp_path, clock):
    """A never-analysed SQLite file must not read every delivered order through its status."""
    from shop import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'plans.sqlite3'}", "CLOCK": clock})
    with app.app_context():
        db.create_all()
        with counted_queries(app) as statements:
            chosen = days(date(2026, 11, 1), date(2026, 11, 25))
            sales_with_previous(chosen)
            subtotal_histogram(chosen, 2500)
            top_products(chosen)
            low_stock(NOW, 5)
        plans = []
        with db.engine.connect() as conn:
            for statement in statements:
                parameters = [None] * statement.count("?")
                plans.append(" ".join(row[-1] for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, tuple(parameters)).all()))
        db.engine.dispose()
    assert len(plans) == 4
    for plan in plans:
        assert "ix_orders_sales (paid_at>? AND paid_at<?)" in plan
        assert "ix_orders_status" not in plan
