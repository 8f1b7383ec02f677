"""Live chat is online 08:00–20:00 Europe/London every day, across the clock changes."""

from datetime import UTC, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.domain import LONDON
from shop.domain.chat import ChatHours, chat_status, clock_label


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("at", "online", "label"),
    [
        (london(2026, 11, 25, 7, 59, 59), False, "opens 8am"),
        (london(2026, 11, 25, 8, 0), True, "online now, until 8pm"),
        (london(2026, 11, 25, 19, 59, 59), True, "online now, until 8pm"),
        (london(2026, 11, 25, 20, 0), False, "opens 8am tomorrow"),
        (london(2026, 11, 28, 12, 0), True, "online now, until 8pm"),  # a Saturday
        (london(2026, 12, 25, 9, 0), True, "online now, until 8pm"),  # every day, holidays too
        (london(2026, 11, 25, 0, 0), False, "opens 8am"),
    ],
)
def test_chat_is_online_from_eight_inclusive_to_eight_exclusive(at, online, label):
    status = chat_status(at)
    assert status.online is online
    assert status.label == label


def test_chat_opening_is_eight_london_time_in_summer_which_is_seven_utc():
    status = chat_status(datetime(2026, 7, 1, 7, 0, tzinfo=UTC))
    assert status.online is True
    assert status.opens_at == london(2026, 7, 1, 8, 0)
    assert status.opens_at.astimezone(UTC).hour == 7


def test_chat_opening_is_eight_london_time_in_winter_which_is_eight_utc():
    assert chat_status(datetime(2026, 1, 15, 7, 59, tzinfo=UTC)).online is False
    assert chat_status(datetime(2026, 1, 15, 8, 0, tzinfo=UTC)).online is True


@pytest.mark.parametrize("day", [29, 30])  # 29 March 2026: clocks go forward
def test_chat_hours_hold_on_and_after_the_spring_clock_change(day):
    assert chat_status(london(2026, 3, day, 8, 0)).online is True
    assert chat_status(london(2026, 3, day, 7, 59)).online is False
    assert chat_status(datetime(2026, 3, day, 6, 59, tzinfo=UTC)).online is False


def test_chat_hours_hold_on_the_autumn_clock_change():
    # 25 October 2026: clocks go back at 02:00 BST; 08:00 is 08:00 GMT.
    assert chat_status(datetime(2026, 10, 25, 7, 59, tzinfo=UTC)).online is False
    assert chat_status(datetime(2026, 10, 25, 8, 0, tzinfo=UTC)).online is True
    # The day before, still BST: 07:00 UTC is 08:00 in London.
    assert chat_status(datetime(2026, 10, 24, 7, 0, tzinfo=UTC)).online is True


def test_next_change_after_closing_is_tomorrows_opening():
    status = chat_status(london(2026, 11, 25, 21, 30))
    assert status.next_change == london(2026, 11, 26, 8, 0)


def test_next_change_while_open_is_todays_closing():
    assert chat_status(london(2026, 11, 25, 9, 0)).next_change == london(2026, 11, 25, 20, 0)


def test_chat_hours_are_configuration():
    hours = ChatHours.parse("09:30-17:00")
    assert chat_status(london(2026, 11, 25, 9, 29), hours).online is False
    assert chat_status(london(2026, 11, 25, 9, 30), hours).label == "online now, until 5pm"
    assert chat_status(london(2026, 11, 25, 8, 0), hours).label == "opens 9:30am"


@pytest.mark.parametrize("text", ["", "8-20", "20:00-08:00", "08:00", "nonsense"])
def test_malformed_chat_hours_are_refused(text):
    with pytest.raises(ValueError):
        ChatHours.parse(text)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        chat_status(datetime(2026, 11, 25, 12, 0))


@pytest.mark.parametrize(
    ("t", "label"), [(time(8), "8am"), (time(20), "8pm"), (time(12), "12pm"), (time(0), "12am"),
                     (time(8, 30), "8:30am")]
)
def test_clock_labels_read_as_people_say_them(t, label):
    assert clock_label(t) == label


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.just(UTC)))
def test_online_exactly_when_the_london_hour_is_from_8_to_19(instant):
    status = chat_status(instant)
    assert status.online == (8 <= instant.astimezone(LONDON).hour < 20)
    assert status.next_change > instant
