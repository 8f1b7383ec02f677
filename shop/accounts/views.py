"""The /account/ pages: forms that work without JavaScript, each with its CSRF token."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for

from shop.accounts import bp, limits, service
from shop.accounts.service import AccountProblem
from shop.accounts.session import (
    current_customer,
    customer_required,
    end_session,
    start_session,
)
from shop.basket.cookie import COOKIE as BASKET_COOKIE
from shop.basket.cookie import current_basket, forget_basket, remember_basket
from shop.basket.service import LineChange, price_basket
from shop.domain.redirects import local_path
from shop.extensions import limiter
from shop.web import delivery_rule, now

MAX_FIELD = 1024


def _form(*names: str) -> dict[str, str]:
    return {name: request.form.get(name, "")[:MAX_FIELD] for name in names}


def _page(template: str, status: int = 200, **context):
    return render_template(f"account/{template}.html", **context), status, {
        "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _done(message: str, endpoint: str) -> Response:
    """Say what was done and go on to `endpoint`'s page (303: reloading it posts nothing)."""
    flash(message, "success")
    return redirect(url_for(endpoint), 303)


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so signing in cannot bounce anyone elsewhere."""
    return local_path(target) or url_for("accounts.index")


def use_basket(basket) -> None:
    """Make `basket` this browser's (the cookie goes out with the response)."""
    if basket is not None:
        remember_basket(LineChange(basket, basket.token, "", "", 0,
                                   price_basket(basket, delivery_rule())))


def signed_in(customer) -> None:
    """Start the session and carry the guest basket into the account's."""
    start_session(customer)
    use_basket(service.basket_on_sign_in(customer, current_basket(), now()))


# --- Signing up, in and out ------------------------------------------------------------------


@bp.route("/sign-up", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def sign_up():
    """Open an account: email, name and a password; a link to verify the email follows."""
    form = _form("email", "name", "password")
    if request.method == "GET":
        return _page("sign_up", form=form, errors={})
    try:
        customer = service.sign_up(form["email"], form["password"], form["name"], now())
    except AccountProblem as exc:
        form["password"] = ""
        return _page("sign_up", 409 if exc.status == 409 else 422, form=form,
                     errors={exc.field or "email": exc.detail})
    signed_in(customer)
    flash(f"Welcome, {customer.name}! We have emailed a link to {customer.email}: "
          "please follow it to confirm your address.", "success")
    return redirect(_safe_next(request.args.get("next")), 303)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Sign in; wrong attempts count towards limits per account and address."""
    if request.method == "GET":
        if current_customer() is not None:
            return redirect(_safe_next(request.args.get("next")), 303)
        return _page("sign_in", form={"email": ""}, error=None)
    form = _form("email", "password")
    wait = limits.retry_after(form["email"])
    if wait is not None:
        minutes = max(1, (wait + 59) // 60)
        error = (f"Too many attempts to sign in. Please wait {minutes} minute"
                 f"{'s' if minutes != 1 else ''}, or reset your password.")
        return _page("sign_in", 429, form={"email": form["email"]}, error=error)
    customer = service.authenticate(form["email"], form["password"], now())
    if customer is None:
        limits.count_failure(form["email"])
        return _page("sign_in", 401, form={"email": form["email"]},
                     error="That email and password do not match an account.")
    signed_in(customer)
    return redirect(_safe_next(request.args.get("next")), 303)


def signed_out(response: Response) -> Response:
    """End every session of the account; this browser forgets the basket, which stays with
    the account (a shared computer shows the next person nothing)."""
    customer = current_customer()
    if customer is not None:
        service.keep_basket(customer, current_basket())
        service.end_all_sessions(customer)
    end_session()
    return forget_basket(response)


@bp.post("/sign-out")
def sign_out():
    """Sign out, everywhere."""
    flash("You are signed out.", "success")
    return signed_out(redirect(url_for("catalogue.index"), 303))


@bp.get("/verify/<token>")
def verify(token: str):
    """Follow the emailed link that confirms an address."""
    try:
        customer = service.verify_email(token, now())
    except AccountProblem as exc:
        return _page("message", 409, heading="We could not change your email", text=exc.detail)
    if customer is None:
        return _page("message", 404, heading="That link has expired",
                     text="That link has expired or was used already. Sign in and ask for a "
                          "new one from your account page.")
    return _done(f"Thank you: {customer.email} is confirmed.", "accounts.index")


@bp.post("/verify")
@customer_required
@limiter.limit("5 per hour")
def resend_verification():
    service.resend_verification(current_customer(), now())
    return _done(f"We have sent a new link to {current_customer().email}.", "accounts.index")


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def reset_request():
    """Ask for a password reset link; the answer never tells whether an account exists."""
    form = _form("email")
    if request.method == "POST":
        service.request_password_reset(form["email"], now())
        return _page("message", heading="Check your email",
                     text=f"If {form['email'][:254]} has an account with us, we have emailed "
                          "it a link to choose a new password. The link works once, for one hour.")
    return _page("reset_request", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password through an emailed link (single use, one hour)."""
    at = now()
    if request.method == "GET":
        if not service.reset_link_is_live(token, at):
            return _expired_reset()
        return _page("reset", token=token, error=None)
    try:
        customer = service.reset_password(token, request.form.get("password", "")[:MAX_FIELD], at)
    except AccountProblem as exc:
        if exc.status == 404:
            return _expired_reset()
        return _page("reset", 422, token=token, error=exc.detail)
    signed_in(customer)
    flash("Your password is changed, and you are signed in. Every other session has ended.",
          "success")
    return redirect(url_for("accounts.index"), 303)


def _expired_reset():
    return _page("message", 404, heading="That link has expired",
                 text="Password reset links work once, for one hour.",
                 link=(url_for("accounts.reset_request"), "Ask for a new link"))


def buy_again_into_basket(number: str) -> service.Reorder:
    """"Buy again" into this browser's basket, which stays the account's."""
    customer = current_customer()
    result = service.buy_again(customer, number, current_basket(), now(), delivery_rule())
    if result.change is not None:
        remember_basket(result.change)
        service.keep_basket(customer, result.change.basket)
    return result


# --- Orders ----------------------------------------------------------------------------------


@bp.get("/")
@customer_required
def index():
    """The account's home: its orders, newest first."""
    customer = current_customer()
    return _page("index", customer=customer, orders=service.orders_of(customer),
                 conversations=service.conversations_of(customer))


@bp.get("/orders/<number>")
@customer_required
def order(number: str):
    found = service.order_of(current_customer(), number)
    if found is None:
        abort(404, "You have no order with that number.")
    return _page("order", customer=current_customer(), order=found)


@bp.post("/orders/<number>/buy-again")
@customer_required
def buy_again(number: str):
    """Put the order's still-available products in the basket at today's prices."""
    try:
        result = buy_again_into_basket(number)
    except AccountProblem as exc:
        abort(exc.status, exc.detail)
    if result.added:
        flash("Added to your basket at today's prices: "
              + ", ".join(f"{quantity} × {name}" for name, quantity in result.added) + ".",
              "success")
    if result.gone:
        flash("No longer available: " + ", ".join(result.gone) + ".", "error")
    if result.capped:
        flash("Fewer than you ordered, because of our stock or the 99 limit: "
              + ", ".join(result.capped) + ".", "error")
    return redirect(url_for("basket.index"), 303)


# --- Addresses -------------------------------------------------------------------------------

ADDRESS_FORM = service.ADDRESS_FIELDS


@bp.route("/addresses", methods=["GET", "POST"])
@customer_required
def addresses():
    """The saved addresses, and a form to add one."""
    customer = current_customer()
    form, errors = _form(*ADDRESS_FORM), {}
    if request.method == "POST":
        values, errors = service.check_address(customer, form)
        if not errors:
            try:
                service.save_address(customer, values, now(),
                                     default=request.form.get("default") == "1")
            except AccountProblem as exc:
                errors = {"line1": exc.detail}
            else:
                return _done("Address saved.", "accounts.addresses")
    else:
        form["name"] = customer.name
    return _page("addresses", 422 if errors else 200, customer=customer, form=form,
                 errors=errors)


def _address_or_404(address_id: int):
    address = service.address_of(current_customer(), address_id)
    if address is None:
        abort(404, "You have no saved address with that number.")
    return address


@bp.route("/addresses/<int:address_id>", methods=["GET", "POST"])
@customer_required
def edit_address(address_id: int):
    address = _address_or_404(address_id)
    form = {name: getattr(address, name) for name in ADDRESS_FORM}
    errors = {}
    if request.method == "POST":
        form = _form(*ADDRESS_FORM)
        values, errors = service.check_address(current_customer(), form)
        if not errors:
            service.save_address(current_customer(), values, now(), address)
            return _done("Address saved.", "accounts.addresses")
    return _page("address", 422 if errors else 200, address=address, form=form, errors=errors)


@bp.post("/addresses/<int:address_id>/default")
@customer_required
def default_address(address_id: int):
    service.make_default(current_customer(), _address_or_404(address_id))
    return _done("Default address changed.", "accounts.addresses")


@bp.post("/addresses/<int:address_id>/delete")
@customer_required
def delete_address(address_id: int):
    service.delete_address(current_customer(), _address_or_404(address_id))
    return _done("Address deleted.", "accounts.addresses")


# --- Details, data and deletion --------------------------------------------------------------


def _details(status: int = 200, errors: dict | None = None, form: dict | None = None):
    return _page("details", status, customer=current_customer(), errors=errors or {},
                 form=form or {})


@bp.get("/details")
@customer_required
def details():
    """Name, email and password."""
    return _details()


@bp.post("/details/name")
@customer_required
def change_name():
    try:
        service.rename(current_customer(), _form("name")["name"])
    except AccountProblem as exc:
        return _details(422, {"name": exc.detail})
    return _done("Your name is changed.", "accounts.details")


@bp.post("/details/email")
@customer_required
def change_email():
    form = _form("new_email", "new_password")
    try:
        email = service.change_email(current_customer(), form["new_password"], form["new_email"],
                                     now())
    except AccountProblem as exc:
        return _details(exc.status, {"new_" + (exc.field or "email"): exc.detail},
                        {"new_email": form["new_email"]})
    flash(f"We have emailed a link to {email}: your email changes when you follow it.",
          "success")
    return redirect(url_for("accounts.details"), 303)


@bp.post("/details/password")
@customer_required
def change_password():
    form = _form("current_password", "password")
    customer = current_customer()
    try:
        service.change_password(customer, form["current_password"], form["password"], now())
    except AccountProblem as exc:
        return _details(422, {exc.field or "password": exc.detail})
    start_session(customer)  # this browser carries on; every other session has ended
    return _done("Your password is changed. You are signed out everywhere else.",
                 "accounts.details")


@bp.get("/data.json")
@customer_required
def download_data():
    """Everything the shop stores about the customer, as a JSON file."""
    body = json.dumps(service.export(current_customer()), indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="kefir-shop-my-data.json"',
        "Cache-Control": "no-store"})


@bp.route("/delete", methods=["GET", "POST"])
@customer_required
def delete():
    """Delete the account, once the password confirms it; orders stay, detached."""
    if request.method == "GET":
        return _page("delete", error=None)
    customer = current_customer()
    try:
        service.delete_account(customer, request.form.get("password", "")[:MAX_FIELD], now())
    except AccountProblem as exc:
        return _page("delete", 422, error=exc.detail)
    end_session()
    flash("Your account is deleted. Your orders are kept, as the law asks, but no longer "
          "linked to an account.", "success")
    response = redirect(url_for("catalogue.index"), 303)
    response.delete_cookie(BASKET_COOKIE)
    return response
