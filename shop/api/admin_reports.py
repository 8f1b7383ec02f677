"""The admin API's sales report: GET /api/v1/admin/reports/sales?from=&to= (admin tokens)."""

from __future__ import annotations

from shop.admin.reports import sales
from shop.api import bp
from shop.api.admin import admin_operation
from shop.api.schemas import SalesQuery, SalesReport
from shop.domain import LONDON
from shop.domain.reporting import RangeError, parse_range
from shop.errors import Problem
from shop.web import now


@bp.get("/admin/reports/sales")
@admin_operation("adminSalesReport", 200, SalesReport, (400, 422), role="admin")
def admin_sales_report(query: SalesQuery):
    """Paid, dispatched and delivered orders net of refunds, by shop day (default: 30 days)."""
    for name, value in (("from", query.first), ("to", query.last)):
        if value is not None and not value.strip():  # the form's "no date"; here, a bad one
            raise Problem(400, f"The {name} date must be written as YYYY-MM-DD.")
    try:
        chosen = parse_range(None, query.first, query.last, now().astimezone(LONDON).date())
    except RangeError as exc:
        raise Problem(exc.status, str(exc)) from None
    return SalesReport.of(sales(chosen))
