"""schema.org data built from plain values: money, the cut-off's offset, the £25 rule, returns."""

from datetime import datetime, time

import pytest

from blog.jsonld import script_json
from shop import jsonld
from shop.domain import LONDON
from shop.domain.delivery import DeliveryRule

RULE = DeliveryRule(fee_pence=395, free_over_pence=2500)


def terms(now: datetime) -> jsonld.SellingTerms:
    return jsonld.SellingTerms(rule=RULE, cutoff=time(14), now=now, seller={},
                               delivery_url="https://shop.test/delivery",
                               returns_url="https://shop.test/returns-and-refunds")


@pytest.mark.parametrize(("pence", "text"), [(0, "0.00"), (5, "0.05"), (450, "4.50"),
                                             (2501, "25.01"), (123456, "1234.56")])
def test_money_is_written_from_pence_without_a_float(pence: int, text: str):
    assert jsonld.amount(pence) == text


@pytest.mark.parametrize(("now", "offset"), [
    (datetime(2026, 11, 25, 9, tzinfo=LONDON), "+00:00"),  # GMT
    (datetime(2026, 7, 1, 9, tzinfo=LONDON), "+01:00"),  # BST
])
def test_the_cut_off_carries_londons_offset_on_the_day(now: datetime, offset: str):
    assert terms(now).cutoff_time == f"14:00:00{offset}"


@pytest.mark.parametrize(("price", "rate"), [(2500, "3.95"), (2501, "0.00"), (450, "3.95")])
def test_one_unit_ships_free_only_when_its_price_is_over_the_threshold(price: int, rate: str):
    details = jsonld.shipping_details(price, terms(datetime(2026, 11, 25, 9, tzinfo=LONDON)))
    assert details["shippingRate"]["value"] == rate


def test_the_shipping_service_states_the_free_over_threshold_rule_on_both_sides():
    details = jsonld.shipping_details(450, terms(datetime(2026, 11, 25, 9, tzinfo=LONDON)))
    charged, free = details["hasShippingService"]["shippingConditions"]
    assert charged["orderValue"]["maxValue"] == "25.00"
    assert charged["shippingRate"]["value"] == "3.95"
    assert free["orderValue"]["minValue"] == "25.01"
    assert free["shippingRate"]["value"] == "0.00"


def test_perishable_goods_cannot_be_returned_and_others_have_fourteen_days():
    perishable = jsonld.return_policy(True, "https://shop.test/returns-and-refunds")
    other = jsonld.return_policy(False, "https://shop.test/returns-and-refunds")
    assert perishable["returnPolicyCategory"] == "https://schema.org/MerchantReturnNotPermitted"
    assert "merchantReturnDays" not in perishable
    assert other["returnPolicyCategory"] == "https://schema.org/MerchantReturnFiniteReturnWindow"
    assert other["merchantReturnDays"] == 14
    assert other["itemDefectReturnFees"] == "https://schema.org/FreeReturn"


def test_breadcrumbs_are_numbered_from_one_in_order():
    crumbs = jsonld.breadcrumb_list([("Home", "https://shop.test/"),
                                     ("Blog", "https://shop.test/blog/")])
    assert [(c["position"], c["name"]) for c in crumbs["itemListElement"]] == [
        (1, "Home"), (2, "Blog")]


def test_a_name_holding_a_closing_script_tag_cannot_end_the_block():
    text = str(script_json(jsonld.breadcrumb_list([("</script><b>", "https://shop.test/")])))
    assert "<" not in text and "\\u003c/script\\u003e" in text
