"""Stripe's signed events: an order is paid only by the webhook, and each event counts once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shop.checkout.orders import expire_unpaid
from shop.extensions import db
from shop.models import StripeEvent
from shop.payments import CardDeclined

DECLINED_CARD = "4000000000000341"  # Stripe's test card that is always declined


def stored_events(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StripeEvent))


def test_a_paid_card_makes_the_order_paid_only_when_the_webhook_says_so(app, shop, clock):
    number = shop.place({"live-milk-kefir-grains": 1, "kefir-soap-bar": 2})
    shop.pay(number)
    assert shop.order(number).status == "pending_payment"  # a redirect proves nothing
    assert shop.send_webhooks() == ["paid"]
    order = shop.order(number)
    assert (order.status, order.paid_at) == ("paid", clock.now())
    assert shop.stock("live-milk-kefir-grains") == 34 and shop.stock("kefir-soap-bar") == 38
    assert shop.customer.get("/api/v1/basket").get_json()["items"] == []
    [email] = shop.emails()
    assert (email.to, email.subject) == ("ada@example.com", f"Your Kefir Shop order {number}")
    assert "Total   £28.95" in email.body and email.sent_at is None  # the jobs send it
    assert app.test_cli_runner().invoke(args=["send-emails"]).output == "Sent 1 emails.\n"
    assert len(list((Path(app.instance_path) / "emails").glob("*.eml"))) == 1


def test_a_replayed_or_duplicated_event_changes_nothing(app, shop, payments):
    number = shop.place({"kefir-soap-bar": 1})
    shop.pay(number)
    [succeeded] = payments.events
    assert shop.send_webhooks() == ["paid"]
    for _ in range(2):
        response = shop.post_event(succeeded)
        assert response.status_code == 200 and response.get_json()["outcome"] == "duplicate"
    assert len(shop.emails()) == 1 and stored_events(app) == 1
    assert shop.stock("kefir-soap-bar") == 39


def test_a_declined_card_says_why_and_keeps_the_hold(shop):
    number = shop.place({"kefir-recipe-book": 3})
    assert shop.stock("kefir-recipe-book") == 0
    with pytest.raises(CardDeclined, match="Your card was declined."):
        shop.pay(number, DECLINED_CARD)
    assert shop.send_webhooks() == ["declined"]
    order = shop.order(number)
    assert (order.status, order.payment_attempts) == ("pending_payment", 1)
    assert shop.stock("kefir-recipe-book") == 0 and shop.emails() == []


def test_a_failure_arriving_after_the_success_changes_nothing(shop, payments):
    number = shop.place({"kefir-soap-bar": 1})
    shop.pay(number)
    shop.send_webhooks()
    late = payments.event("payment_intent.payment_failed", shop.order(number).payment_intent_id)
    assert shop.post_event(late).get_json()["outcome"] == "no-change"
    assert shop.order(number).status == "paid" and shop.stock("kefir-soap-bar") == 39


def test_an_event_without_a_good_signature_is_a_400_and_changes_nothing(app, shop, payments):
    number = shop.place({"kefir-soap-bar": 1})
    forged = payments.event("payment_intent.succeeded", shop.order(number).payment_intent_id)
    response = shop.post_event(forged, secret="whsec_not_ours")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    payload, signature = payments.signed(forged)
    tampered = payload.replace(b'"gbp"', b'"usd"')
    for body, headers in [(tampered, {"Stripe-Signature": signature}), (payload, {})]:
        assert shop.stripe.post("/stripe/webhook", data=body, headers=headers).status_code == 400
    assert shop.order(number).status == "pending_payment" and stored_events(app) == 0


def test_a_payment_that_disagrees_with_the_order_is_refused_logged_and_not_stored(
    app, shop, payments, caplog
):
    number = shop.place({"kefir-soap-bar": 1})
    order = shop.order(number)
    for wrong in [{"amount": order.total_pence - 1}, {"currency": "usd"}]:
        event = payments.event("payment_intent.succeeded", order.payment_intent_id, **wrong)
        response = shop.post_event(event)
        assert response.status_code == 400
        assert response.get_json()["detail"] == "The amount or currency does not match the order."
    assert "refused payment_intent.succeeded for KS-000001" in caplog.text
    assert shop.order(number).status == "pending_payment" and stored_events(app) == 0


def test_a_success_after_expiry_takes_the_stock_again_and_pays_the_order(
    app, shop, payments, clock
):
    number = shop.place({"kefir-recipe-book": 2})
    clock.at += timedelta(minutes=30)
    with app.app_context():
        expire_unpaid(clock.now())
    assert shop.stock("kefir-recipe-book") == 3
    late = payments.event(
        "payment_intent.succeeded", shop.order(number).payment_intent_id, status="succeeded"
    )
    assert shop.post_event(late).get_json()["outcome"] == "paid"
    assert shop.order(number).status == "paid" and shop.stock("kefir-recipe-book") == 1


def test_events_the_shop_does_not_act_on_are_acknowledged_once(app, shop, payments):
    number = shop.place({"kefir-soap-bar": 1})
    event = payments.event("payment_intent.created", shop.order(number).payment_intent_id)
    assert shop.post_event(event).get_json()["outcome"] == "ignored"
    assert shop.post_event(event).get_json()["outcome"] == "duplicate"
    stranger = {
        "id": "evt_stranger",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_nobody", "amount": 100, "currency": "gbp"}},
    }
    assert shop.post_event(stranger).get_json()["outcome"] == "unknown-order"
    assert stored_events(app) == 2 and shop.order(number).status == "pending_payment"
