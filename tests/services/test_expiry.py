"""Unpaid orders expire after 30 minutes: their stock goes back, the jobs cancel their intent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.checkout.links import status_url
from shop.checkout.orders import expire_unpaid
from shop.jobs import expire_orders
from shop.payments import PaymentError


def test_an_unpaid_order_expires_after_thirty_minutes_and_gives_its_stock_back(
    app, shop, payments, clock
):
    number = shop.place({"kefir-recipe-book": 2})
    assert shop.stock("kefir-recipe-book") == 1
    with app.app_context():
        assert expire_unpaid(clock.now() + timedelta(minutes=29, seconds=59)) == []
        expired = expire_unpaid(clock.now() + timedelta(minutes=30))
        assert [order.number for order in expired] == [number]
    assert shop.order(number).status == "expired" and shop.stock("kefir-recipe-book") == 3


def test_the_expiry_job_cancels_the_intent_so_it_can_never_be_charged(
    app, shop, payments, clock
):
    number = shop.place({"kefir-recipe-book": 2})
    intent = payments.intents[shop.order(number).payment_intent_id]
    clock.at += timedelta(minutes=30)
    with app.app_context():
        assert expire_orders(clock.now) == 1
    assert shop.order(number).status == "expired" and intent.status == "canceled"
    assert not shop.order(number).cancel_intent
    with pytest.raises(PaymentError, match="status of canceled"):
        payments.pay_with_test_card(intent.id, "4242424242424242")
    assert shop.send_webhooks() == ["no-change"]  # Stripe's payment_intent.canceled


def test_a_hold_ended_inside_a_web_request_leaves_the_cancel_to_the_jobs(
    app, shop, payments, clock
):
    number = shop.place({"kefir-recipe-book": 2})
    with app.test_request_context():
        link = status_url(shop.order(number))
    clock.at += timedelta(minutes=31)
    shop.customer.get(link)
    intent = payments.intents[shop.order(number).payment_intent_id]
    # The page never waited on Stripe; the next run of the job cancels the intent.
    assert shop.order(number).cancel_intent and intent.status == "requires_payment_method"
    with app.app_context():
        assert expire_orders(clock.now) == 0
    assert intent.status == "canceled" and not shop.order(number).cancel_intent


def test_looking_at_a_stale_order_expires_it(app, shop, clock):
    number = shop.place({"kefir-recipe-book": 2})
    with app.test_request_context():
        link = status_url(shop.order(number))
    clock.at += timedelta(minutes=31)
    assert 'data-order-status="expired"' in shop.customer.get(link).get_data(as_text=True)
    assert shop.stock("kefir-recipe-book") == 3


def test_placing_any_order_first_expires_the_abandoned_ones(shop, clock):
    abandoned = shop.place({"kefir-recipe-book": 3})
    clock.at += timedelta(minutes=30)
    shop.another_customer().place({"kefir-soap-bar": 1})
    assert shop.order(abandoned).status == "expired" and shop.stock("kefir-recipe-book") == 3


def test_the_release_expired_command_expires_what_is_due(app, shop, payments, clock):
    shop.place({"kefir-soap-bar": 1})
    clock.at += timedelta(minutes=30)
    result = app.test_cli_runner().invoke(args=["release-expired"])
    assert result.exit_code == 0 and "Expired 1 unpaid orders." in result.output
    assert shop.stock("kefir-soap-bar") == 40


def test_an_intent_stripe_cannot_cancel_does_not_stop_the_expiry_and_is_tried_again(
    app, shop, payments, clock, caplog
):
    number = shop.place({"kefir-soap-bar": 2})
    payments.unreachable = True
    clock.at += timedelta(minutes=30)
    with app.app_context():
        assert expire_orders(clock.now) == 1
    assert shop.order(number).status == "expired" and shop.stock("kefir-soap-bar") == 40
    assert f"could not cancel the PaymentIntent of expired order {number}" in caplog.text
    payments.unreachable = False
    with app.app_context():
        expire_orders(clock.now)
    assert payments.intents[shop.order(number).payment_intent_id].status == "canceled"


def test_a_paid_order_never_expires(app, shop, payments, clock):
    number = shop.place({"kefir-soap-bar": 1})
    shop.pay(number)
    shop.send_webhooks()
    with app.app_context():
        assert expire_unpaid(clock.now() + timedelta(days=2)) == []
    assert shop.order(number).status == "paid" and shop.stock("kefir-soap-bar") == 39
