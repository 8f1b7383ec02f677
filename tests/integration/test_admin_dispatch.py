"""Today's dispatch list: what is due in cut-off order, the pick list, slips, bulk dispatch."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop.extensions import db
from shop.models import Order, OutboxEmail
from tests.factories import form_csrf_token
from tests.integration.orders_data import add_products, london, record_order

TODAY = date(2026, 11, 25)  # conftest's DEFAULT_NOW, a Wednesday


@pytest.fixture
def orders(app: Flask) -> dict[str, str]:
    """Orders in every state the list must tell apart: {role: number}."""
    products = add_products(app)

    def paid(placed, due: date, lines, status="paid") -> str:
        return record_order(app, products, placed, lines, status, dispatch_date=due)

    return {
        "overdue": paid(london(2026, 11, 23, 15, 0), date(2026, 11, 24), [("milk-kefir", 2, 450)]),
        "today": paid(london(2026, 11, 25, 9, 0), TODAY,
                      [("milk-kefir", 1, 450), ("kefir-grains", 1, 1200)]),
        "after_yesterday_cutoff": paid(london(2026, 11, 24, 16, 0), TODAY,
                                       [("water-kefir", 6, 500)]),
        "tomorrow": paid(london(2026, 11, 25, 14, 0), date(2026, 11, 26),
                         [("water-kefir", 1, 500)]),
        "sent": paid(london(2026, 11, 24, 9, 0), date(2026, 11, 24), [("milk-kefir", 1, 450)],
                     "dispatched"),
    }


def test_the_list_shows_what_is_due_today_in_cut_off_order(staff_client: FlaskClient, orders):
    html = staff_client.get("/admin/dispatch/").get_data(as_text=True)
    listed = re.findall(r'<tr data-order="([^"]+)">', html)
    assert listed == [orders["overdue"], orders["after_yesterday_cutoff"], orders["today"]]
    assert "overdue since 24 Nov" in html
    assert 'data-count="due">3<' in html and 'data-count="later">1<' in html
    assert re.findall(r'data-slip="([^"]+)"', html) == listed


def test_the_pick_list_adds_up_the_units_of_each_product(staff_client: FlaskClient, orders):
    html = staff_client.get("/admin/dispatch/").get_data(as_text=True)
    picks = dict(re.findall(r'<tr data-pick="([^"]+)"><th scope="row">[^<]+</th>'
                            r'<td class="num">(\d+)</td>', html))
    assert picks == {"milk-kefir": "3", "kefir-grains": "1", "water-kefir": "6"}
    assert re.search(r'Units in all</th><td class="num">10</td>', html)


def test_each_slip_carries_the_address_and_the_lines(staff_client: FlaskClient, orders):
    html = staff_client.get("/admin/dispatch/").get_data(as_text=True)
    slip = html.split(f'data-slip="{orders["today"]}"')[1].split("</article>")[0]
    assert "1 Kefir Lane<br>" in slip and "BA1 1AA" in slip
    assert "Thursday 26 November" in slip
    assert re.search(r'<td class="num">1</td><td>kefir-grains</td>', slip)


def test_ticked_orders_are_marked_dispatched_and_their_customers_emailed(
    app: Flask, staff_client: FlaskClient, orders
):
    token = form_csrf_token(staff_client, "/admin/dispatch/")
    chosen = [orders["overdue"], orders["today"], orders["sent"], "KS-999999"]
    response = staff_client.post("/admin/dispatch/", data={"csrf_token": token, "order": chosen},
                                 follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2 orders marked dispatched; their customers are emailed." in html
    assert f"Order {orders['sent']} is dispatched" in html and "There is no order KS-999999" in html
    with app.app_context():
        statuses = dict(db.session.execute(select(Order.number, Order.status)).all())
        emailed = db.session.scalars(select(Order.number).join(
            OutboxEmail, OutboxEmail.order_id == Order.id)).all()
    assert statuses[orders["overdue"]] == statuses[orders["today"]] == "dispatched"
    assert statuses[orders["after_yesterday_cutoff"]] == "paid"
    assert sorted(emailed) == sorted([orders["overdue"], orders["today"]])
    assert re.findall(r'<tr data-order="([^"]+)">', html) == [orders["after_yesterday_cutoff"]]


def test_marking_nothing_says_what_to_do(staff_client: FlaskClient, orders):
    token = form_csrf_token(staff_client, "/admin/dispatch/")
    html = staff_client.post("/admin/dispatch/", data={"csrf_token": token},
                             follow_redirects=True).get_data(as_text=True)
    assert "Tick the orders" in html and 'data-count="due">3<' in html


def test_the_list_needs_the_form_s_csrf_token(staff_client: FlaskClient, orders):
    assert staff_client.post("/admin/dispatch/", data={"order": orders["today"]}).status_code == 400


def test_nothing_due_says_so(staff_client: FlaskClient):
    html = staff_client.get("/admin/dispatch/").get_data(as_text=True)
    assert 'data-count="due">0<' in html and "Nothing to pack." in html
