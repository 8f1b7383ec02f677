"""An admin's refund: the status moves first, Stripe refunds once, a refusal changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.admin.audit import Actor
from shop.admin.orders import OrderActionRefused, RefundFailed, refund
from shop.extensions import db
from shop.models import Order

OWNER = Actor(None, "cli")


def refund_order(app, number: str, clock, restock: bool = True) -> None:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        refund(order, OWNER, clock.now(), restock=restock)


@pytest.fixture
def paid(shop) -> str:
    """A paid order for two soap bars (£16.95)."""
    number = shop.place({"kefir-soap-bar": 2})
    shop.pay(number)
    assert shop.send_webhooks() == ["paid"]
    return number


def test_a_refund_refunds_the_payment_in_full_and_puts_the_goods_back(
    app, shop, payments, clock, paid
):
    refund_order(app, paid, clock)
    assert shop.order(paid).status == "refunded" and shop.stock("kefir-soap-bar") == 40
    assert payments.intents[shop.order(paid).payment_intent_id].refunded
    refunded = [email for email in shop.emails() if "refunded" in email.subject]
    assert len(refunded) == 1 and "We have refunded £16.95" in refunded[0].body
    # Stripe tells the shop too; the order already shows it.
    assert shop.send_webhooks() == ["ignored"]


def test_goods_that_left_the_warehouse_are_not_put_back(app, shop, clock, paid):
    refund_order(app, paid, clock, restock=False)
    assert shop.order(paid).status == "refunded" and shop.stock("kefir-soap-bar") == 38


def test_a_second_refund_is_refused_and_refunds_nothing_more(app, shop, payments, clock, paid):
    refund_order(app, paid, clock)
    with pytest.raises(OrderActionRefused, match="is refunded: only paid, dispatched or"):
        refund_order(app, paid, clock)
    assert [event["type"] for event in payments.events] == ["charge.refunded"]
    assert shop.stock("kefir-soap-bar") == 40


def test_a_refund_stripe_refuses_changes_nothing(app, shop, payments, clock, paid):
    payments.unreachable = True
    with pytest.raises(RefundFailed, match="Stripe did not refund order"):
        refund_order(app, paid, clock)
    assert shop.order(paid).status == "paid" and shop.stock("kefir-soap-bar") == 38
    assert [email.subject for email in shop.emails()] == [f"Your Kefir Shop order {paid}"]


def test_an_unpaid_order_cannot_be_refunded(app, shop, payments, clock):
    number = shop.place({"kefir-soap-bar": 1})
    with pytest.raises(OrderActionRefused, match="is pending payment"):
        refund_order(app, number, clock)
    assert not payments.intents[shop.order(number).payment_intent_id].refunded
