"""The admin API's discount codes: /api/v1/admin/discounts (bearer tokens, staff and admin)."""

from __future__ import annotations

from flask import g

from shop.api import bp
from shop.api.admin import BOOLEANS, admin_operation, refusals_as_problems
from shop.api.schemas import (
    AdminDiscount,
    AdminDiscountCreate,
    AdminDiscountList,
    AdminDiscountQuery,
    AdminDiscountUpdate,
)
from shop.api.spec import admin_links
from shop.discounts.admin import (
    create_discount,
    delete_discount,
    discount_by_code,
    sales_by_code,
    search_discounts,
    update_discount,
    validate_discount,
)
from shop.discounts.models import DiscountCode
from shop.errors import or_404
from shop.web import now

DISCOUNT_LINKS = admin_links("Discount", "code")


def _code_or_404(code: str) -> DiscountCode:
    return or_404(discount_by_code(code), f"No discount code is called {code[:40]!r}.")


def _shown(code: DiscountCode) -> AdminDiscount:
    return AdminDiscount.of(code, sales_by_code([code.code]).get(code.code))


@bp.get("/admin/discounts")
@admin_operation("adminListDiscounts", 200, AdminDiscountList, (400, 422))
def admin_discounts(query: AdminDiscountQuery):
    """Every discount code, newest first, with its uses and sales; ?q=, ?active=true|false."""
    result = search_discounts(query.q, BOOLEANS[query.active], query.page, query.per_page)
    sales = sales_by_code([code.code for code in result.items])
    return AdminDiscountList.of(result, lambda code: AdminDiscount.of(code, sales.get(code.code)))


@bp.post("/admin/discounts")
@admin_operation("adminCreateDiscount", 201, AdminDiscount, (400, 409, 415, 422),
                 links=DISCOUNT_LINKS)
def admin_discount_create(json: AdminDiscountCreate):
    """Create a code: code and kind required; a code that exists already, in any case, is 409."""
    with refusals_as_problems():
        values = validate_discount(json.model_dump(exclude_unset=True))
    code = create_discount(values, g.api_actor, now())
    return _shown(code), 201, {"Location": f"/api/v1/admin/discounts/{code.code}"}


@bp.get("/admin/discounts/<code>")
@admin_operation("adminGetDiscount", 200, AdminDiscount, (404,))
def admin_discount(code: str):
    """One code (any case), with its uses and sales."""
    return _shown(_code_or_404(code))


@bp.patch("/admin/discounts/<code>")
@admin_operation("adminUpdateDiscount", 200, AdminDiscount, (400, 404, 409, 415, 422),
                 links=DISCOUNT_LINKS)
def admin_discount_update(code: str, json: AdminDiscountUpdate):
    """Change any of a code's terms; {"active": false} deactivates it.

    uses, orders, revenue_pence and discount_given_pence may be sent back as read: ignored.
    """
    found = _code_or_404(code)
    with refusals_as_problems():
        values = validate_discount(json.model_dump(exclude_unset=True), current=found)
    update_discount(found, values, g.api_actor, now())
    return _shown(found)


@bp.delete("/admin/discounts/<code>")
@admin_operation("adminDeleteDiscount", 204, None, (404, 409))
def admin_discount_delete(code: str):
    """Delete a code no order used; one on any order answers 409 (deactivate it instead)."""
    found = _code_or_404(code)
    with refusals_as_problems():
        delete_discount(found, g.api_actor, now())
    return "", 204
