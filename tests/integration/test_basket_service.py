"""The basket service on a real database: concurrent adds, current prices, the priced summary."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update

from shop.basket.service import LIFETIME, add_item, find_basket, price_basket
from shop.clock import FixedClock
from shop.domain import LONDON
from shop.domain.basket import BasketError, NotEnoughStock
from shop.domain.delivery import DeliveryRule
from shop.extensions import db
from shop.models import Basket, BasketLine, Product

pytestmark = pytest.mark.usefixtures("catalogue")

NOW = datetime(2026, 11, 25, 11, 45, tzinfo=LONDON)
RULE = DeliveryRule(fee_pence=395, free_over_pence=2500)


def new_basket_token(app: Flask) -> str:
    with app.app_context():
        return add_item(None, "fermenting-jar-1l", 1, NOW, RULE).basket.token


def add_at_once(app: Flask, token: str, slug: str, workers: int) -> list[str]:
    """Have `workers` threads add one unit of `slug` to the same basket at the same moment."""
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []

    def worker() -> None:
        with app.app_context():
            basket = find_basket(token, NOW)
            barrier.wait()
            try:
                add_item(basket, slug, 1, NOW, RULE)
                outcomes.append("added")
            except NotEnoughStock:
                outcomes.append("refused")
            except Exception as exc:  # noqa: BLE001  (any other failure is the bug we look for)
                outcomes.append(f"{type(exc).__name__}: {exc}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def quantity_of(app: Flask, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(BasketLine.quantity).join(Product).where(Product.slug == slug)
        )


def test_simultaneous_first_adds_of_one_product_all_land_on_one_line(app: Flask):
    token = new_basket_token(app)
    outcomes = add_at_once(app, token, "ginger-lemon-water-kefir-330ml", workers=8)
    assert outcomes == ["added"] * 8
    assert quantity_of(app, "ginger-lemon-water-kefir-330ml") == 8


def test_simultaneous_adds_never_take_a_line_past_the_stock(app: Flask):
    token = new_basket_token(app)
    outcomes = add_at_once(app, token, "kefir-recipe-book", workers=8)  # 3 in stock
    assert sorted(outcomes) == ["added"] * 3 + ["refused"] * 5
    assert quantity_of(app, "kefir-recipe-book") == 3


def test_price_basket_prices_lines_at_todays_prices_with_the_delivery_quote(app: Flask):
    with app.app_context():
        basket = add_item(None, "live-milk-kefir-grains", 2, NOW, RULE).basket
        add_item(basket, "organic-whole-milk-kefir-500ml", 1, NOW, RULE)
        db.session.execute(
            update(Product).where(Product.slug == "live-milk-kefir-grains").values(price_pence=1300)
        )
        db.session.commit()
        priced = price_basket(basket, RULE)
    assert [(line.slug, line.quantity, line.line_total_pence) for line in priced.lines] == [
        ("live-milk-kefir-grains", 2, 2600), ("organic-whole-milk-kefir-500ml", 1, 450)]
    assert priced.subtotal_pence == 3050 and priced.quote.free and priced.total_pence == 3050
    assert priced.count == 3 and priced.can_checkout


def test_price_basket_of_no_basket_is_empty_and_cannot_check_out(app: Flask):
    with app.app_context():
        priced = price_basket(None, RULE)
    assert priced.lines == () and priced.subtotal_pence == 0 and not priced.can_checkout


def test_a_refused_first_add_stores_no_basket(app: Flask):
    with app.app_context():
        with pytest.raises(BasketError):
            add_item(None, "kefir-skyr-style-450g", 1, NOW, RULE)
        assert find_basket("anything", NOW) is None
        assert db.session.scalars(select(BasketLine)).all() == []


def test_purge_baskets_deletes_only_baskets_untouched_for_thirty_days_with_their_lines(
    app: Flask, runner: FlaskCliRunner, clock: FixedClock
):
    with app.app_context():
        stale = add_item(None, "live-milk-kefir-grains", 1, NOW - LIFETIME, RULE).token
        kept = add_item(None, "kefir-recipe-book", 1, NOW - LIFETIME + timedelta(minutes=1),
                        RULE).token
    clock.at = NOW
    result = runner.invoke(args=["purge-baskets"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 stale baskets." in result.output
    with app.app_context():
        assert db.session.scalars(select(Basket.token)).all() == [kept]
        assert [line.product.slug for line in db.session.scalars(select(BasketLine))] == [
            "kefir-recipe-book"]
        assert find_basket(stale, NOW) is None and find_basket(kept, NOW) is not None


def test_a_basket_made_by_a_first_add_is_loaded_by_its_token_only_when_asked_for(app: Flask):
    with app.app_context():
        change = add_item(None, "live-milk-kefir-grains", 2, NOW, RULE)
        assert change.loaded is None
        basket = change.basket
        assert basket.token == change.token
        assert [(line.product.slug, line.quantity) for line in basket.lines] == [
            ("live-milk-kefir-grains", 2)]


def test_after_a_first_add_the_requests_basket_is_the_new_one_not_the_cookies(app: Flask):
    from shop.basket.cookie import current_basket, remember_basket

    with app.test_request_context("/basket/items", method="POST"):
        assert current_basket() is None
        change = add_item(None, "live-milk-kefir-grains", 1, NOW, RULE)
        remember_basket(change)
        assert current_basket().token == change.token
