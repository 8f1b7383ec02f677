"""What the checkout accepts as a customer's details and UK address."""

import pytest

from shop.domain.customer import normalise_postcode, validate_customer

GOOD = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "phone": "+44 20 7946 0000",
    "address": {"line1": "1 Kefir Lane", "line2": "", "city": "Bath", "postcode": "ba1 1aa"},
}


def with_(**changes):
    data = {**GOOD, "address": {**GOOD["address"]}}
    for key, value in changes.items():
        (data["address"] if key in {"line1", "line2", "city", "postcode"} else data)[key] = value
    return data


def test_a_complete_uk_address_is_accepted_and_normalised():
    customer, errors = validate_customer(GOOD)
    assert errors == {}
    assert customer.postcode == "BA1 1AA"
    assert customer.email == "ada@example.com"


@pytest.mark.parametrize(
    "postcode",
    ["SW1A 1AA", "sw1a1aa", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "GIR 0AA"],
)
def test_real_uk_postcodes_are_accepted(postcode):
    assert validate_customer(with_(postcode=postcode))[1] == {}


@pytest.mark.parametrize(
    "postcode", ["90210", "75008", "SW1A", "1AA SW1", "QQ1 1AA", "BA1 1AAA", ""]
)
def test_non_uk_postcodes_are_refused(postcode):
    assert "postcode" in validate_customer(with_(postcode=postcode))[1]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", ""),
        ("name", ""),
        ("name", "x" * 10_000),
        ("name", "<b>Ada</b>"),
        ("line1", ""),
        ("city", "x" * 61),
        ("phone", "call me"),
        ("name", 42),
        ("line1", "a\x00b"),
    ],
)
def test_bad_fields_get_a_message_each(field, value):
    customer, errors = validate_customer(with_(**{field: value}))
    assert customer is None
    assert field in errors and errors[field]


def test_phone_and_second_address_line_are_optional():
    data = with_(phone="", line2=None)
    assert validate_customer(data)[1] == {}


def test_an_address_that_is_not_an_object_is_refused():
    assert "address" in validate_customer({**GOOD, "address": "1 Kefir Lane"})[1]


def test_postcodes_get_one_space_before_the_inward_code():
    assert normalise_postcode(" sw1a   1aa ") == "SW1A 1AA"
