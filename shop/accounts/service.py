"""Customer accounts: sign-up, emailed single-use links, sessions, orders, baskets, addresses,
the customer's data and deleting it. Each function commits its own change."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import url_for
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shop.accounts.models import Customer, CustomerAddress, CustomerOrder, CustomerToken
from shop.accounts.passwords import hash_password, needs_rehash, verify_password, weak_password
from shop.basket.service import LIFETIME as BASKET_LIFETIME
from shop.basket.service import LineChange, add_item
from shop.domain.accounts import merged_quantities, reorder_quantities
from shop.domain.basket import BasketError
from shop.domain.customer import validate_customer
from shop.domain.delivery import DeliveryRule
from shop.extensions import db
from shop.mail import queue_email, render_email
from shop.models import Basket, BasketLine, Order, OutboxEmail, Product
from shop.transaction import transaction

VERIFY_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
MAX_ADDRESSES = 20
_NAME = re.compile(r"^[^<>\u0000-\u001f\u007f]{1,100}$")


class AccountProblem(Exception):
    """A request about an account that cannot be done: an HTTP status, a sentence for people,
    and the form field it concerns."""

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field


# --- Reading and checking --------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """The address in lower case, checked for shape (no DNS lookups), or a 422 problem."""
    try:
        valid = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise AccountProblem(422, "Please enter a valid email address.", "email") from None
    if len(valid.normalized) > 254:
        raise AccountProblem(422, "That email address is too long.", "email")
    return valid.normalized.lower()


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not _NAME.match(name):
        raise AccountProblem(422, "Please enter your name (up to 100 characters).", "name")
    return name


def check_new_password(password: str, email: str) -> None:
    problem = weak_password(password, email)
    if problem:
        raise AccountProblem(422, problem, "password")


def customer_by_email(email: str) -> Customer | None:
    return db.session.scalar(select(Customer).where(Customer.email == email.strip().lower()))


def _email_taken(email: str, besides: int | None = None) -> bool:
    query = select(Customer.id).where(Customer.email == email)
    if besides is not None:
        query = query.where(Customer.id != besides)
    return db.session.scalar(query) is not None


# --- Emailed links ---------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_token(customer: Customer, purpose: str, email: str, now: datetime,
                 lifetime: timedelta) -> str:
    """A new single-use link token (in the caller's transaction); only its hash is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(CustomerToken(customer_id=customer.id, purpose=purpose, email=email,
                                 token_hash=_digest(token), created_at=now,
                                 expires_at=now + lifetime))
    return token


def _live_token(token: str, purpose: str, now: datetime) -> CustomerToken | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(CustomerToken).where(
        CustomerToken.token_hash == _digest(token), CustomerToken.purpose == purpose,
        CustomerToken.used_at.is_(None), CustomerToken.expires_at > now))


def _use_token(token: str, purpose: str, now: datetime) -> CustomerToken | None:
    """Spend a link: one UPDATE marks it used only if unused and unexpired, so two clicks at
    once cannot both succeed."""
    found = _live_token(token, purpose, now)
    if found is None:
        return None
    spent = db.session.execute(
        update(CustomerToken)
        .where(CustomerToken.id == found.id, CustomerToken.used_at.is_(None))
        .values(used_at=now)
    )
    return found if spent.rowcount == 1 else None


def _send(to: str, template: str, subject: str, **context) -> OutboxEmail:
    return queue_email(to, subject, render_email(template, **context))


def _send_verification(customer: Customer, email: str, now: datetime) -> None:
    token = _issue_token(customer, "verify", email, now, VERIFY_LIFETIME)
    _send(email, "account_verify", "Please confirm your Kefir Shop email address",
          customer=customer, link=url_for("accounts.verify", token=token, _external=True),
          days=VERIFY_LIFETIME.days)


# --- Signing up, in and out ------------------------------------------------------------------


def sign_up(email: str, password: str, name: str, now: datetime) -> Customer:
    """Open an account and email the link that verifies its address; 409 if it exists."""
    email = normalise_email(email)
    name = clean_name(name)
    check_new_password(password, email)
    if _email_taken(email):
        raise AccountProblem(409, "An account with that email already exists. Please sign in.",
                             "email")
    try:
        with transaction():
            customer = Customer(email=email, name=name, password_hash=hash_password(password),
                                created_at=now, last_sign_in_at=now)
            db.session.add(customer)
            db.session.flush()  # the unique index settles two sign-ups at once
            _send_verification(customer, email, now)
    except IntegrityError:
        raise AccountProblem(409, "An account with that email already exists. Please sign in.",
                             "email") from None
    return customer


def resend_verification(customer: Customer, now: datetime) -> None:
    if customer.email_verified:
        return
    with transaction():
        _send_verification(customer, customer.email, now)


def authenticate(email: str, password: str, now: datetime) -> Customer | None:
    """The customer with this email and password, or None (as slow either way)."""
    customer = customer_by_email(email[:254]) if email else None
    if not verify_password(customer.password_hash if customer else None, password):
        return None
    with transaction():
        if needs_rehash(customer.password_hash):
            customer.password_hash = hash_password(password)
        customer.last_sign_in_at = now
        if customer.email_verified:  # guest orders placed with the email since join it too
            attach_guest_orders(customer, now)
    return customer


def end_all_sessions(customer: Customer) -> None:
    """Sign the account out everywhere: every session names the old generation."""
    with transaction():
        db.session.execute(update(Customer).where(Customer.id == customer.id).values(
            session_generation=Customer.session_generation + 1))
    db.session.refresh(customer)


def verify_email(token: str, now: datetime) -> Customer | None:
    """Follow a verification link: the address is confirmed (or changed to the new one), and
    the guest orders placed with it join the account. None for a bad, used or old link."""
    with transaction():
        spent = _use_token(token, "verify", now)
        if spent is None:
            return None
        customer = db.session.get(Customer, spent.customer_id)
        if spent.email != customer.email:
            if _email_taken(spent.email, besides=customer.id):
                raise AccountProblem(409, "Another account uses that email address now.")
            old = customer.email
            customer.email = spent.email
            _send(old, "account_email_changed", "Your Kefir Shop email address was changed",
                  customer=customer, old_email=old)
        customer.email_verified_at = now
        attach_guest_orders(customer, now)
    return customer


def request_password_reset(email: str, now: datetime) -> None:
    """Email a reset link if an account has this address; the answer is the same either way,
    so the form does not tell who has an account."""
    customer = customer_by_email(email[:254])
    if customer is None:
        return
    with transaction():
        token = _issue_token(customer, "reset", customer.email, now, RESET_LIFETIME)
        _send(customer.email, "account_reset", "Reset your Kefir Shop password",
              customer=customer, link=url_for("accounts.reset", token=token, _external=True),
              minutes=int(RESET_LIFETIME.total_seconds() // 60))


def reset_link_is_live(token: str, now: datetime) -> bool:
    return _live_token(token, "reset", now) is not None


def reset_password(token: str, password: str, now: datetime) -> Customer:
    """Set a new password through a reset link: the link and every other one is spent, and
    every session ends. 404 for a bad, used or expired link; 422 for a weak password."""
    found = _live_token(token, "reset", now)
    if found is None:
        raise AccountProblem(404, "That reset link has expired or was used already. "
                                  "Please ask for a new one.")
    customer = db.session.get(Customer, found.customer_id)
    check_new_password(password, customer.email)
    with transaction():
        if _use_token(token, "reset", now) is None:
            raise AccountProblem(404, "That reset link was used already.")
        _set_password(customer, password, now)
        # Whoever can read the mailbox has proved they own the address.
        if customer.email_verified_at is None and found.email == customer.email:
            customer.email_verified_at = now
            attach_guest_orders(customer, now)
    return customer


def _set_password(customer: Customer, password: str, now: datetime) -> None:
    customer.password_hash = hash_password(password)
    customer.session_generation += 1
    db.session.execute(update(CustomerToken).where(
        CustomerToken.customer_id == customer.id, CustomerToken.purpose == "reset",
        CustomerToken.used_at.is_(None)).values(used_at=now))
    _send(customer.email, "account_password_changed", "Your Kefir Shop password was changed",
          customer=customer)


def change_password(customer: Customer, current: str, new: str, now: datetime) -> None:
    """A new password, given the current one; every session of the account ends."""
    if not verify_password(customer.password_hash, current):
        raise AccountProblem(422, "Your current password is not right.", "current_password")
    check_new_password(new, customer.email)
    with transaction():
        _set_password(customer, new, now)


def change_email(customer: Customer, password: str, new_email: str, now: datetime) -> str:
    """Email a link to the new address; the email changes when it is followed. The old
    address is told. Returns the new address."""
    if not verify_password(customer.password_hash, password):
        raise AccountProblem(422, "Your password is not right.", "password")
    email = normalise_email(new_email)
    if email == customer.email:
        raise AccountProblem(422, "That is your email address already.", "email")
    if _email_taken(email):
        raise AccountProblem(409, "Another account uses that email address.", "email")
    with transaction():
        _send_verification(customer, email, now)
        _send(customer.email, "account_email_change_requested",
              "A change of your Kefir Shop email address was asked for",
              customer=customer, new_email=email)
    return email


def rename(customer: Customer, name: str) -> None:
    name = clean_name(name)
    with transaction():
        customer.name = name


# --- Orders ----------------------------------------------------------------------------------


def claim_order(order: Order, customer: Customer, now: datetime) -> None:
    """An order placed while signed in belongs to the account."""
    with transaction():
        if db.session.get(CustomerOrder, order.id) is None:
            db.session.add(CustomerOrder(order_id=order.id, customer_id=customer.id,
                                         attached_at=now))


def attach_guest_orders(customer: Customer, now: datetime) -> int:
    """Give the account the orders placed with its (verified) email and nobody's yet; in the
    caller's transaction. Returns how many."""
    owned = select(CustomerOrder.order_id)
    ids = db.session.scalars(select(Order.id).where(
        func.lower(Order.email) == customer.email, Order.number.is_not(None),
        Order.id.not_in(owned))).all()
    for order_id in ids:
        db.session.add(CustomerOrder(order_id=order_id, customer_id=customer.id,
                                     attached_at=now))
    return len(ids)


def _orders_query(customer: Customer):
    return (select(Order).join(CustomerOrder, CustomerOrder.order_id == Order.id)
            .where(CustomerOrder.customer_id == customer.id)
            .options(selectinload(Order.lines)))


def orders_of(customer: Customer) -> list[Order]:
    """The account's orders, newest first, with their lines."""
    return list(db.session.scalars(
        _orders_query(customer).order_by(Order.created_at.desc(), Order.id.desc())))


def order_of(customer: Customer, number: str) -> Order | None:
    """One of the account's orders; another customer's is None, as if it did not exist."""
    return db.session.scalar(_orders_query(customer).where(Order.number == number[:20]))


@dataclass
class Reorder:
    """What "Buy again" did: the basket as it now stands, and what it could not add."""

    change: LineChange | None
    added: list[tuple[str, int]] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    capped: list[str] = field(default_factory=list)


def buy_again(customer: Customer, number: str, basket: Basket | None, now: datetime,
              rule: DeliveryRule) -> Reorder:
    """Put an order's still-available products in the basket at today's prices, within stock
    and 99 a line; say which are gone. 404 for an order that is not the customer's."""
    order = order_of(customer, number)
    if order is None:
        raise AccountProblem(404, "You have no order with that number.")
    products = {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_({line.product_id for line in order.lines})))}
    stock = {pid: (p.stock if p.active else 0) for pid, p in products.items()}
    asked: dict[int, int] = {}
    for line in order.lines:
        asked[line.product_id] = asked.get(line.product_id, 0) + line.quantity
    adds, gone = reorder_quantities(asked.items(), stock, _quantities(basket))
    names = {line.product_id: line.product_name for line in order.lines}
    result = Reorder(change=None, gone=[names[pid] for pid in names if pid in gone])
    for pid, quantity in adds.items():
        try:
            result.change = add_item(basket, products[pid].slug, quantity, now, rule)
        except BasketError:  # sold since we looked
            result.gone.append(names[pid])
            continue
        basket = result.change.basket
        result.added.append((products[pid].name, quantity))
        if quantity < asked[pid]:
            result.capped.append(products[pid].name)
    # In stock, but the basket holds all it may of them already.
    result.capped += [names[pid] for pid in names if pid not in adds and pid not in gone]
    return result


def _quantities(basket: Basket | None) -> dict[int, int]:
    if basket is None:
        return {}
    return dict(db.session.execute(select(BasketLine.product_id, BasketLine.quantity).where(
        BasketLine.basket_id == basket.id)).all())


# --- The basket across signing in and out ----------------------------------------------------


def basket_on_sign_in(customer: Customer, guest: Basket | None, now: datetime) -> Basket | None:
    """The basket to use once signed in: the account's, with the guest basket's lines added
    (each capped at stock and 99); or the guest basket, which becomes the account's."""
    account = None
    if customer.basket_id is not None:
        account = db.session.scalar(select(Basket).where(
            Basket.id == customer.basket_id, Basket.updated_at > now - BASKET_LIFETIME))
    with transaction():
        if account is None or guest is None or account.id == guest.id:
            chosen = account or guest
            customer.basket_id = chosen.id if chosen else None
            return chosen
        mine, theirs = _quantities(account), _quantities(guest)
        stock = dict(db.session.execute(select(Product.id, Product.stock).where(
            Product.id.in_(set(mine) | set(theirs)), Product.active.is_(True))).all())
        for product_id, quantity in merged_quantities(mine, theirs, stock).items():
            if product_id in mine:
                if quantity != mine[product_id]:
                    db.session.execute(update(BasketLine).where(
                        BasketLine.basket_id == account.id,
                        BasketLine.product_id == product_id).values(quantity=quantity))
            else:
                db.session.add(BasketLine(basket_id=account.id, product_id=product_id,
                                          quantity=quantity))
        db.session.execute(delete(BasketLine).where(BasketLine.basket_id == guest.id))
        account.updated_at = now
    return account


def keep_basket(customer: Customer, basket: Basket | None) -> None:
    """On signing out, the basket in use stays with the account for next time."""
    if basket is not None and customer.basket_id != basket.id:
        with transaction():
            customer.basket_id = basket.id


# --- Addresses -------------------------------------------------------------------------------

ADDRESS_FIELDS = ("name", "phone", "line1", "line2", "city", "postcode")


def check_address(customer: Customer, form: dict) -> tuple[dict, dict[str, str]]:
    """The address's fields cleaned by the checkout's own rules, and any errors by field."""
    details, errors = validate_customer({
        "email": customer.email, "name": form.get("name", ""), "phone": form.get("phone", ""),
        "address": {name: form.get(name, "") for name in ("line1", "line2", "city", "postcode")},
    })
    errors.pop("email", None)
    if errors:
        return form, errors
    return {name: getattr(details, name) for name in ADDRESS_FIELDS}, {}


def address_of(customer: Customer, address_id: int) -> CustomerAddress | None:
    return db.session.scalar(select(CustomerAddress).where(
        CustomerAddress.id == address_id, CustomerAddress.customer_id == customer.id))


def save_address(customer: Customer, values: dict, now: datetime,
                 address: CustomerAddress | None = None, default: bool = False
                 ) -> CustomerAddress:
    """Add an address (the first becomes the default) or change one."""
    with transaction():
        if address is None:
            if len(customer.addresses) >= MAX_ADDRESSES:
                raise AccountProblem(422, f"You can keep up to {MAX_ADDRESSES} addresses.")
            address = CustomerAddress(customer_id=customer.id, created_at=now,
                                      is_default=not customer.addresses)
            db.session.add(address)
        for name in ADDRESS_FIELDS:
            setattr(address, name, values[name])
        db.session.flush()
        if default:
            _make_default(customer, address)
    db.session.refresh(customer)
    return address


def _make_default(customer: Customer, address: CustomerAddress) -> None:
    db.session.execute(update(CustomerAddress).where(
        CustomerAddress.customer_id == customer.id).values(
        is_default=CustomerAddress.id == address.id))


def make_default(customer: Customer, address: CustomerAddress) -> None:
    with transaction():
        _make_default(customer, address)
    db.session.refresh(customer)


def delete_address(customer: Customer, address: CustomerAddress) -> None:
    """Forget an address; if it was the default, the oldest one left takes its place."""
    with transaction():
        was_default = address.is_default
        db.session.delete(address)
        db.session.flush()
        if was_default:
            oldest = db.session.scalar(select(CustomerAddress).where(
                CustomerAddress.customer_id == customer.id).order_by(CustomerAddress.id))
            if oldest is not None:
                oldest.is_default = True
    db.session.refresh(customer)


def default_address(customer: Customer) -> CustomerAddress | None:
    return next((a for a in customer.addresses if a.is_default), None) or (
        customer.addresses[0] if customer.addresses else None)


# --- The customer's data ---------------------------------------------------------------------


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def conversations_of(customer: Customer) -> list:
    """The support conversations started with the account's email, newest first; none until
    the email is verified, so that signing up with someone else's address shows nothing."""
    from shop.chat.models import Conversation

    if not customer.email_verified:
        return []
    return list(db.session.scalars(
        select(Conversation).where(func.lower(Conversation.email) == customer.email)
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())))


def export(customer: Customer) -> dict:
    """Every fact the shop stores about the customer, for UK GDPR's right of access.

    What is found by email alone (support conversations, emails sent) is included once the
    email is verified: an unverified address may be someone else's.
    """
    conversations = conversations_of(customer)
    emails = db.session.scalars(select(OutboxEmail).where(
        func.lower(OutboxEmail.to) == customer.email).order_by(OutboxEmail.id)).all(
        ) if customer.email_verified else []
    return {
        "account": {
            "email": customer.email, "name": customer.name,
            "email_verified": customer.email_verified,
            "email_verified_at": _instant(customer.email_verified_at),
            "created_at": _instant(customer.created_at),
            "last_sign_in_at": _instant(customer.last_sign_in_at),
        },
        "addresses": [
            {name: getattr(a, name) for name in ("id", *ADDRESS_FIELDS, "is_default")}
            for a in customer.addresses
        ],
        "orders": [
            {
                "number": o.number, "status": o.status, "placed_at": _instant(o.created_at),
                "email": o.email, "name": o.name, "phone": o.phone,
                "address": {"line1": o.address_line1, "line2": o.address_line2,
                            "city": o.city, "postcode": o.postcode},
                "items": [{"slug": li.product_slug, "name": li.product_name,
                           "quantity": li.quantity, "unit_price_pence": li.unit_price_pence}
                          for li in o.lines],
                "subtotal_pence": o.subtotal_pence, "delivery_pence": o.delivery_pence,
                "total_pence": o.total_pence, "delivery_date": o.delivery_date.isoformat(),
            }
            for o in orders_of(customer)
        ],
        "support_conversations": [
            {"id": c.id, "status": c.status, "created_at": _instant(c.created_at),
             "order_number": c.order_number,
             "messages": [{"author": m.author, "body": m.body,
                           "created_at": _instant(m.created_at)} for m in c.messages]}
            for c in conversations
        ],
        "emails_sent": [
            {"subject": e.subject, "queued_at": _instant(e.created_at),
             "sent_at": _instant(e.sent_at)} for e in emails
        ],
    }


def delete_account(customer: Customer, password: str, now: datetime) -> None:
    """Delete the account, given its password: its addresses, links and sessions go; its
    orders stay for the shop's accounts, detached (the database cascades customer_orders)."""
    if not verify_password(customer.password_hash, password):
        raise AccountProblem(422, "Your password is not right.", "password")
    with transaction():
        _send(customer.email, "account_deleted", "Your Kefir Shop account has been deleted",
              customer=customer)
        db.session.execute(delete(CustomerOrder).where(CustomerOrder.customer_id == customer.id))
        db.session.execute(delete(CustomerToken).where(CustomerToken.customer_id == customer.id))
        db.session.delete(customer)
