"""Today's dispatch list: pick, pack (a slip per order, printed) and mark the orders sent."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from shop.admin import bp
from shop.admin.auth import web_actor
from shop.admin.dispatch import MOST_AT_ONCE, dispatch_list, dispatch_orders
from shop.domain import LONDON
from shop.web import now


@bp.get("/dispatch/")
def dispatch():
    """The paid orders due out today in cut-off order, the pick list and the packing slips."""
    return render_template("admin/dispatch/index.html",
                           dispatch=dispatch_list(now().astimezone(LONDON).date()))


@bp.post("/dispatch/")
def dispatch_mark():
    """Mark the ticked orders dispatched; each customer's email is queued with its order."""
    numbers = [n.strip() for n in request.form.getlist("order") if n.strip()][:MOST_AT_ONCE]
    if not numbers:
        flash("Tick the orders that are packed and collected, then mark them dispatched.", "error")
        return redirect(url_for("admin.dispatch"), 303)
    outcome = dispatch_orders(numbers, web_actor(), now())
    if outcome.dispatched:
        count = len(outcome.dispatched)
        flash(f"{count} order{'' if count == 1 else 's'} marked dispatched; "
              f"{'its customer is' if count == 1 else 'their customers are'} emailed.", "success")
    for reason in outcome.refused:
        flash(reason, "error")
    return redirect(url_for("admin.dispatch"), 303)
