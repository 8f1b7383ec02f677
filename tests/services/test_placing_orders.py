"""Placing an order: server prices, stock reserved at once, one PaymentIntent, nothing half-done."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from shop.checkout.links import order_from_link, order_token
from shop.domain import LONDON
from shop.extensions import db
from shop.jobs import expire_orders
from shop.models import Order, Product


def order_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Order))


def test_an_order_reserves_its_stock_and_opens_one_gbp_intent_for_the_server_total(
    shop, payments, clock
):
    shop.add("kefir-soap-bar", 2)
    response = shop.checkout(total_pence=1)  # the client has no say in the price
    assert response.status_code == 201
    order = shop.order(response.get_json()["order"]["number"])
    assert (order.number, order.status) == ("KS-000001", "pending_payment")
    assert (order.subtotal_pence, order.delivery_pence, order.total_pence) == (1300, 395, 1695)
    assert order.expires_at == clock.now() + timedelta(minutes=30)
    assert shop.stock("kefir-soap-bar") == 38
    [intent] = payments.intents.values()
    assert (intent.id, intent.amount_pence, intent.order_number) == (
        order.payment_intent_id, 1695, "KS-000001"
    )
    assert intent.status == "requires_payment_method"
    assert response.get_json()["payment"]["client_secret"].startswith(intent.id)


def test_delivery_is_charged_at_exactly_25_pounds_and_free_above(shop):
    at_25 = shop.place({"kefir-soap-bar": 2, "live-milk-kefir-grains": 1})
    assert (shop.order(at_25).subtotal_pence, shop.order(at_25).delivery_pence) == (2500, 395)
    shop.add("kefir-soap-bar", 1)  # the same basket, now £31.50
    over_25 = shop.checkout().get_json()["order"]
    assert (over_25["subtotal_pence"], over_25["delivery_pence"]) == (3150, 0)


def test_an_order_after_the_friday_cut_off_is_dispatched_monday_and_delivered_tuesday(
    shop, clock
):
    clock.at = datetime(2026, 11, 27, 14, 0, tzinfo=LONDON)
    order = shop.order(shop.place({"kefir-soap-bar": 1}))
    assert (order.dispatch_date, order.delivery_date) == (date(2026, 11, 30), date(2026, 12, 1))


def test_a_second_checkout_of_the_same_basket_replaces_the_first_and_holds_stock_once(
    app, shop, payments, clock
):
    first = shop.place({"kefir-recipe-book": 2})
    second = shop.checkout().get_json()["order"]["number"]
    assert (shop.order(first).status, shop.order(second).status) == ("expired", "pending_payment")
    assert shop.stock("kefir-recipe-book") == 1
    # The checkout does not wait on Stripe to cancel the first intent: the jobs do.
    with app.app_context():
        expire_orders(clock.now)
    assert payments.intents[shop.order(first).payment_intent_id].status == "canceled"
    assert payments.intents[shop.order(second).payment_intent_id].status != "canceled"


def test_more_than_is_left_is_a_409_that_stores_no_order_and_takes_no_stock(app, shop, payments):
    shop.add("kefir-recipe-book", 3)
    with app.app_context():
        db.session.execute(
            update(Product).where(Product.slug == "kefir-recipe-book").values(stock=2)
        )
        db.session.commit()
    response = shop.checkout()
    assert response.status_code == 409
    assert "Only 2 left" in response.get_json()["detail"]
    assert order_count(app) == 0 and shop.stock("kefir-recipe-book") == 2
    assert payments.intents == {}


def test_an_empty_basket_cannot_check_out(app, shop):
    response = shop.checkout()
    assert response.status_code == 409 and "empty" in response.get_json()["detail"]
    assert order_count(app) == 0


def test_when_stripe_is_unreachable_the_order_fails_and_its_stock_goes_back(app, shop, payments):
    shop.add("kefir-soap-bar", 2)
    payments.unreachable = True
    response = shop.checkout()
    assert response.status_code == 503
    assert "nothing was charged" in response.get_json()["detail"]
    with app.app_context():
        assert db.session.scalar(select(Order.status)) == "payment_failed"
    assert shop.stock("kefir-soap-bar") == 40


def test_an_order_is_found_only_by_its_own_signed_link(app, shop, payments, clock):
    number = shop.place({"kefir-soap-bar": 1})
    other = shop.another_customer().place({"live-milk-kefir-grains": 1})
    with app.test_request_context():
        token = order_token(number)
        find = lambda n, t: order_from_link(n, t, now=clock.now())  # noqa: E731
        assert find(number, token).number == number
        assert find(other, token) is None
        assert find(number, "forged") is None
        assert find("KS-999999", token) is None
    assert shop.customer.get(f"/orders/{number}?token={token}").status_code == 200
    assert shop.customer.get(f"/orders/{other}?token={token}").status_code == 404
    assert shop.customer.get(f"/api/v1/orders/{number}?token={token}").status_code == 200
    assert shop.customer.get(f"/api/v1/orders/{other}?token={token}").status_code == 404

