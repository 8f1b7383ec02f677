"""Money is integer pence, shown as pounds only at the edge."""

import pytest

from shop.domain.money import format_gbp


@pytest.mark.parametrize(
    ("pence", "text"),
    [(0, "£0.00"), (5, "£0.05"), (395, "£3.95"), (2500, "£25.00"), (2501, "£25.01"),
     (123456, "£1,234.56"), (-50, "-£0.50")],
)
def test_pence_are_formatted_as_pounds_and_pence(pence, text):
    assert format_gbp(pence) == text


@pytest.mark.parametrize(
    ("pence", "text"), [(2500, "£25"), (2501, "£25.01"), (100000, "£1,000"), (5, "£0.05")]
)
def test_the_short_form_leaves_off_the_pence_of_whole_pounds_only(pence, text):
    assert format_gbp(pence, short=True) == text


@pytest.mark.parametrize("value", [25.0, "2500", None, True])
def test_anything_but_integer_pence_is_refused(value):
    with pytest.raises(TypeError):
        format_gbp(value)
