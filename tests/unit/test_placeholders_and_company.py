"""Placeholders in staff-written pages, and the company details read from the settings."""

import pytest

from shop.domain.company import Address, Company
from shop.domain.placeholders import fill, unknown_placeholders

VALUES = {"delivery.fee": "£3.95", "shop.company-number": "01234567"}


@pytest.mark.parametrize("typed", ["{{ delivery.fee }}", "{{delivery.fee}}", "{{  delivery.fee }}"])
def test_a_known_placeholder_becomes_its_value_however_it_is_spaced(typed: str):
    assert fill(f"<p>Delivery costs {typed}.</p>", VALUES) == "<p>Delivery costs £3.95.</p>"


def test_a_hyphenated_name_is_one_placeholder():
    assert fill("No. {{ shop.company-number }}", VALUES) == "No. 01234567"


def test_an_unknown_placeholder_stays_as_typed_and_is_reported_once():
    text = "{{ delivery.fee }} {{ shop.ceo }} {{ shop.ceo }} {{ config.SECRET }}"
    assert fill(text, VALUES) == "£3.95 {{ shop.ceo }} {{ shop.ceo }} {{ config.SECRET }}"
    assert unknown_placeholders(text, VALUES) == ["shop.ceo"]


@pytest.mark.parametrize("text", ["{{ config.items() }}", "{% for x in y %}", "{{ 7*7 }}",
                                  "{{ delivery.fee | safe }}"])
def test_template_code_is_never_a_placeholder_and_never_runs(text: str):
    assert fill(text, VALUES) == text


def test_an_address_reads_street_town_and_postcode():
    address = Address.parse("Unit 4, Dairy Yard, 12 Mill Lane, Bath, ba11aa")
    assert address.lines == ("Unit 4", "Dairy Yard", "12 Mill Lane")
    assert (address.town, address.postcode) == ("Bath", "BA1 1AA")
    assert str(address) == "Unit 4, Dairy Yard, 12 Mill Lane, Bath, BA1 1AA"


@pytest.mark.parametrize("text", ["Bath", "12 Mill Lane, Bath", "1 Road, Paris, 75001"])
def test_an_address_without_street_town_and_uk_postcode_stops_the_start(text: str):
    with pytest.raises(ValueError, match="SHOP_ADDRESS"):
        Address.parse(text)


@pytest.mark.parametrize(("phone", "uri"), [("0117 496 0123", "tel:+441174960123"),
                                            ("+44 117 496 0123", "tel:+441174960123")])
def test_a_uk_phone_number_links_in_international_form(phone: str, uri: str):
    company = Company("Kefir Shop", "Kefir Shop Ltd", "01234567", "England and Wales",
                      Address.parse("1 Road, Bath, BA1 1AA"), "a@b.example", phone)
    assert company.phone_uri == uri
