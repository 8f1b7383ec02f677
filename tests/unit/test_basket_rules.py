"""The basket's rules: whole quantities up to 99, lines that block checkout, the priced basket."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import shop.domain.basket
from shop.domain.basket import (
    MAX_QUANTITY,
    InvalidQuantity,
    PricedBasket,
    PricedLine,
    check_quantity,
    line_problem,
    over_limit,
)
from shop.domain.delivery import DeliveryRule

RULE = DeliveryRule(fee_pence=395, free_over_pence=2500)


def line(
    quantity: int = 1, price: int = 650, stock: int = 40, active: bool = True, name: str = "Soap"
) -> PricedLine:
    return PricedLine(
        product_id=1,
        slug=name.lower(),
        name=name,
        image="",
        quantity=quantity,
        unit_price_pence=price,
        stock_available=stock,
        active=active,
    )


# Quantities -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 2, 98, 99, 1.0, 99.0])
def test_a_whole_number_from_1_to_99_is_a_quantity(value):
    assert check_quantity(value) == int(value)
    assert type(check_quantity(value)) is int


@pytest.mark.parametrize("value", [0, -1, 100, 1_000_000, 100.0])
def test_a_quantity_outside_1_to_99_is_refused_naming_the_range(value):
    with pytest.raises(InvalidQuantity, match="from 1 to 99") as refused:
        check_quantity(value)
    assert refused.value.status == 422


@pytest.mark.parametrize("value", [True, False, 1.5, "2", None, [1], 1e300, float("nan")])
def test_anything_but_a_whole_number_is_not_a_quantity(value):
    with pytest.raises(InvalidQuantity, match="whole number"):
        check_quantity(value)


def test_zero_is_a_quantity_where_it_means_remove():
    assert check_quantity(0, minimum=0) == 0
    with pytest.raises(InvalidQuantity, match="from 0 to 99"):
        check_quantity(-1, minimum=0)


# What keeps a line from checkout --------------------------------------------------------------


@pytest.mark.parametrize(
    ("active", "stock", "quantity", "problem"),
    [
        (True, 40, 1, None),
        (True, 3, 3, None),
        (True, 3, 4, "Only 3 left. Please lower the quantity to check out."),
        (True, 0, 1, "Out of stock. Please remove it to check out."),
        (True, -2, 1, "Out of stock. Please remove it to check out."),
        (False, 40, 1, "No longer available. Please remove it to check out."),
        (False, 0, 1, "No longer available. Please remove it to check out."),
    ],
)
def test_a_line_is_blocked_when_withdrawn_sold_out_or_over_the_stock(
    active, stock, quantity, problem
):
    assert line_problem(active, stock, quantity) == problem
    assert line(quantity, stock=stock, active=active).problem == problem


@pytest.mark.parametrize(
    ("stock", "active", "most"), [(40, True, 40), (99, True, 99), (500, True, 99), (5, False, 0)]
)
def test_a_line_may_hold_up_to_the_stock_and_never_more_than_99(stock, active, most):
    assert line(stock=stock, active=active).max_quantity == most
    assert MAX_QUANTITY == 99


def test_going_over_the_limit_says_how_many_are_left_or_that_99_is_the_most():
    assert over_limit("Soap", 3, have=0) == "Sorry, we have only 3 left of Soap."
    assert over_limit("Soap", 3, have=2) == (
        "Sorry, we have only 3 left of Soap. You already have 2 in your basket."
    )
    assert over_limit("Soap", 500, have=99) == (
        "You can have at most 99 of Soap in one order. You already have 99 in your basket."
    )


# The priced basket ----------------------------------------------------------------------------


def test_a_basket_totals_its_lines_and_adds_delivery_up_to_25_pounds():
    basket = PricedBasket.of([line(2, price=650), line(1, price=1200, name="Grains")], RULE)
    assert [item.line_total_pence for item in basket.lines] == [1300, 1200]
    assert (basket.subtotal_pence, basket.quote.price_pence, basket.total_pence) == (
        2500, 395, 2895
    )
    assert basket.count == 3 and basket.can_checkout and basket.problems == []


def test_delivery_is_free_from_25_pounds_01():
    basket = PricedBasket.of([line(1, price=2501)], RULE)
    assert (basket.quote.free, basket.total_pence) == (True, 2501)


def test_an_empty_basket_cannot_check_out():
    basket = PricedBasket.of([], RULE)
    assert (basket.count, basket.subtotal_pence, basket.can_checkout) == (0, 0, False)


def test_one_blocked_line_keeps_the_whole_basket_from_checkout_and_is_named():
    basket = PricedBasket.of([line(1), line(5, stock=2, name="Grains")], RULE)
    assert not basket.can_checkout
    assert basket.problems == ["Grains: Only 2 left. Please lower the quantity to check out."]


@given(
    lines=st.lists(
        st.tuples(st.integers(1, MAX_QUANTITY), st.integers(0, 100_000)), max_size=10
    )
)
def test_the_total_is_always_the_lines_plus_the_quoted_delivery(lines):
    basket = PricedBasket.of([line(quantity, price=price) for quantity, price in lines], RULE)
    subtotal = sum(quantity * price for quantity, price in lines)
    assert basket.subtotal_pence == subtotal
    assert basket.total_pence == subtotal + (0 if subtotal > 2500 else 395)
    assert basket.count == sum(quantity for quantity, _ in lines)


def test_the_basket_rules_import_no_framework():
    tree = ast.parse(Path(shop.domain.basket.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    roots = {name.split(".")[0] for name in imported}
    assert roots <= {"__future__", "collections", "dataclasses", "shop"}
    assert {name for name in imported if name.startswith("shop")} <= {"shop.domain.delivery",
                                                                   "shop.domain.discounts"}
