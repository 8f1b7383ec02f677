"""The account API's typed shapes (SPEC §2), declared once for the checks and the document."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, Field

from shop.accounts.models import Customer
from shop.api.schemas import Order
from shop.domain.accounts import MAX_PASSWORD_LENGTH
from shop.domain.fields import Input, Timestamp, text

Password = Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH,
                                description="Kept exactly as typed (spaces count).")]


class SignUp(Input):
    """Open an account: at least 10 characters, not one of the 10,000 most common passwords."""

    email: text(254, required=True)
    password: Password
    name: text(100, required=True)


class SignIn(Input):
    email: text(254, required=True)
    password: Password


class PasswordConfirmation(Input):
    password: Password


class Account(BaseModel):
    """A customer's account."""

    email: str
    name: str
    email_verified: bool
    created_at: Timestamp

    @classmethod
    def of(cls, customer: Customer) -> Self:
        return cls(email=customer.email, name=customer.name,
                   email_verified=customer.email_verified, created_at=customer.created_at)


class AccountOrders(BaseModel):
    """The account's orders, newest first."""

    items: list[Order]


class AccountExport(BaseModel):
    """Every stored fact about the customer (UK GDPR's right of access)."""

    account: dict[str, Any]
    addresses: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    support_conversations: list[dict[str, Any]]
    emails_sent: list[dict[str, Any]]
