"""Stripe behind a small interface: PaymentIntents in GBP, refunds and signed webhooks.

StripeGateway is the real one (Stripe, or the localstripe sandbox); FakePaymentGateway keeps
intents in memory for the fast tests and is passed in through the PAYMENTS setting.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
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
    def refund(self, intent_id: str, idempotency_key: str | None = None) -> None: ...
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
            intent = self._client.v1.payment_intents.update(
                intent_id, params={"payment_method": method.id}
            )
            if intent.status == "requires_payment_method" and getattr(
                intent, "last_payment_error", None
            ):
                # Stripe takes another card after a decline; localstripe cannot (its confirm
                # refuses an intent whose last charge failed), so say so plainly.
                raise PaymentError(
                    "The Stripe sandbox cannot take a second card after a decline (Stripe "
                    "itself can). Go back to your basket and check out again to try another."
                )
            self._client.v1.payment_intents.confirm(intent_id)
        except stripe.CardError as exc:
            raise CardDeclined(exc.user_message or "Your card was declined.") from exc
        except stripe.StripeError as exc:
            raise PaymentError(str(exc.user_message or exc)) from exc

    def cancel(self, intent_id: str) -> None:
        """Cancel an unpaid intent so that it can no longer be paid; cancelled already is done."""
        try:
            self._client.v1.payment_intents.cancel(intent_id)
        except stripe.InvalidRequestError as exc:
            try:  # a retried cancel finds its own work done
                status = self._client.v1.payment_intents.retrieve(intent_id).status
            except stripe.StripeError:
                status = ""
            if status != "canceled":
                raise PaymentError(str(exc.user_message or exc)) from exc
        except stripe.StripeError as exc:
            raise PaymentError(str(exc.user_message or exc)) from exc

    def refund(self, intent_id: str, idempotency_key: str | None = None) -> None:
        """Refund a paid intent in full; a retry with the same key refunds nothing more."""
        options = {"idempotency_key": idempotency_key} if idempotency_key else {}
        try:
            self._client.v1.refunds.create(params={"payment_intent": intent_id}, options=options)
        except stripe.StripeError as exc:
            raise PaymentError(str(exc.user_message or exc)) from exc

    def verify_event(self, payload: bytes, signature: str) -> dict:
        """Check the Stripe-Signature header and return the event as a dict."""
        return _verified_event(payload, signature, self._webhook_secret)


def _verified_event(payload: bytes, signature: str, secret: str) -> dict:
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadSignature(str(exc)) from exc
    return event.to_dict()


@dataclass
class FakeIntent:
    """A PaymentIntent as FakePaymentGateway keeps it, with Stripe's status names."""

    id: str
    amount_pence: int
    order_number: str
    status: str = "requires_payment_method"
    refunded: bool = False
    #: The idempotency keys of the refund made for it (a retry with one of them is no refund).
    refund_keys: set[str] = field(default_factory=set)

    def as_stripe(self) -> dict:
        """The intent as a webhook event's `data.object`."""
        return {
            "id": self.id,
            "object": "payment_intent",
            "amount": self.amount_pence,
            "currency": "gbp",
            "status": self.status,
            "metadata": {"order_number": self.order_number},
        }


class FakePaymentGateway:
    """Stripe in memory, for tests that must run in milliseconds.

    It answers as Stripe and localstripe do where the shop relies on it: one intent per order
    number (the same idempotency key), test cards that pay or are declined, cancels, full
    refunds made once per idempotency key, and the webhook events each of those would send,
    signed with `webhook_secret` and checked by the SDK's own verification. Set `unreachable`
    to have every call fail as if Stripe were down.
    """

    #: Stripe's declining test cards and what the customer is told.
    DECLINED_CARDS = {
        "4000000000000002": "Your card was declined.",
        "4000000000000341": "Your card was declined.",
        "4000000000009995": "Your card has insufficient funds.",
    }

    def __init__(
        self,
        webhook_secret: str = "whsec_fake",
        *,
        sandbox: bool = True,
        publishable_key: str = "pk_test_fake",
    ) -> None:
        self.webhook_secret = webhook_secret
        self.sandbox = sandbox
        self.publishable_key = publishable_key
        self.unreachable = False
        self.intents: dict[str, FakeIntent] = {}
        #: The events Stripe would have sent, oldest first; a test delivers them (see `signed`).
        self.events: list[dict] = []
        self._ids = itertools.count(1)

    def create_intent(self, amount_pence: int, order_number: str) -> Intent:
        """Open an intent for the order, or hand back the one already opened for it."""
        self._reach()
        intent = next((i for i in self.intents.values() if i.order_number == order_number), None)
        if intent is None:
            intent = FakeIntent(f"pi_fake_{next(self._ids)}", amount_pence, order_number)
            self.intents[intent.id] = intent
        return Intent(intent.id, f"{intent.id}_secret_fake")

    def pay_with_test_card(self, intent_id: str, card_number: str) -> None:
        """Pay with a test card: a declining one raises CardDeclined, any other pays."""
        self._reach()
        if not self.sandbox:
            raise PaymentError("Test cards are accepted only by the sandbox.")
        intent = self._intent(intent_id)
        if intent.status != "requires_payment_method":
            raise PaymentError(
                f"You cannot confirm this PaymentIntent because it has a status of "
                f"{intent.status}."
            )
        if card_number in self.DECLINED_CARDS:
            message = self.DECLINED_CARDS[card_number]
            self._send(
                "payment_intent.payment_failed",
                {**intent.as_stripe(), "last_payment_error": {"code": "card_declined",
                                                              "message": message}},
            )
            raise CardDeclined(message)
        intent.status = "succeeded"
        self._send("payment_intent.succeeded", intent.as_stripe())

    def cancel(self, intent_id: str) -> None:
        """Cancel an unpaid intent; a paid one cannot be, a cancelled one stays so."""
        self._reach()
        intent = self._intent(intent_id)
        if intent.status == "canceled":
            return
        if intent.status == "succeeded":
            raise PaymentError(
                f"You cannot cancel this PaymentIntent because it has a status of "
                f"{intent.status}."
            )
        intent.status = "canceled"
        self._send("payment_intent.canceled", intent.as_stripe())

    def refund(self, intent_id: str, idempotency_key: str | None = None) -> None:
        """Refund a paid intent in full, once; a retry with the same key changes nothing."""
        self._reach()
        intent = self._intent(intent_id)
        if idempotency_key and idempotency_key in intent.refund_keys:
            return
        if intent.status != "succeeded":
            raise PaymentError("This PaymentIntent has no successful charge to refund.")
        if intent.refunded:
            raise PaymentError("This charge has already been refunded.")
        intent.refunded = True
        if idempotency_key:
            intent.refund_keys.add(idempotency_key)
        self._send(
            "charge.refunded",
            {
                "id": f"ch_fake_{intent.id}",
                "object": "charge",
                "payment_intent": intent.id,
                "amount": intent.amount_pence,
                "amount_refunded": intent.amount_pence,
                "currency": "gbp",
                "refunded": True,
            },
        )

    def verify_event(self, payload: bytes, signature: str) -> dict:
        """Check the Stripe-Signature header as StripeGateway does."""
        return _verified_event(payload, signature, self.webhook_secret)

    def event(self, event_type: str, intent_id: str, **changes: object) -> dict:
        """A new event about the intent as it stands, with `changes` to its fields: for the
        events a test needs that no call here would send (a late success, a wrong amount)."""
        return self._event(event_type, {**self._intent(intent_id).as_stripe(), **changes})

    def signed(self, event: dict, secret: str | None = None) -> tuple[bytes, str]:
        """The event's body and its Stripe-Signature header, signed as Stripe signs."""
        payload = json.dumps(event).encode()
        timestamp = int(time.time())  # the SDK checks it against the real time
        digest = hmac.new(
            (secret or self.webhook_secret).encode(), b"%d.%s" % (timestamp, payload),
            hashlib.sha256,
        ).hexdigest()
        return payload, f"t={timestamp},v1={digest}"

    def _send(self, event_type: str, obj: dict) -> None:
        self.events.append(self._event(event_type, obj))

    def _event(self, event_type: str, obj: dict) -> dict:
        return {
            "id": f"evt_fake_{next(self._ids)}",
            "object": "event",
            "type": event_type,
            "data": {"object": obj},
        }

    def _intent(self, intent_id: str) -> FakeIntent:
        if intent_id not in self.intents:
            raise PaymentError(f"No such payment_intent: '{intent_id}'")
        return self.intents[intent_id]

    def _reach(self) -> None:
        if self.unreachable:
            raise PaymentError("Could not connect to Stripe.")


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
