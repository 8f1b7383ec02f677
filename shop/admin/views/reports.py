"""The owner's reports: sales for a range of shop days, and the orders export (admins only)."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, current_app, render_template, request, stream_with_context

from shop.admin import bp
from shop.admin.auth import admin_required
from shop.admin.charts import bar_lengths, bucket_label, daily_revenue_chart, histogram_chart
from shop.admin.exports import order_lines_csv
from shop.admin.reports import sales_report
from shop.chat.figures import chat_figures
from shop.domain import LONDON
from shop.domain.delivery import duration_label
from shop.domain.reporting import (
    COVER_WARNING_DAYS,
    PRESETS,
    DateRange,
    RangeError,
    parse_range,
    percent_change,
)
from shop.web import now


def _requested_range() -> DateRange:
    """The range in the query string (?range=7d, or ?from=&to=); RangeError when unusable."""
    args = request.args
    return parse_range(args.get("range"), args.get("from"), args.get("to"),
                       now().astimezone(LONDON).date())


def _requested_range_or_abort() -> DateRange:
    """The requested range; an unusable one ends the request with its status and reason."""
    try:
        return _requested_range()
    except RangeError as exc:
        abort(exc.status, str(exc))


@bp.get("/reports/")
@admin_required
def reports():
    """Sales, the £25 rule's effect, best sellers, the funnel and stock cover for a range."""
    try:
        chosen = _requested_range()
    except RangeError as exc:
        return render_template("admin/reports/index.html", presets=PRESETS, error=str(exc),
                               form=request.args, report=None), exc.status
    report = sales_report(chosen, now(), current_app.config["FREE_DELIVERY_OVER_PENCE"],
                          current_app.config["LOW_STOCK_THRESHOLD"])
    funnel = report.funnel
    charts = {
        "daily": daily_revenue_chart(report.sales, report.previous),
        "histogram": histogram_chart(report.histogram, report.free_over_pence),
        "by_revenue": bar_lengths([p.revenue_pence for p in report.top_by_revenue]),
        "by_units": bar_lengths([p.units for p in report.top_by_units]),
        "funnel": bar_lengths([funnel.baskets, funnel.checkouts, funnel.paid]),
    }
    chat = chat_figures(chosen.first, chosen.last)
    charts["chat"] = bar_lengths([day["conversations"] for day in chat["days"]])
    return render_template(
        "admin/reports/index.html", presets=PRESETS, error=None,
        form={"range": chosen.preset, "from": chosen.first.isoformat(),
              "to": chosen.last.isoformat()},
        report=report, charts=charts, chat_report=chat, chosen=chosen,
        duration=lambda seconds: duration_label(timedelta(seconds=seconds)),
        percent_change=percent_change,
        bucket_label=bucket_label, delivery_fee=current_app.config["DELIVERY_FEE_PENCE"],
        low_stock_threshold=current_app.config["LOW_STOCK_THRESHOLD"],
        cover_warning_days=COVER_WARNING_DAYS,
    )


@bp.get("/orders.csv")
@admin_required
def orders_csv():
    """Every line of the orders paid in ?from=&to= (shop days), as CSV for the accounts."""
    chosen = _requested_range_or_abort()
    filename = f"orders-{chosen.first}-to-{chosen.last}.csv"
    return Response(
        stream_with_context(order_lines_csv(chosen)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
