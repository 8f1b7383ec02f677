"""An admin's refund: pending in the database first, made through Stripe once by the jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from shop.admin.audit import Actor
from shop.admin.orders import OrderActionRefused, refund
from shop.checkout.refunds import finish_refunds
from shop.extensions import db
from shop.models import Order

OWNER = Actor(None, "cli")


def refund_order(app, number: str, clock, restock: bool = True) -> None:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        refund(order, OWNER, clock.now(), restock=restock)


def run_refund_job(app, clock, payments) -> int:
    """One run of the finish-refunds job."""
    with app.app_context():
        return finish_refunds(clock.now(), payments)


def refunded_emails(shop) -> list:
    return [email for email in shop.emails() if "refunded" in email.subject]


@pytest.fixture
def paid(shop) -> str:
    """A paid order for two soap bars (£16.95)."""
    number = shop.place({"kefir-soap-bar": 2})
    shop.pay(number)
    assert shop.send_webhooks() == ["paid"]
    return number


def test_a_refund_is_pending_until_the_jobs_have_made_it_through_stripe(
    app, shop, payments, clock, paid
):
    refund_order(app, paid, clock)
    order = shop.order(paid)
    assert (order.status, order.refund_state, order.refund_reason) == (
        "refunded", "pending", "admin"
    )
    assert shop.stock("kefir-soap-bar") == 40
    # The request did not call Stripe: no refund yet, and no email claiming one.
    assert not payments.intents[order.payment_intent_id].refunded and refunded_emails(shop) == []
    assert run_refund_job(app, clock, payments) == 1
    order = shop.order(paid)
    assert (order.refund_state, order.refunded_pence, order.refunded_at) == (
        "refunded", 1695, clock.now()
    )
    assert payments.intents[order.payment_intent_id].refund_keys == {f"refund-{paid}"}
    [email] = refunded_emails(shop)
    assert "We have refunded £16.95" in email.body
    # Stripe tells the shop too; the order already shows it.
    assert shop.send_webhooks() == ["no-change"]
    assert run_refund_job(app, clock, payments) == 0 and len(refunded_emails(shop)) == 1


def test_a_refund_interrupted_between_stripe_and_the_database_is_finished_once(
    app, shop, payments, clock, paid
):
    refund_order(app, paid, clock)
    intent_id = shop.order(paid).payment_intent_id
    # A worker called Stripe with the order's key, then died before its commit.
    payments.refund(intent_id, idempotency_key=f"refund-{paid}")
    assert shop.order(paid).refund_state == "pending"
    assert run_refund_job(app, clock, payments) == 1
    assert run_refund_job(app, clock, payments) == 0
    assert shop.order(paid).refund_state == "refunded"
    assert [event["type"] for event in payments.events].count("charge.refunded") == 1
    assert len(refunded_emails(shop)) == 1


def test_a_refund_whose_webhook_arrives_before_the_job_finishes_is_emailed_once(
    app, shop, payments, clock, paid
):
    refund_order(app, paid, clock)
    payments.refund(shop.order(paid).payment_intent_id, idempotency_key=f"refund-{paid}")
    assert shop.send_webhooks() == ["refunded"]
    assert shop.order(paid).refund_state == "refunded"
    assert run_refund_job(app, clock, payments) == 0
    assert len(refunded_emails(shop)) == 1


def test_goods_that_left_the_warehouse_are_not_put_back(app, shop, clock, paid):
    refund_order(app, paid, clock, restock=False)
    assert shop.order(paid).status == "refunded" and shop.stock("kefir-soap-bar") == 38


def test_a_second_refund_is_refused_and_refunds_nothing_more(app, shop, payments, clock, paid):
    refund_order(app, paid, clock)
    with pytest.raises(OrderActionRefused, match="is refunded: only paid, dispatched or"):
        refund_order(app, paid, clock)
    run_refund_job(app, clock, payments)
    assert [event["type"] for event in payments.events] == ["charge.refunded"]
    assert shop.stock("kefir-soap-bar") == 40


def test_a_refund_stripe_refuses_stays_pending_is_shown_to_staff_and_is_retried(
    app, shop, payments, clock, paid, caplog
):
    refund_order(app, paid, clock)
    payments.unreachable = True
    assert run_refund_job(app, clock, payments) == 0
    order = shop.order(paid)
    assert (order.refund_state, order.refund_attempts) == ("pending", 1)
    assert order.needs_attention == "Refund not yet made: Could not connect to Stripe."
    assert f"Stripe did not refund order {paid}" in caplog.text
    payments.unreachable = False
    assert run_refund_job(app, clock, payments) == 0  # not due yet: it waits a minute
    clock.at += timedelta(minutes=1)
    assert run_refund_job(app, clock, payments) == 1
    assert shop.order(paid).refund_state == "refunded" and len(refunded_emails(shop)) == 1


def test_an_unpaid_order_cannot_be_refunded(app, shop, payments, clock):
    number = shop.place({"kefir-soap-bar": 1})
    with pytest.raises(OrderActionRefused, match="is pending payment"):
        refund_order(app, number, clock)
    assert shop.order(number).refund_state == ""
