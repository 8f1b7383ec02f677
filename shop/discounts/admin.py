"""Staff's side of discount codes: check and save their terms, deactivate, see how each sells.

The admin pages and the admin API share these functions, so a code is checked the same way
whichever door it comes through, and every change lands in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import delete, func, select

from shop.admin.audit import Actor, diff, record
from shop.admin.validation import InUse, Invalid
from shop.discounts.models import DiscountCode, DiscountUse
from shop.domain.discounts import CODE_PATTERN, Kind, normalise_code
from shop.domain.money import format_gbp
from shop.extensions import db
from shop.models import Order, OrderStatus
from shop.transaction import transaction

MAX_AMOUNT_PENCE = 100_000  # £1,000 off: a typo guard, far above any basket
MAX_MIN_SUBTOTAL_PENCE = 1_000_000
MAX_USES = 1_000_000
#: Orders that count as sales of a code: paid, and not since undone.
SOLD = (OrderStatus.PAID, OrderStatus.DISPATCHED, OrderStatus.DELIVERED)
FIELDS = ("code", "kind", "value", "min_subtotal_pence", "starts_at", "ends_at", "max_uses",
          "once_per_customer", "active", "note")
DEFAULTS = {"value": 0, "min_subtotal_pence": 0, "starts_at": None, "ends_at": None,
            "max_uses": None, "once_per_customer": False, "active": True, "note": ""}


@dataclass(frozen=True)
class Sales:
    """How a code has sold: paid orders, their revenue, and what the code gave away."""

    orders: int = 0
    revenue_pence: int = 0
    discount_pence: int = 0


def values_of(code: DiscountCode) -> dict:
    """A stored code's terms, as validate_discount takes them."""
    return {name: getattr(code, name) for name in FIELDS}


def validate_discount(data: dict, current: DiscountCode | None = None) -> dict:
    """The terms of a new code (or `current` changed by `data`), checked together; raises
    Invalid naming each field (conflict=True when the only trouble is a code already taken)."""
    merged = {**DEFAULTS, **(values_of(current) if current else {}),
              **{key: value for key, value in data.items() if key in FIELDS}}
    errors: dict[str, str] = {}
    for name in ("value", "min_subtotal_pence"):  # null means none: 0
        merged[name] = merged[name] or 0
    merged["note"] = merged["note"] or ""
    for name in ("once_per_customer", "active"):
        if not isinstance(merged[name], bool):
            errors[name] = "must be true or false."
    code = normalise_code(merged.get("code") or "")
    merged["code"] = code
    if not CODE_PATTERN.match(code):
        errors["code"] = ("must be 3 to 32 letters, digits, hyphens or underscores, starting and "
                          "ending with a letter or digit, e.g. WELCOME10.")
    kind, value = merged.get("kind"), merged["value"]
    if kind not in set(Kind):
        errors["kind"] = "must be percent, amount or free_delivery."
    elif kind == Kind.PERCENT and not 1 <= value <= 100:
        errors["value"] = "must be a percentage from 1 to 100."
    elif kind == Kind.AMOUNT and not 1 <= value <= MAX_AMOUNT_PENCE:
        errors["value"] = f"must be from 1p to {format_gbp(MAX_AMOUNT_PENCE)} off, in pence."
    elif kind == Kind.FREE_DELIVERY and value != 0:
        errors["value"] = "must be 0 or left out for a free-delivery code."
    if not 0 <= merged["min_subtotal_pence"] <= MAX_MIN_SUBTOTAL_PENCE:
        errors["min_subtotal_pence"] = (
            f"must be from £0.00 to {format_gbp(MAX_MIN_SUBTOTAL_PENCE)}, in pence.")
    starts, ends = merged["starts_at"], merged["ends_at"]
    if starts and ends and ends <= starts:
        errors["ends_at"] = "must be after the start."
    max_uses = merged["max_uses"]
    if max_uses is not None:
        if not 1 <= max_uses <= MAX_USES:
            errors["max_uses"] = f"must be from 1 to {MAX_USES:,}, or left empty for no limit."
        elif current is not None and max_uses < current.uses:
            errors["max_uses"] = (f"cannot be below the {current.uses} uses already taken by "
                                  "orders.")
    if len(merged["note"] or "") > 200:
        errors["note"] = "must be at most 200 characters."
    if errors:
        raise Invalid(errors)
    if current is not None and code != current.code and _orders_using(current.code):
        raise Invalid({"code": f"cannot change: orders already carry {current.code}. Create a "
                               "new code instead."})
    taken = db.session.scalar(select(DiscountCode.id).where(DiscountCode.code == code))
    if taken is not None and (current is None or taken != current.id):
        raise Invalid({"code": f"{code} exists already (codes ignore case)."}, conflict=True)
    return {name: merged[name] for name in FIELDS}


def _audited(values: dict) -> dict:
    return {key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in values.items()}


def create_discount(values: dict, actor: Actor, now: datetime) -> DiscountCode:
    """Store a new code from validated values."""
    with transaction():
        code = DiscountCode(**values, created_at=now, updated_at=now)
        db.session.add(code)
        record(actor, "discount.create", "discount", code.code, _audited(values), now)
    return code


def update_discount(code: DiscountCode, values: dict, actor: Actor, now: datetime) -> None:
    """Change a code's terms (validated values); the audit log keeps what changed."""
    before = _audited(values_of(code))
    with transaction():
        for name, value in values.items():
            setattr(code, name, value)
        code.updated_at = now
        changes = diff(before, _audited(values))
        if changes:
            # Keyed by the code as it was: a renamed code's history stays findable.
            record(actor, "discount.update", "discount", before["code"], changes, now)


def set_active(code: DiscountCode, active: bool, actor: Actor, now: datetime) -> None:
    """Deactivate (no new basket or order can use it) or reactivate a code."""
    update_discount(code, {**values_of(code), "active": active}, actor, now)


def delete_discount(code: DiscountCode, actor: Actor, now: datetime) -> None:
    """Delete a code no order ever used; raises InUse otherwise (deactivate it instead)."""
    used = _orders_using(code.code)
    if used:
        raise InUse(f"{code.code} is on {used} order{'s' if used != 1 else ''}, so it is kept "
                    "for the records; deactivate it instead.")
    with transaction():
        db.session.execute(delete(DiscountUse).where(DiscountUse.discount_id == code.id))
        db.session.delete(code)
        record(actor, "discount.delete", "discount", code.code, _audited(values_of(code)), now)


def _orders_using(code: str) -> int:
    return db.session.scalar(select(func.count(Order.id)).where(Order.discount_code == code))


def discount_by_code(text: str) -> DiscountCode | None:
    """A code as staff type it (any case), or None."""
    code = normalise_code(text)
    if not CODE_PATTERN.match(code):
        return None
    return db.session.scalar(select(DiscountCode).where(DiscountCode.code == code))


def search_discounts(q: str = "", active: bool | None = None, page: int = 1,
                     per_page: int = 50) -> Pagination:
    """Codes, newest first, optionally by part of the code and state."""
    query = select(DiscountCode)
    if q:
        query = query.where(DiscountCode.code.contains(normalise_code(q)[:32], autoescape=True))
    if active is not None:
        query = query.where(DiscountCode.active.is_(active))
    newest = query.order_by(DiscountCode.created_at.desc(), DiscountCode.id.desc())
    return db.paginate(newest, page=page, per_page=per_page, error_out=False)


def sales_by_code(codes: list[str]) -> dict[str, Sales]:
    """Paid orders, revenue and discount given for each of `codes`, in one query."""
    if not codes:
        return {}
    rows = db.session.execute(
        select(Order.discount_code, func.count(Order.id), func.sum(Order.total_pence),
               func.sum(Order.discount_pence))
        .where(Order.discount_code.in_(codes), Order.status.in_(list(SOLD)))
        .group_by(Order.discount_code)
    )
    return {code: Sales(count, int(revenue or 0), int(given or 0))
            for code, count, revenue, given in rows}


def orders_with(code: DiscountCode, limit: int = 100) -> list[Order]:
    """The latest orders that used the code, in any status."""
    return list(db.session.scalars(
        select(Order).where(Order.discount_code == code.code)
        .order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)
    ))
