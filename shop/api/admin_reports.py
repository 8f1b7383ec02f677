"""The admin API's sales report: GET /api/v1/admin/reports/sales?from=&to= (admin tokens)."""

from __future__ import annotations

from flask import request

from shop.admin.reports import Sales, sales
from shop.api import bp
from shop.api.admin import token_required
from shop.domain import LONDON
from shop.domain.reporting import RangeError, parse_range
from shop.errors import Problem
from shop.web import now


def sales_json(report: Sales) -> dict:
    """A range's sales in SPEC §2's shape, with the range itself."""
    return {
        "from": report.range.first.isoformat(),
        "to": report.range.last.isoformat(),
        "days": [{"date": day.date.isoformat(), "orders": day.orders,
                  "revenue_pence": day.revenue_pence} for day in report.days],
        "orders": report.orders,
        "revenue_pence": report.revenue_pence,
        "average_order_pence": report.average_order_pence,
        "free_delivery_share": report.free_delivery_share,
    }


@bp.get("/admin/reports/sales")
@token_required(role="admin")
def admin_sales_report():
    """Paid, dispatched and delivered orders net of refunds, by shop day (default: 30 days)."""
    try:
        chosen = parse_range(None, request.args.get("from"), request.args.get("to"),
                             now().astimezone(LONDON).date())
    except RangeError as exc:
        raise Problem(exc.status, str(exc)) from None
    return sales_json(sales(chosen))
