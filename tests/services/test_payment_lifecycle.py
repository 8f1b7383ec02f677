"""The payment lifecycle: declines and retries, money for orders that cannot be filled, and
refunds and disputes that reach the shop from outside."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.admin.audit import history
from shop.checkout.orders import expire_unpaid
from shop.checkout.refunds import finish_refunds
from shop.jobs import expire_orders
from shop.payments import CardDeclined, PaymentError

DECLINED_CARD = "4000000000000341"
NO_FUNDS_CARD = "4000000000009995"
PAYING_CARD = "4242424242424242"


def decline(shop, number: str, card: str = DECLINED_CARD) -> None:
    with pytest.raises(CardDeclined):
        shop.pay(number, card)


def test_a_declined_card_then_a_good_one_pays_the_order_with_its_stock_held_throughout(
    app, shop, clock
):
    number = shop.place({"kefir-recipe-book": 3})
    decline(shop, number, NO_FUNDS_CARD)
    assert shop.send_webhooks() == ["declined"]
    assert shop.stock("kefir-recipe-book") == 0
    with app.test_request_context():
        from shop.checkout.links import status_url

        link = status_url(shop.order(number))
    page = shop.customer.get(link).get_data(as_text=True)
    assert "Your card was declined: Your card has insufficient funds." in page
    assert "(4 tries left)" in page
    shop.pay(number)
    assert shop.send_webhooks() == ["paid"]
    order = shop.order(number)
    assert (order.status, order.payment_attempts, order.payment_error) == ("paid", 1, "")
    assert shop.stock("kefir-recipe-book") == 0


def test_the_fifth_declined_card_fails_the_order_releases_its_stock_and_cancels_the_intent(
    app, shop, payments, clock
):
    number = shop.place({"kefir-recipe-book": 3})
    for _ in range(4):
        decline(shop, number)
    assert shop.send_webhooks() == ["declined"] * 4
    assert shop.order(number).status == "pending_payment"
    decline(shop, number)
    assert shop.send_webhooks() == ["payment-failed"]
    order = shop.order(number)
    assert (order.status, order.payment_attempts) == ("payment_failed", 5)
    assert shop.stock("kefir-recipe-book") == 3
    # The shop refuses a sixth card, and the jobs cancel the intent so Stripe refuses it too.
    with pytest.raises(PaymentError, match="not waiting for payment"):
        shop.pay(number)
    with app.app_context():
        expire_orders(clock.now)
    assert payments.intents[order.payment_intent_id].status == "canceled"
    assert shop.send_webhooks() == ["no-change"]


def paid_after_its_stock_was_sold(app, shop, payments, clock) -> tuple[str, dict]:
    """An order that expired, whose stock another customer bought, then paid after all (its
    page was still open, and the jobs had not yet cancelled its intent)."""
    number = shop.place({"kefir-soap-bar": 1, "kefir-recipe-book": 3})
    clock.at += timedelta(minutes=30)
    with app.app_context():
        expire_unpaid(clock.now())
    shop.another_customer().place({"kefir-recipe-book": 3})
    payments.pay_with_test_card(shop.order(number).payment_intent_id, PAYING_CARD)
    [late] = payments.events
    payments.events.clear()
    return number, late


def test_a_payment_for_an_order_whose_stock_is_gone_is_refunded_once_even_when_replayed(
    app, shop, payments, clock, caplog
):
    number, late = paid_after_its_stock_was_sold(app, shop, payments, clock)
    assert shop.post_event(late).get_json()["outcome"] == "refund-pending"
    order = shop.order(number)
    assert (order.status, order.refund_state, order.refund_reason) == (
        "refunded", "pending", "unfulfillable"
    )
    assert f"order {number} was paid after its hold ended and its stock is gone" in caplog.text
    # It takes none of the stock: the soap it could have had stays on sale.
    assert shop.stock("kefir-soap-bar") == 40 and shop.stock("kefir-recipe-book") == 0
    # Stripe replays the event, and sends the same success again under another id.
    assert shop.post_event(late).get_json()["outcome"] == "duplicate"
    again = payments.event("payment_intent.succeeded", order.payment_intent_id)
    assert shop.post_event(again).get_json()["outcome"] == "no-change"
    with app.app_context():
        assert finish_refunds(clock.now(), payments) == 1
        assert finish_refunds(clock.now(), payments) == 0
    assert [event["type"] for event in payments.events] == ["charge.refunded"]
    assert payments.intents[order.payment_intent_id].refund_keys == {f"refund-{number}"}
    assert shop.send_webhooks() == ["no-change"]
    order = shop.order(number)
    assert (order.refund_state, order.refunded_pence) == ("refunded", order.total_pence)
    # The customer is told, on the order's page and by email; staff see it flagged.
    [email] = [e for e in shop.emails() if "refunded" in e.subject]
    assert "they have since sold out" in email.body and "We have refunded £51.47" in email.body
    with app.test_request_context():
        from shop.checkout.links import status_url

        link = status_url(order)
    page = shop.customer.get(link).get_data(as_text=True)
    assert 'data-order-status="refunded"' in page and "since sold out" in page
    assert "We have refunded £51.47" in page
    assert order.needs_attention == "Paid after its stock was gone: refunded automatically"


def test_a_refund_made_outside_the_shop_marks_the_order_refunded_and_tells_the_customer(
    app, shop, payments
):
    number = shop.place({"kefir-soap-bar": 2})
    shop.pay(number)
    shop.send_webhooks()
    payments.refund(shop.order(number).payment_intent_id)  # from Stripe's dashboard
    assert shop.send_webhooks() == ["refunded"]
    order = shop.order(number)
    assert (order.status, order.refund_state, order.refund_reason, order.refunded_pence) == (
        "refunded", "refunded", "outside", 1695
    )
    assert len([e for e in shop.emails() if "refunded" in e.subject]) == 1
    assert shop.stock("kefir-soap-bar") == 38  # the goods may have left: staff decide


def test_a_partial_refund_made_outside_the_shop_is_recorded_and_the_order_stands(
    app, shop, payments
):
    number = shop.place({"kefir-soap-bar": 2})
    shop.pay(number)
    shop.send_webhooks()
    charge = payments.event(
        "charge.refunded", shop.order(number).payment_intent_id, object="charge",
        payment_intent=shop.order(number).payment_intent_id, amount_refunded=500,
    )
    charge["data"]["object"]["id"] = "ch_fake_partial"
    assert shop.post_event(charge).get_json()["outcome"] == "partly-refunded"
    order = shop.order(number)
    assert (order.status, order.refunded_pence, order.refund_state) == ("paid", 500, "")


def dispute_event(payments, intent_id: str, event_type: str, status: str) -> dict:
    event = payments.event(event_type, intent_id)
    event["data"]["object"] = {
        "id": "dp_fake_1", "object": "dispute", "payment_intent": intent_id,
        "amount": 1695, "currency": "gbp", "reason": "fraudulent", "status": status,
    }
    return event


def test_a_dispute_opened_and_closed_by_the_bank_shows_on_the_order(app, shop, payments):
    number = shop.place({"kefir-soap-bar": 2})
    shop.pay(number)
    shop.send_webhooks()
    intent_id = shop.order(number).payment_intent_id
    opened = dispute_event(payments, intent_id, "charge.dispute.created", "needs_response")
    assert shop.post_event(opened).get_json()["outcome"] == "disputed"
    order = shop.order(number)
    assert (order.status, order.dispute_status, order.dispute_reason) == (
        "paid", "needs_response", "fraudulent"
    )
    assert order.needs_attention == "Disputed by the customer's bank (needs response)"
    closed = dispute_event(payments, intent_id, "charge.dispute.closed", "won")
    assert shop.post_event(closed).get_json()["outcome"] == "disputed"
    order = shop.order(number)
    assert order.dispute_status == "won" and order.needs_attention == ""
    with app.app_context():  # the order's history, as staff read it
        assert [(e.actor, e.action, e.changes) for e in history("order", number)] == [
            ("stripe", "order.dispute", {"dispute_status": ["needs_response", "won"]}),
            ("stripe", "order.dispute", {"dispute_status": ["", "needs_response"]}),
        ]
