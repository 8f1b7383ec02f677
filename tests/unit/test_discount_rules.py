"""Discount codes: what each kind takes off, when a code applies, and delivery counted after it."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.domain import LONDON
from shop.domain.delivery import DeliveryRule
from shop.domain.discounts import (
    Discount,
    Kind,
    Reason,
    Refusal,
    Terms,
    evaluate,
    normalise_code,
    percent_of,
    quote_with_discount,
)

RULE = DeliveryRule(fee_pence=395, free_over_pence=2500)
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=LONDON)
TEN_PERCENT = Terms("WELCOME10", Kind.PERCENT, 10)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def discount(terms: Terms, subtotal: int, now: datetime = NOW, customer_uses: int = 0):
    return evaluate(terms, subtotal, customer_uses, now)


# Table tests ----------------------------------------------------------------------------------


def test_ten_percent_of_27_70_is_2_77_off_and_leaves_delivery_charged():
    off = discount(TEN_PERCENT, 2770)
    quote = quote_with_discount(2770, off, RULE)
    assert off.amount_pence == 277
    assert (quote.subtotal_pence, quote.price_pence, quote.free) == (2493, 395, False)
    assert quote.total_pence == 2770 - 277 + 395
    assert quote.amount_to_free_pence == 8


def test_ten_percent_of_27_80_leaves_25_02_of_goods_so_delivery_is_free():
    off = discount(TEN_PERCENT, 2780)
    quote = quote_with_discount(2780, off, RULE)
    assert off.amount_pence == 278
    assert (quote.subtotal_pence, quote.price_pence, quote.free) == (2502, 0, True)


def test_ten_percent_of_27_78_leaves_exactly_25_pounds_so_delivery_is_charged():
    quote = quote_with_discount(2778, discount(TEN_PERCENT, 2778), RULE)
    assert (quote.subtotal_pence, quote.price_pence) == (2500, 395)


def test_ten_percent_of_27_75_rounds_half_up_to_2_78():
    assert discount(TEN_PERCENT, 2775).amount_pence == 278


def test_an_amount_code_larger_than_the_goods_takes_them_to_zero_not_below():
    off = discount(Terms("SORRY5", Kind.AMOUNT, 500), 350)
    quote = quote_with_discount(350, off, RULE)
    assert off.amount_pence == 350
    assert (quote.subtotal_pence, quote.price_pence, quote.total_pence) == (0, 395, 395)


def test_a_hundred_percent_code_takes_all_the_goods_but_delivery_is_still_charged():
    quote = quote_with_discount(2000, discount(Terms("ALL", Kind.PERCENT, 100), 2000), RULE)
    assert (quote.subtotal_pence, quote.total_pence) == (0, 395)


def test_a_free_delivery_code_waives_the_fee_and_leaves_the_goods():
    off = discount(Terms("SHIPFREE", Kind.FREE_DELIVERY), 1000)
    quote = quote_with_discount(1000, off, RULE)
    assert off.amount_pence == 0 and off.free_delivery
    assert (quote.price_pence, quote.free, quote.total_pence, quote.amount_to_free_pence) == (
        0, True, 1000, 0)


@pytest.mark.parametrize(("subtotal", "applies"), [(2999, False), (3000, True), (3001, True)])
def test_a_minimum_spend_counts_the_goods_before_the_discount(subtotal, applies):
    terms = Terms("BIG", Kind.AMOUNT, 500, min_subtotal_pence=3000)
    result = discount(terms, subtotal)
    assert isinstance(result, Discount) is applies
    if not applies:
        assert result.reason is Reason.MINIMUM_SPEND
        assert result.message == "BIG needs £30.00 of goods: add £0.01 more to use it."


# The code starts at 01:00 on the day the clocks go forward (29 March 2026, GMT → BST) and
# ends at midnight shop time on the day they go back (25 October 2026, BST → GMT).
SPRING = Terms("SPRING", Kind.PERCENT, 5, starts_at=london(2026, 3, 29, 1, 0),
               ends_at=london(2026, 10, 25, 0, 0))


@pytest.mark.parametrize(
    ("at", "reason"),
    [
        (datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC), Reason.NOT_STARTED),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), None),  # 02:00 GMT is 01:00 UTC; now BST
        (london(2026, 10, 24, 23, 59, 59), None),  # BST still: 22:59:59 UTC
        (datetime(2026, 10, 24, 23, 0, tzinfo=UTC), Reason.ENDED),  # midnight BST
        (london(2026, 10, 25, 1, 30), Reason.ENDED),
    ],
)
def test_start_and_end_are_instants_checked_in_shop_time_across_clock_changes(at, reason):
    result = discount(SPRING, 5000, now=at)
    assert (result.reason if isinstance(result, Refusal) else None) is reason


def test_the_end_message_names_the_shop_time():
    assert discount(SPRING, 5000, now=london(2026, 11, 1)).message == (
        "SPRING ended at 12am on 25 October 2026.")


@pytest.mark.parametrize(("uses", "applies"), [(0, True), (2, True), (3, False), (4, False)])
def test_a_code_with_a_use_limit_is_used_up_when_every_use_is_taken(uses, applies):
    result = discount(Terms("LIMITED", Kind.PERCENT, 10, max_uses=3, uses=uses), 1000)
    assert isinstance(result, Discount) is applies
    if not applies:
        assert result.reason is Reason.USED_UP


def test_a_once_per_customer_code_refuses_a_customer_who_used_it():
    terms = Terms("FIRST", Kind.PERCENT, 10, once_per_customer=True)
    assert isinstance(discount(terms, 1000, customer_uses=0), Discount)
    assert discount(terms, 1000, customer_uses=1).reason is Reason.ALREADY_USED


def test_an_inactive_code_does_not_apply():
    result = discount(Terms("OLD", Kind.PERCENT, 10, active=False), 1000)
    assert result.reason is Reason.INACTIVE and result.message == "OLD is no longer available."


def test_an_unknown_code_does_not_apply():
    assert discount(None, 1000).reason is Reason.UNKNOWN


def test_codes_are_case_insensitive_and_trimmed():
    assert normalise_code("  welcome10 ") == "WELCOME10"


@pytest.mark.parametrize(("kind", "value"), [(Kind.PERCENT, 0), (Kind.PERCENT, 101),
                                             (Kind.AMOUNT, 0)])
def test_terms_outside_their_range_are_refused(kind, value):
    with pytest.raises(ValueError):
        Terms("X", kind, value)


def test_naive_instants_are_refused():
    with pytest.raises(ValueError):
        Terms("X", Kind.PERCENT, 5, starts_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        evaluate(TEN_PERCENT, 100, 0, datetime(2026, 1, 1))


# Properties -----------------------------------------------------------------------------------

subtotals = st.integers(min_value=0, max_value=10**8)
terms = st.one_of(
    st.builds(Terms, code=st.just("P"), kind=st.just(Kind.PERCENT),
              value=st.integers(min_value=1, max_value=100)),
    st.builds(Terms, code=st.just("A"), kind=st.just(Kind.AMOUNT),
              value=st.integers(min_value=1, max_value=10**8)),
    st.builds(Terms, code=st.just("F"), kind=st.just(Kind.FREE_DELIVERY)),
)


@given(terms=terms, subtotal=subtotals)
def test_the_discount_is_never_negative_nor_above_the_goods(terms, subtotal):
    off = discount(terms, subtotal)
    assert 0 <= off.amount_pence <= subtotal


@given(terms=terms, subtotal=subtotals)
def test_total_is_goods_minus_discount_plus_delivery(terms, subtotal):
    off = discount(terms, subtotal)
    quote = quote_with_discount(subtotal, off, RULE)
    assert quote.total_pence == subtotal - off.amount_pence + quote.price_pence
    assert quote.total_pence >= 0


@given(terms=terms, subtotal=subtotals)
def test_delivery_is_free_exactly_when_goods_after_discount_reach_2501(terms, subtotal):
    off = discount(terms, subtotal)
    quote = quote_with_discount(subtotal, off, RULE)
    after = subtotal - off.amount_pence
    assert quote.free is (after >= 2501 or off.free_delivery)
    assert quote.price_pence == (0 if quote.free else 395)


@given(pence=subtotals, percent=st.integers(min_value=1, max_value=100))
def test_percent_discounts_round_to_the_nearest_penny_halves_up(pence, percent):
    exact = pence * percent  # hundredths of a penny
    off = percent_of(pence, percent)
    assert abs(off * 100 - exact) <= 50
    if exact % 100 == 50:
        assert off * 100 == exact + 50


@given(terms=terms, subtotal=subtotals,
       at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                       timezones=st.just(UTC)))
def test_a_code_applies_exactly_between_its_start_inclusive_and_end_exclusive(terms, subtotal, at):
    start, end = NOW, NOW + timedelta(days=30)
    windowed = Terms(terms.code, terms.kind, terms.value, starts_at=start, ends_at=end)
    assert isinstance(discount(windowed, subtotal, now=at), Discount) is (start <= at < end)
