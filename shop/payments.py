"""Stripe behind a small interface: PaymentIntents in GBP, refunds and signed webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import stripe
from flask import Flask, current_app


class PaymentError(Exception):
    """The payment provider could not do what was asked."""


class CardDeclined(PaymentError):
    """The card was refused; the customer may try another."""


class BadSignature(PaymentError):
    """A webhook whose signature does not verify."""


@dataclass(frozen=True)
class Intent:
    id: str
    client_secret: str


class PaymentGateway(Protocol):
    sandbox: bool
    publishable_key: str

    def create_intent(self, amount_pence: int, order_number: str) -> Intent: ...
    def pay_with_test_card(self, intent_id: str, card_number: str) -> None: ...
    def cancel(self, intent_id: str) -> None: ...
    def refund(self, intent_id: str) -> None: ...
    def verify_event(self, payload: bytes, signature: str) -> dict: ...


class StripeGateway:
    """The official SDK, pointed at Stripe or at the local sandbox by `api_base`."""

    def __init__(
        self,
        secret_key: str,
        publishable_key: str,
        webhook_secret: str,
        api_base: str = "",
        sandbox: bool = False,
    ) -> None:
        options = {"base_addresses": {"api": api_base}} if api_base else {}
        # 10 s a try (the SDK waits 80) and one retry, made safe by idempotency keys: at most
        # 2 × 10 s + 0.5 s, under gunicorn's 30 s (scripts/gunicorn.conf.py).
        http = stripe.RequestsClient(timeout=10)
        self._client = stripe.StripeClient(
            secret_key, max_network_retries=1, http_client=http, **options
        )
        self._webhook_secret = webhook_secret
        self.publishable_key = publishable_key
        # The sandbox's own card form is offered only with test keys away from Stripe itself.
        self.sandbox = (
            sandbox and secret_key.startswith("sk_test_") and "stripe.com" not in api_base
        )

    def create_intent(self, amount_pence: int, order_number: str) -> Intent:
        """Create a GBP PaymentIntent for the order; the key makes a retried call harmless."""
        try:
            intent = self._client.v1.payment_intents.create(
                params={
                    "amount": amount_pence,
                    "currency": "gbp",
                    "payment_method_types": ["card"],
                    "metadata": {"order_number": order_number},
                },
                options={"idempotency_key": f"order-{order_number}-intent"},
            )
        except stripe.StripeError as exc:
            raise PaymentError(str(exc.user_message or exc)) from exc
        return Intent(intent.id, intent.client_secret)

    def pay_with_test_card(self, intent_id: str, card_number: str) -> None:
        """Sandbox only: pay an intent with a test card number typed into the shop's form."""
        if not self.sandbox:
            raise PaymentError("Test cards are accepted only by the sandbox.")
        try:
            method = self._client.v1.payment_methods.create(
                params={
                    "type": "card",
                    "card": {
                        "number": card_number,
                        "exp_month": 12,
                        "exp_year": 2030,
                        "cvc": "123",
                    },
                }
            )
            self._client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
            self._client.v1.payment_intents.confirm(intent_id)
        except stripe.CardError as exc:
            raise CardDeclined(exc.user_message or "Your card was declined.") from exc
        except stripe.StripeError as exc:
            raise PaymentError(str(exc.user_message or exc)) from exc

    def cancel(self, intent_id: str) -> None:
        """Cancel an unpaid intent so that it can no longer be paid."""
        try:
            self._client.v1.payment_intents.cancel(intent_id)
        except stripe.StripeError as exc:
            raise PaymentError(str(exc.user_message or exc)) from exc

    def refund(self, intent_id: str) -> None:
        """Refund a paid intent in full."""
        try:
            self._client.v1.refunds.create(params={"payment_intent": intent_id})
        except stripe.StripeError as exc:
            raise PaymentError(str(exc.user_message or exc)) from exc

    def verify_event(self, payload: bytes, signature: str) -> dict:
        """Check the Stripe-Signature header and return the event as a dict."""
        try:
            event = stripe.Webhook.construct_event(payload, signature, self._webhook_secret)
        except (ValueError, stripe.SignatureVerificationError) as exc:
            raise BadSignature(str(exc)) from exc
        return event.to_dict()


def gateway() -> PaymentGateway:
    """The app's payment gateway."""
    return current_app.extensions["payments"]


def init_app(app: Flask) -> None:
    """Build the gateway once from configuration (tests may pass their own as PAYMENTS)."""
    app.extensions["payments"] = app.config.get("PAYMENTS") or StripeGateway(
        secret_key=app.config["STRIPE_SECRET_KEY"],
        publishable_key=app.config["STRIPE_PUBLISHABLE_KEY"],
        webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"],
        api_base=app.config["STRIPE_API_BASE"],
        sandbox=app.config["STRIPE_SANDBOX"],
    )
