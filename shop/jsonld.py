"""schema.org data for search engines: products, breadcrumbs and the shop itself.

Plain values in, dicts out; the views give the URLs and `now`, and print each dict with
blog.jsonld.script_json, which escapes it for a <script> block. Money is written as a
decimal string built from integer pence ("4.50"), never through a float.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from shop.domain import LONDON
from shop.domain.chat import ChatHours
from shop.domain.company import Company
from shop.domain.delivery import DeliveryRule

SCHEMA = "https://schema.org"
CONTEXT = {"@context": SCHEMA}
CURRENCY = "GBP"
COUNTRY = "GB"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
EVERY_DAY = (*WEEKDAYS, "Saturday", "Sunday")
#: The Consumer Contracts Regulations' cancellation period for goods that are not perishable.
CANCELLATION_DAYS = 14


def term(name: str) -> str:
    """A schema.org enumeration member's URL, e.g. https://schema.org/InStock."""
    return f"{SCHEMA}/{name}"


def amount(pence: int) -> str:
    """Integer pence as the decimal text schema.org prices use: 2501 -> '25.01'."""
    pounds, rest = divmod(pence, 100)
    return f"{pounds}.{rest:02d}"


def _days(low: int, high: int) -> dict:
    return {"@type": "QuantitativeValue", "minValue": low, "maxValue": high, "unitCode": "DAY"}


@dataclass(frozen=True)
class SellingTerms:
    """What every offer of the shop shares: delivery, where the policies are, who sells."""

    rule: DeliveryRule
    cutoff: time
    now: datetime
    seller: dict
    delivery_url: str
    returns_url: str

    @property
    def cutoff_time(self) -> str:
        """The dispatch cut-off with London's offset on the day, e.g. '14:00:00+01:00'."""
        day = self.now.astimezone(LONDON).date()
        moment = datetime.combine(day, self.cutoff, LONDON)
        return moment.isoformat(timespec="seconds").split("T")[1]


def _money(pence: int | None = None, **bounds: str) -> dict:
    value = {} if pence is None else {"value": amount(pence)}
    return {"@type": "MonetaryAmount", "currency": CURRENCY, **value, **bounds}


def shipping_details(price_pence: int, terms: SellingTerms) -> dict:
    """Chilled next-day delivery of one unit, and the rule that makes an order over the
    threshold free (ShippingService conditions on the order's value)."""
    rule = terms.rule
    gb = {"@type": "DefinedRegion", "addressCountry": COUNTRY}
    weekdays = [term(day) for day in WEEKDAYS]
    alone = 0 if price_pence >= rule.free_from_pence else rule.fee_pence
    return {
        "@type": "OfferShippingDetails",
        "shippingLabel": "Chilled next-day delivery",
        "shippingDestination": gb,
        "shippingRate": _money(alone),
        "deliveryTime": {
            "@type": "ShippingDeliveryTime",
            # Dispatched the same working day before the cut-off, else the next one.
            "handlingTime": _days(0, 1),
            "transitTime": _days(1, 1),
            "cutoffTime": terms.cutoff_time,
            "businessDays": {"@type": "OpeningHoursSpecification", "dayOfWeek": weekdays},
        },
        "hasShippingService": {
            "@type": "ShippingService",
            "name": "Chilled next-day delivery",
            "fulfillmentType": term("FulfillmentTypeDelivery"),
            "handlingTime": {
                "@type": "ServicePeriod",
                "businessDays": weekdays,
                "cutoffTime": terms.cutoff_time,
                "duration": _days(0, 1),
            },
            "shippingConditions": [
                {
                    "@type": "ShippingConditions",
                    "shippingDestination": gb,
                    "orderValue": _money(maxValue=amount(rule.free_over_pence)),
                    "shippingRate": _money(rule.fee_pence),
                    "transitTime": _days(1, 1),
                },
                {
                    "@type": "ShippingConditions",
                    "shippingDestination": gb,
                    "orderValue": _money(minValue=amount(rule.free_from_pence)),
                    "shippingRate": _money(0),
                    "transitTime": _days(1, 1),
                },
            ],
        },
        "url": terms.delivery_url,
    }


def return_policy(perishable: bool, returns_url: str) -> dict:
    """Perishable goods cannot be returned for a change of mind (faulty ones are put right,
    as the Returns page says); other goods have the 14-day cancellation right."""
    policy = {
        "@type": "MerchantReturnPolicy",
        "applicableCountry": COUNTRY,
        "returnPolicyCountry": COUNTRY,
        "merchantReturnLink": returns_url,
    }
    if perishable:
        return policy | {"returnPolicyCategory": term("MerchantReturnNotPermitted")}
    return policy | {
        "returnPolicyCategory": term("MerchantReturnFiniteReturnWindow"),
        "merchantReturnDays": CANCELLATION_DAYS,
        "returnMethod": term("ReturnByMail"),
        "returnFees": term("ReturnFeesCustomerResponsibility"),
        "itemDefectReturnFees": term("FreeReturn"),
        "refundType": term("FullRefund"),
    }


def product(item, *, url: str, image_url: str, brand: str, terms: SellingTerms) -> dict:
    """The Product, with its one Offer, of a product page (`item`: ProductDetails)."""
    return CONTEXT | {
        "@type": "Product",
        "@id": f"{url}#product",
        "name": item.name,
        "description": item.description,
        "sku": item.slug,
        "image": [image_url],
        "url": url,
        "category": item.category_name,
        "brand": {"@type": "Brand", "name": brand},
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": amount(item.price_pence),
            "priceCurrency": CURRENCY,
            "availability": term("InStock" if item.stock > 0 else "OutOfStock"),
            "itemCondition": term("NewCondition"),
            "seller": terms.seller,
            "shippingDetails": shipping_details(item.price_pence, terms),
            "hasMerchantReturnPolicy": return_policy(item.perishable, terms.returns_url),
        },
    }


def breadcrumb_list(crumbs: list[tuple[str, str]]) -> dict:
    """A BreadcrumbList of (name, absolute URL), from the home page down to this page."""
    return CONTEXT | {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": url}
            for n, (name, url) in enumerate(crumbs, start=1)
        ],
    }


def seller(company: Company, home_url: str) -> dict:
    """The shop as an offer's seller: a reference to the home page's Organization."""
    return {"@type": "Organization", "@id": f"{home_url}#organization", "name": company.name}


def organization(company: Company, *, home_url: str, logo_url: str, contact_url: str,
                 chat: ChatHours) -> dict:
    """The shop's Organization: who it is, where, and how to reach it."""
    address = company.address
    data = CONTEXT | seller(company, home_url) | {
        "legalName": company.legal_name,
        "url": home_url,
        "logo": logo_url,
        "email": company.email,
        "telephone": company.phone,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": address.street,
            "addressLocality": address.town,
            "postalCode": address.postcode,
            "addressCountry": COUNTRY,
        },
        "contactPoint": {
            "@type": "ContactPoint",
            "contactType": "customer service",
            "email": company.email,
            "telephone": company.phone,
            "url": contact_url,
            "areaServed": COUNTRY,
            "availableLanguage": "en-GB",
            "hoursAvailable": {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": [term(day) for day in EVERY_DAY],
                "opens": chat.opens.isoformat("minutes"),
                "closes": chat.closes.isoformat("minutes"),
            },
        },
        "identifier": {
            "@type": "PropertyValue",
            "propertyID": f"Company number, registered in {company.registered_in}",
            "value": company.number,
        },
    }
    if company.vat_number:
        data["vatID"] = company.vat_number
    return data
