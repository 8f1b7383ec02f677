"""The account calls of the JSON API (SPEC §2): sign up, sessions, orders, export, deletion.

The caller is the customer of the session cookie, as the basket is the cookie's; like the
rest of the API, writes must be `application/json`, which another site's form cannot send.
"""

from __future__ import annotations

from flask import current_app
from pydantic import ValidationError

from shop.accounts import api_bp as bp
from shop.accounts import limits, service
from shop.accounts.schemas import (
    Account,
    AccountExport,
    AccountOrders,
    PasswordConfirmation,
    SignIn,
    SignUp,
)
from shop.accounts.service import AccountProblem
from shop.accounts.session import current_customer, end_session
from shop.accounts.views import buy_again_into_basket, signed_in, signed_out
from shop.api.schemas import Basket, Order
from shop.api.spec import json_object, operation
from shop.basket.cookie import current_priced_basket
from shop.domain.fields import describe, field_errors
from shop.errors import Problem
from shop.web import now


class RateLimited(Problem):
    """429 with Retry-After: when the sign-in may be tried again."""

    def __init__(self, seconds: int) -> None:
        super().__init__(429, "Too many attempts to sign in. Please wait, or reset your "
                              "password.", title="Too Many Requests")
        self.seconds = seconds

    def get_headers(self, environ=None, scope=None) -> list[tuple[str, str]]:
        return [*super().get_headers(environ, scope), ("Retry-After", str(self.seconds))]


def _problem(exc: AccountProblem) -> Problem:
    extra = {"errors": {exc.field: exc.detail}} if exc.status == 422 and exc.field else None
    return Problem(exc.status, exc.detail, extra=extra)


def _customer():
    customer = current_customer()
    if customer is None:
        raise Problem(401, "Sign in first (POST /api/v1/session).")
    return customer


def _delete_body() -> PasswordConfirmation:
    """spectree reads no body on DELETE: the same gates and checks, by hand."""
    try:
        return PasswordConfirmation.model_validate(json_object())
    except ValidationError as exc:
        errors = field_errors(exc)
        raise Problem(422, describe(errors), extra={"errors": errors}) from None


@bp.post("/account")
@operation("createAccount", 201, Account, (400, 409, 415, 422))
def create_account(json: SignUp):
    """Open an account and sign in; a link to verify the email is sent. 409 if it exists."""
    try:
        customer = service.sign_up(json.email, json.password, json.name, now())
    except AccountProblem as exc:
        raise _problem(exc) from None
    signed_in(customer)
    return Account.of(customer), 201


@bp.post("/session")
@operation("signIn", 200, Account, (400, 401, 415, 422))
def sign_in(json: SignIn):
    """Sign in (the session cookie); the guest basket joins the account's."""
    wait = limits.retry_after(json.email)
    if wait is not None:
        raise RateLimited(wait)
    customer = service.authenticate(json.email, json.password, now())
    if customer is None:
        limits.count_failure(json.email)
        raise Problem(401, "That email and password do not match an account.")
    signed_in(customer)
    return Account.of(customer)


@bp.delete("/session")
@operation("signOut", 204, None)
def sign_out():
    """Sign out: every session of the account ends."""
    return signed_out(current_app.response_class(status=204))


@bp.get("/account")
@operation("getAccount", 200, Account, (401,))
def account():
    """The signed-in customer's account; 401 when signed out."""
    return Account.of(_customer())


@bp.get("/account/orders")
@operation("listAccountOrders", 200, AccountOrders, (401,))
def account_orders():
    """The account's orders, newest first."""
    return AccountOrders(items=[Order.of(order) for order in service.orders_of(_customer())])


@bp.post("/account/orders/<number>/reorder")
@operation("reorder", 200, Basket, (401, 404))
def reorder(number: str):
    """Buy again: the order's still-available products go in the basket at today's prices,
    each within stock and 99."""
    _customer()
    try:
        result = buy_again_into_basket(number)
    except AccountProblem as exc:
        raise _problem(exc) from None
    return Basket.of(result.change.priced if result.change else current_priced_basket())


@bp.get("/account/export")
@operation("exportAccount", 200, AccountExport, (401,))
def export():
    """Every stored fact about the customer, as JSON."""
    return AccountExport(**service.export(_customer()))


@bp.delete("/account")
@operation("deleteAccount", 204, None, (400, 401, 415, 422))
def delete_account(json: PasswordConfirmation):
    """Delete the account, given its password; its orders are kept, detached from it."""
    json = json or _delete_body()
    try:
        service.delete_account(_customer(), json.password, now())
    except AccountProblem as exc:
        raise _problem(exc) from None
    end_session()
    return current_app.response_class(status=204)

