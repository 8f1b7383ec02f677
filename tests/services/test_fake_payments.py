"""The fake gateway answers as Stripe does where the shop relies on it."""

from __future__ import annotations

import pytest

from shop.payments import BadSignature, CardDeclined, FakePaymentGateway, PaymentError


def test_one_order_number_opens_one_intent(payments: FakePaymentGateway):
    first = payments.create_intent(1695, "KS-000001")
    assert payments.create_intent(1695, "KS-000001") == first
    assert payments.create_intent(650, "KS-000002").id != first.id


def test_a_declined_card_leaves_the_intent_open_for_another_card(payments: FakePaymentGateway):
    intent = payments.create_intent(1695, "KS-000001")
    with pytest.raises(CardDeclined, match="insufficient funds"):
        payments.pay_with_test_card(intent.id, "4000000000009995")
    payments.pay_with_test_card(intent.id, "4242424242424242")
    assert payments.intents[intent.id].status == "succeeded"
    assert [event["type"] for event in payments.events] == [
        "payment_intent.payment_failed", "payment_intent.succeeded"
    ]


def test_a_paid_intent_cannot_be_cancelled_nor_a_cancelled_one_paid(
    payments: FakePaymentGateway,
):
    paid, unpaid = (payments.create_intent(100, number) for number in ("KS-1", "KS-2"))
    payments.pay_with_test_card(paid.id, "4242424242424242")
    with pytest.raises(PaymentError, match="status of succeeded"):
        payments.cancel(paid.id)
    payments.cancel(unpaid.id)
    with pytest.raises(PaymentError, match="status of canceled"):
        payments.pay_with_test_card(unpaid.id, "4242424242424242")


def test_a_refund_is_made_once_and_a_retry_with_its_key_is_harmless(
    payments: FakePaymentGateway,
):
    intent = payments.create_intent(1695, "KS-000001")
    with pytest.raises(PaymentError, match="no successful charge"):
        payments.refund(intent.id, idempotency_key="refund-KS-000001")
    payments.pay_with_test_card(intent.id, "4242424242424242")
    payments.refund(intent.id, idempotency_key="refund-KS-000001")
    payments.refund(intent.id, idempotency_key="refund-KS-000001")
    with pytest.raises(PaymentError, match="already been refunded"):
        payments.refund(intent.id, idempotency_key="another-key")
    assert [e["type"] for e in payments.events].count("charge.refunded") == 1


def test_only_events_signed_with_the_webhook_secret_verify(payments: FakePaymentGateway):
    event = payments.event("payment_intent.succeeded", payments.create_intent(100, "KS-1").id)
    assert payments.verify_event(*payments.signed(event)) == event
    with pytest.raises(BadSignature):
        payments.verify_event(*payments.signed(event, secret="whsec_other"))


def test_an_unreachable_stripe_refuses_every_call(payments: FakePaymentGateway):
    intent = payments.create_intent(100, "KS-1")
    payments.unreachable = True
    for call in (lambda: payments.create_intent(100, "KS-2"), lambda: payments.cancel(intent.id),
                 lambda: payments.pay_with_test_card(intent.id, "4242424242424242")):
        with pytest.raises(PaymentError, match="Could not connect"):
            call()
