"""Discount codes: list with uses and sales, create, edit, deactivate, the orders using each."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from shop.admin import bp
from shop.admin.audit import history
from shop.admin.auth import web_actor
from shop.admin.validation import Invalid
from shop.admin.views.forms import delete_unless_used, done, page_number, ticked, whole_number
from shop.discounts.admin import (
    create_discount,
    delete_discount,
    discount_by_code,
    orders_with,
    sales_by_code,
    search_discounts,
    set_active,
    update_discount,
    validate_discount,
    values_of,
)
from shop.discounts.models import DiscountCode
from shop.domain import LONDON
from shop.domain.discounts import Kind
from shop.domain.money import parse_pounds, pounds_input
from shop.web import now

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _code_or_404(code: str) -> DiscountCode:
    found = discount_by_code(code)
    if found is None:
        abort(404, "There is no such discount code.")
    return found


def _page(code: DiscountCode) -> str:
    return url_for("admin.discount", code=code.code)


def parse_local(text: str, field: str, errors: dict[str, str]) -> datetime | None:
    """A date and time typed in shop time (a datetime-local field), as an aware instant.

    A time the clocks skip (01:30 on the last Sunday of March) is refused rather than guessed.
    """
    text = text.strip()
    if not text:
        return None
    try:
        naive = datetime.strptime(text[:16], LOCAL_FORMAT)
    except ValueError:
        errors[field] = "must be a date and time, such as 2026-12-01T09:00."
        return None
    local = naive.replace(tzinfo=LONDON)
    if local.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != naive:
        errors[field] = "does not exist in UK time (the clocks go forward then)."
        return None
    if not 2000 <= naive.year <= 2999:
        errors[field] = "must be between 2000 and 2999."
        return None
    return local


def local_input(instant: datetime | None) -> str:
    """An instant as a datetime-local field shows it, in shop time."""
    return instant.astimezone(LONDON).strftime(LOCAL_FORMAT) if instant else ""


def _submitted(form: MultiDict) -> tuple[dict, dict[str, str]]:
    """The form's strings as validate_discount's values (pence, ints, instants, booleans)."""
    errors: dict[str, str] = {}
    kind = form.get("kind", "")
    data: dict = {
        "code": form.get("code", "")[:200],
        "kind": kind,
        "once_per_customer": form.get("once_per_customer") == "1",
        "active": form.get("active") == "1",
        "note": form.get("note", "")[:1000],
        "starts_at": parse_local(form.get("starts_at", ""), "starts_at", errors),
        "ends_at": parse_local(form.get("ends_at", ""), "ends_at", errors),
        "value": 0,
        "min_subtotal_pence": 0,
        "max_uses": None,
    }
    if kind == Kind.PERCENT:
        value = whole_number(form.get("percent", ""), "value", errors)
        data["value"] = value if value is not None else 0
    elif kind == Kind.AMOUNT:
        try:
            data["value"] = parse_pounds(form.get("amount", ""))
        except ValueError:
            errors["value"] = "must be in pounds and pence, such as 5.00."
    if form.get("min_subtotal", "").strip():
        try:
            data["min_subtotal_pence"] = parse_pounds(form.get("min_subtotal", ""))
        except ValueError:
            errors["min_subtotal_pence"] = "must be in pounds and pence, such as 30.00."
    if form.get("max_uses", "").strip():
        data["max_uses"] = whole_number(form.get("max_uses", ""), "max_uses", errors)
    return data, errors


def _form_values(values: dict) -> dict:
    """Stored terms as the form shows them."""
    kind = values["kind"]
    return {
        **values,
        "percent": values["value"] if kind == Kind.PERCENT else "",
        "amount": pounds_input(values["value"]) if kind == Kind.AMOUNT else "",
        "min_subtotal": pounds_input(values["min_subtotal_pence"])
        if values["min_subtotal_pence"] else "",
        "max_uses": values["max_uses"] or "",
        "starts_at": local_input(values["starts_at"]),
        "ends_at": local_input(values["ends_at"]),
    }


def _form(code: DiscountCode | None, values: dict, errors: dict[str, str], status: int = 200):
    sales = sales_by_code([code.code]).get(code.code) if code else None
    return render_template(
        "admin/discounts/form.html",
        discount=code,
        values=values,
        errors=errors,
        sales=sales,
        orders=orders_with(code) if code else [],
        history=history("discount", code.code) if code else [],
    ), status


def _save(code: DiscountCode | None):
    data, errors = _submitted(request.form)
    shown = request.form.to_dict() | {"once_per_customer": data["once_per_customer"],
                                      "active": data["active"]}
    try:
        values = validate_discount(data, current=code)
    except Invalid as exc:
        errors = exc.errors | errors
    if errors:
        return None, _form(code, shown, errors, 409 if "exists already" in errors.get(
            "code", "") else 422)
    if code is None:
        return create_discount(values, web_actor(), now()), None
    update_discount(code, values, web_actor(), now())
    return code, None


@bp.get("/discounts/")
def discounts():
    """Every code, newest first, with its uses, orders and revenue."""
    q = request.args.get("q", "").strip()[:32]
    active = {"1": True, "0": False}.get(request.args.get("active", ""))
    result = search_discounts(q, active, page_number())
    return render_template("admin/discounts/list.html", result=result, q=q,
                           active=request.args.get("active", ""),
                           sales=sales_by_code([code.code for code in result.items]),
                           now=now())


@bp.route("/discounts/new", methods=["GET", "POST"])
def discount_new():
    """Create a code."""
    if request.method == "GET":
        return _form(None, {"kind": "percent", "active": True}, {})
    code, page = _save(None)
    if page is not None:
        return page
    return done(f"Discount code {code.code} was created.", _page(code))


@bp.route("/discounts/<code>", methods=["GET", "POST"])
def discount(code: str):
    """A code's terms (editable), its sales, the orders that used it and its history."""
    found = _code_or_404(code)
    if request.method == "GET":
        return _form(found, _form_values(values_of(found)), {})
    saved, page = _save(found)
    if page is not None:
        return page
    return done(f"Discount code {saved.code} was saved.", _page(saved))


@bp.post("/discounts/<code>/active")
def discount_active(code: str):
    """Deactivate a code (baskets holding it are told it no longer applies) or reactivate it."""
    found = _code_or_404(code)
    active = ticked("active")
    set_active(found, active, web_actor(), now())
    return done(f"{found.code} is {'active again' if active else 'deactivated'}.", _page(found))


@bp.post("/discounts/<code>/delete")
def discount_delete(code: str):
    """Delete a code no order used; used ones can only be deactivated."""
    found = _code_or_404(code)
    return delete_unless_used(delete_discount, found, found.code, _page, "admin.discounts")
