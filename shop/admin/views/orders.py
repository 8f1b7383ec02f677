"""Orders: find them, read them, dispatch, deliver and refund."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from shop.admin import bp
from shop.admin.audit import history
from shop.admin.auth import admin_required, web_actor
from shop.admin.orders import (
    OrderActionRefused,
    mark_delivered,
    mark_dispatched,
    order_by_number,
    refund,
    search_orders,
)
from shop.admin.views.forms import page_number
from shop.extensions import db
from shop.models import Order, OrderStatus, OutboxEmail
from shop.web import now


def _order_or_404(number: str) -> Order:
    order = order_by_number(number)
    if order is None:
        abort(404, "There is no such order.")
    return order


@bp.get("/orders/")
def orders():
    """Orders newest first, filtered by status, searched by number or email."""
    status = request.args.get("status", "")
    if status and status not in set(OrderStatus):
        abort(400, "That is not an order status.")
    q = request.args.get("q", "").strip()[:254]
    return render_template(
        "admin/orders/list.html",
        result=search_orders(q, status, page_number()),
        statuses=list(OrderStatus),
        status=status,
        q=q,
    )


@bp.get("/orders/<number>")
def order(number: str):
    """One order: what, to whom, where, its status and what happened to it."""
    order = _order_or_404(number)
    emails = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.order_id == order.id).order_by(OutboxEmail.id)
    ).all()
    return render_template(
        "admin/orders/detail.html", order=order, history=history("order", number), emails=emails
    )


def _act(number: str, action, done: str, **kwargs):
    order = _order_or_404(number)
    try:
        action(order, web_actor(), now(), **kwargs)
        flash(f"Order {number} {done}.", "success")
    except OrderActionRefused as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.order", number=number), 303)


@bp.post("/orders/<number>/dispatch")
def order_dispatch(number: str):
    """Mark a paid order dispatched and email the customer."""
    return _act(number, mark_dispatched, "is marked dispatched and the customer is emailed")


@bp.post("/orders/<number>/deliver")
def order_deliver(number: str):
    """Mark a dispatched order delivered."""
    return _act(number, mark_delivered, "is marked delivered")


@bp.post("/orders/<number>/refund")
@admin_required
def order_refund(number: str):
    """Refund the payment through Stripe (admins only: money leaves the shop)."""
    restock = request.form.get("restock") == "1"
    done = "is refunded" + (" and its items are back in stock" if restock else "")
    return _act(number, refund, done, restock=restock)
