"""Free next-day delivery over £25.00, and the dispatch and delivery dates, in shop time."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.domain import LONDON
from shop.domain.delivery import (
    DeliveryRule,
    bank_holidays_around,
    day_label,
    duration_label,
    england_bank_holidays,
    estimate_delivery,
    estimate_label,
    goods_subtotal,
    parse_cutoff,
    quote_delivery,
)

RULE = DeliveryRule(fee_pence=395, free_over_pence=2500)
ENGLAND = england_bank_holidays((2025, 2026, 2027))


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


# The free-delivery rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subtotal", "price", "free", "to_free"),
    [(0, 395, False, 2501), (2149, 395, False, 352), (2499, 395, False, 2),
     (2500, 395, False, 1), (2501, 0, True, 0), (2502, 0, True, 0), (100_000, 0, True, 0)],
)
def test_delivery_is_charged_up_to_25_pounds_and_free_from_25_pounds_01(
    subtotal, price, free, to_free
):
    quote = quote_delivery(subtotal, RULE)
    assert (quote.price_pence, quote.free, quote.amount_to_free_pence) == (price, free, to_free)
    assert quote.total_pence == subtotal + price
    assert quote.service == "next_day" and quote.free_over_pence == 2500


@given(subtotal=st.integers(min_value=0, max_value=10**9))
def test_default_rule_total_is_subtotal_plus_delivery_and_free_from_2501(subtotal):
    quote = quote_delivery(subtotal, RULE)
    assert quote.total_pence == quote.subtotal_pence + quote.price_pence
    assert quote.subtotal_pence == subtotal
    assert quote.free is (subtotal >= 2501)
    assert quote.price_pence == (0 if subtotal >= 2501 else 395)
    assert quote.amount_to_free_pence == max(0, 2501 - subtotal)


@given(
    subtotal=st.integers(min_value=0, max_value=10**9),
    fee=st.integers(min_value=0, max_value=10**6),
    over=st.integers(min_value=0, max_value=10**6),
)
def test_any_rule_gives_whole_non_negative_pence_that_add_up(subtotal, fee, over):
    quote = quote_delivery(subtotal, DeliveryRule(fee_pence=fee, free_over_pence=over))
    amounts = (
        quote.price_pence, quote.total_pence, quote.amount_to_free_pence, quote.progress_pence
    )
    assert all(type(amount) is int and amount >= 0 for amount in amounts)
    assert quote.total_pence == subtotal + quote.price_pence
    assert quote.free is (subtotal > over) and quote.free is (quote.amount_to_free_pence == 0)
    assert quote.price_pence == (0 if quote.free else fee)
    assert quote.amount_to_free_pence == max(0, over + 1 - subtotal)
    assert quote.progress_pence == min(subtotal, over + 1)


@pytest.mark.parametrize("bad", [-1, 1.5, "2500", True, None])
def test_a_subtotal_must_be_whole_non_negative_pence(bad):
    with pytest.raises((TypeError, ValueError)):
        quote_delivery(bad, RULE)


def test_a_rule_refuses_fractional_or_negative_amounts():
    with pytest.raises(TypeError):
        DeliveryRule(fee_pence=3.95)
    with pytest.raises(ValueError):
        DeliveryRule(free_over_pence=-1)


def test_goods_subtotal_multiplies_unit_prices_by_quantities():
    assert goods_subtotal([(450, 2), (275, 3), (1200, 1)]) == 2925
    assert goods_subtotal([]) == 0


# The delivery-date estimate -----------------------------------------------------------------

# Monday 23 November 2026 … Sunday 29 November 2026, an ordinary week in GMT.
ESTIMATES = [
    ("Monday 13:59", london(2026, 11, 23, 13, 59), date(2026, 11, 23), date(2026, 11, 24)),
    ("Monday 13:59:59.999", london(2026, 11, 23, 13, 59, 59, 999_999), date(2026, 11, 23),
     date(2026, 11, 24)),
    ("Monday 14:00 exactly", london(2026, 11, 23, 14, 0), date(2026, 11, 24), date(2026, 11, 25)),
    ("Monday 00:01", london(2026, 11, 23, 0, 1), date(2026, 11, 23), date(2026, 11, 24)),
    ("Wednesday 11:45", london(2026, 11, 25, 11, 45), date(2026, 11, 25), date(2026, 11, 26)),
    ("Friday 10:00", london(2026, 11, 27, 10, 0), date(2026, 11, 27), date(2026, 11, 28)),
    ("Friday 14:00", london(2026, 11, 27, 14, 0), date(2026, 11, 30), date(2026, 12, 1)),
    ("Saturday 09:00", london(2026, 11, 28, 9, 0), date(2026, 11, 30), date(2026, 12, 1)),
    ("Sunday 23:59", london(2026, 11, 29, 23, 59), date(2026, 11, 30), date(2026, 12, 1)),
    # Christmas 2026: Friday 25th, Boxing Day on Saturday 26th, observed on Monday 28th.
    ("Thursday 24 December 10:00", london(2026, 12, 24, 10, 0), date(2026, 12, 24),
     date(2026, 12, 29)),
    ("Thursday 24 December 14:00", london(2026, 12, 24, 14, 0), date(2026, 12, 29),
     date(2026, 12, 30)),
    ("New Year's Eve 15:00", london(2026, 12, 31, 15, 0), date(2027, 1, 4), date(2027, 1, 5)),
    # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
    ("Maundy Thursday 10:00", london(2026, 4, 2, 10, 0), date(2026, 4, 2), date(2026, 4, 4)),
    ("Maundy Thursday 15:00", london(2026, 4, 2, 15, 0), date(2026, 4, 7), date(2026, 4, 8)),
    ("Good Friday 09:00", london(2026, 4, 3, 9, 0), date(2026, 4, 7), date(2026, 4, 8)),
    ("Easter Monday 09:00", london(2026, 4, 6, 9, 0), date(2026, 4, 7), date(2026, 4, 8)),
    # A Friday before a bank-holiday Monday: delivered Saturday, or else not until Tuesday.
    ("Friday before the May Day holiday 10:00", london(2026, 5, 1, 10, 0), date(2026, 5, 1),
     date(2026, 5, 2)),
    ("Friday before the May Day holiday 16:00", london(2026, 5, 1, 16, 0), date(2026, 5, 5),
     date(2026, 5, 6)),
    # Clocks go forward on Sunday 29 March 2026 and back on Sunday 25 October 2026.
    ("spring clock change, Sunday 00:30 GMT", datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
     date(2026, 3, 30), date(2026, 3, 31)),
    ("spring clock change, Sunday 12:00 BST", london(2026, 3, 29, 12, 0), date(2026, 3, 30),
     date(2026, 3, 31)),
    ("autumn clock change, Sunday 01:30", london(2026, 10, 25, 1, 30), date(2026, 10, 26),
     date(2026, 10, 27)),
    ("autumn clock change, Sunday 12:00 GMT", london(2026, 10, 25, 12, 0), date(2026, 10, 26),
     date(2026, 10, 27)),
]


@pytest.mark.parametrize(
    ("at", "dispatch", "delivery"),
    [row[1:] for row in ESTIMATES],
    ids=[row[0] for row in ESTIMATES],
)
def test_orders_leave_in_the_next_dispatch_slot_and_arrive_the_next_delivery_day(
    at, dispatch, delivery
):
    estimate = estimate_delivery(at, time(14), ENGLAND)
    assert (estimate.dispatch_date, estimate.delivery_date) == (dispatch, delivery)
    assert estimate.order_by == london(dispatch.year, dispatch.month, dispatch.day, 14, 0)
    assert estimate.order_by > at


def test_the_cut_off_is_two_pm_london_time_in_summer_which_is_one_pm_utc():
    before = estimate_delivery(datetime(2026, 7, 1, 12, 59, 59, tzinfo=UTC), time(14), ENGLAND)
    after = estimate_delivery(datetime(2026, 7, 1, 13, 0, tzinfo=UTC), time(14), ENGLAND)
    assert before.dispatch_date == date(2026, 7, 1) and after.dispatch_date == date(2026, 7, 2)
    assert before.order_by.astimezone(UTC) == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)


def test_the_cut_off_is_two_pm_london_time_in_winter_which_is_two_pm_utc():
    before = estimate_delivery(datetime(2026, 1, 14, 13, 59, tzinfo=UTC), time(14), ENGLAND)
    after = estimate_delivery(datetime(2026, 1, 14, 14, 0, tzinfo=UTC), time(14), ENGLAND)
    assert before.dispatch_date == date(2026, 1, 14) and after.dispatch_date == date(2026, 1, 15)


def test_time_left_counts_real_hours_across_the_spring_clock_change():
    # Saturday 28 March 14:00 GMT to Monday 30 March 14:00 BST is 47 hours, not 48.
    now = london(2026, 3, 28, 14, 0)
    assert estimate_delivery(now, time(14), ENGLAND).time_left(now) == timedelta(hours=47)


def test_time_left_counts_real_hours_across_the_autumn_clock_change():
    now = london(2026, 10, 24, 14, 0)
    assert estimate_delivery(now, time(14), ENGLAND).time_left(now) == timedelta(hours=49)


def test_a_configured_cut_off_moves_the_deadline():
    estimate = estimate_delivery(london(2026, 11, 25, 15, 0), time(16, 30), ENGLAND)
    assert estimate.dispatch_date == date(2026, 11, 25)
    assert estimate.order_by == london(2026, 11, 25, 16, 30)


def test_without_bank_holidays_christmas_day_would_be_a_delivery_day():
    # Guards the table above: the holidays really are what moves the Christmas dates.
    estimate = estimate_delivery(london(2026, 12, 24, 10, 0), time(14))
    assert estimate.delivery_date == date(2026, 12, 25)


def test_englands_bank_holidays_include_observed_days_and_differ_from_scotlands():
    assert date(2026, 12, 28) in ENGLAND  # Boxing Day (observed)
    assert date(2026, 8, 31) in ENGLAND  # Late Summer Bank Holiday, England only
    assert date(2026, 1, 2) not in ENGLAND  # a Scottish holiday
    assert date(2027, 1, 1) in bank_holidays_around(london(2026, 12, 31, 12, 0))


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        estimate_delivery(datetime(2026, 11, 25, 10, 0), time(14), ENGLAND)


@pytest.mark.parametrize("text", ["14:00", " 09:30 ", "14:00:00"])
def test_the_cut_off_setting_reads_as_a_wall_clock_time(text):
    assert parse_cutoff(text) in (time(14), time(9, 30))


@pytest.mark.parametrize("text", ["2pm", "25:00", "", "14:00+01:00"])
def test_a_bad_cut_off_setting_is_refused(text):
    with pytest.raises(ValueError, match="DISPATCH_CUTOFF"):
        parse_cutoff(text)


# How the estimate reads ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "words"),
    [
        ((2026, 11, 25, 11, 45), "Order within 2 h 15 min for delivery on Thursday 26 November"),
        ((2026, 11, 25, 11, 45, 30),
         "Order within 2 h 15 min for delivery on Thursday 26 November"),
        ((2026, 11, 25, 13, 0), "Order within 1 h for delivery on Thursday 26 November"),
        ((2026, 11, 25, 13, 59, 59), "Order within 1 min for delivery on Thursday 26 November"),
        ((2026, 11, 25, 14, 0), "Order within 24 h for delivery on Friday 27 November"),
        ((2026, 11, 25, 15, 30), "Order within 22 h 30 min for delivery on Friday 27 November"),
        ((2026, 11, 27, 14, 0), "Order by 2pm on Monday for delivery on Tuesday 1 December"),
    ],
)
def test_the_estimate_reads_as_a_countdown_within_a_day_and_a_deadline_beyond(at, words):
    at = london(*at)
    assert estimate_label(at, estimate_delivery(at, time(14), ENGLAND)) == words


def test_labels_say_days_and_durations_plainly():
    assert day_label(date(2026, 12, 29)) == "Tuesday 29 December"
    assert duration_label(timedelta(minutes=135)) == "2 h 15 min"
    assert duration_label(timedelta(seconds=1)) == "1 min"
