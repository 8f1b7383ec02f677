"""The JSON-LD search engines read: schema.org's vocabulary and Google's product requirements.

VOCABULARY is the part of schema.org (https://schema.org, the "new" shipping terms included)
that the shop uses, with each type's own properties; every node the pages print must use
only those, with values of the expected types or enumeration members. GOOGLE lists what
Google's merchant listing (Product) and breadcrumb rich results require and recommend.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from blog.seed import seed_blog
from shop.extensions import db
from shop.models import Category, Product

pytestmark = pytest.mark.usefixtures("catalogue")

SCHEMA = "https://schema.org/"
#: Every type inherits these from Thing (plus JSON-LD's own keywords).
THING = {"@context", "@id", "@type", "additionalType", "alternateName", "description",
         "disambiguatingDescription", "identifier", "image", "mainEntityOfPage", "name",
         "potentialAction", "sameAs", "subjectOf", "url"}
CONTACT_POINT = {"areaServed", "availableLanguage", "contactOption", "contactType", "email",
                 "faxNumber", "hoursAvailable", "productSupported", "telephone"}
VOCABULARY: dict[str, set[str]] = {
    "Product": {"aggregateRating", "brand", "category", "color", "gtin", "gtin13",
                "hasMerchantReturnPolicy", "isVariantOf", "material", "mpn", "offers",
                "review", "size", "sku"},
    "Offer": {"availability", "hasMerchantReturnPolicy", "itemCondition", "price",
              "priceCurrency", "priceSpecification", "priceValidUntil", "seller",
              "shippingDetails", "sku"},
    "Brand": {"logo", "slogan"},
    "Organization": {"address", "contactPoint", "email", "hasMerchantReturnPolicy",
                     "hasShippingService", "legalName", "logo", "taxID", "telephone", "vatID"},
    "Person": {"email"},
    "PostalAddress": CONTACT_POINT | {"addressCountry", "addressLocality", "addressRegion",
                                      "postOfficeBoxNumber", "postalCode", "streetAddress"},
    "ContactPoint": CONTACT_POINT,
    "OpeningHoursSpecification": {"closes", "dayOfWeek", "opens", "validFrom", "validThrough"},
    "PropertyValue": {"propertyID", "unitCode", "unitText", "value"},
    "OfferShippingDetails": {"deliveryTime", "depth", "doesNotShip", "hasShippingService",
                             "height", "shippingDestination", "shippingLabel", "shippingOrigin",
                             "shippingRate", "shippingSettingsLink", "transitTimeLabel",
                             "validForMemberTier", "weight", "width"},
    "DefinedRegion": {"addressCountry", "addressRegion", "postalCode", "postalCodePrefix",
                      "postalCodeRange"},
    "MonetaryAmount": {"currency", "maxValue", "minValue", "validFrom", "validThrough",
                       "value"},
    "ShippingDeliveryTime": {"businessDays", "cutoffTime", "handlingTime", "transitTime"},
    "QuantitativeValue": {"maxValue", "minValue", "unitCode", "unitText", "value"},
    "ShippingService": {"fulfillmentType", "handlingTime", "shippingConditions",
                        "validForMemberTier"},
    "ShippingConditions": {"depth", "doesNotShip", "height", "numItems", "orderValue",
                           "seasonalOverride", "shippingDestination", "shippingOrigin",
                           "shippingRate", "transitTime", "weight", "width"},
    "ServicePeriod": {"businessDays", "cutoffTime", "duration"},
    "MerchantReturnPolicy": {"applicableCountry", "customerRemorseReturnFees",
                             "inStoreReturnsOffered", "itemCondition", "itemDefectReturnFees",
                             "merchantReturnDays", "merchantReturnLink", "refundType",
                             "restockingFee", "returnFees", "returnMethod",
                             "returnPolicyCategory", "returnPolicyCountry",
                             "returnShippingFeesAmount"},
    "BreadcrumbList": {"itemListElement", "itemListOrder", "numberOfItems"},
    "ListItem": {"item", "nextItem", "position", "previousItem"},
    "BlogPosting": {"about", "articleBody", "articleSection", "author", "dateCreated",
                    "dateModified", "datePublished", "headline", "inLanguage", "keywords",
                    "publisher", "wordCount"},
    "WebPage": {"breadcrumb", "lastReviewed"},
}
VOCABULARY = {kind: props | THING for kind, props in VOCABULARY.items()}
#: Properties whose value is a node, and the types it may be.
RANGES = {
    "offers": {"Offer"}, "brand": {"Brand", "Organization"}, "seller": {"Organization"},
    "shippingDetails": {"OfferShippingDetails"},
    "hasMerchantReturnPolicy": {"MerchantReturnPolicy"},
    "shippingDestination": {"DefinedRegion"}, "shippingRate": {"MonetaryAmount"},
    "deliveryTime": {"ShippingDeliveryTime"},
    "handlingTime": {"QuantitativeValue", "ServicePeriod"}, "transitTime": {"QuantitativeValue"},
    "hasShippingService": {"ShippingService"}, "shippingConditions": {"ShippingConditions"},
    "orderValue": {"MonetaryAmount"}, "duration": {"QuantitativeValue"},
    "businessDays": {"OpeningHoursSpecification"}, "itemListElement": {"ListItem"},
    "address": {"PostalAddress"}, "contactPoint": {"ContactPoint"},
    "hoursAvailable": {"OpeningHoursSpecification"}, "identifier": {"PropertyValue"},
    "mainEntityOfPage": {"WebPage"}, "author": {"Person", "Organization"},
    "publisher": {"Organization", "Person"},
}
DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        "PublicHolidays"}
RETURN_FEES = {"FreeReturn", "OriginalShippingFees", "RestockingFees",
               "ReturnFeesCustomerResponsibility", "ReturnShippingFees"}
#: Properties whose text value must be a member of a schema.org enumeration.
ENUMERATIONS = {
    "availability": {"BackOrder", "Discontinued", "InStock", "InStoreOnly",
                     "LimitedAvailability", "OnlineOnly", "OutOfStock", "PreOrder", "PreSale",
                     "SoldOut"},
    "itemCondition": {"DamagedCondition", "NewCondition", "RefurbishedCondition",
                      "UsedCondition"},
    "returnPolicyCategory": {"MerchantReturnFiniteReturnWindow", "MerchantReturnNotPermitted",
                             "MerchantReturnUnlimitedWindow", "MerchantReturnUnspecified"},
    "returnMethod": {"ReturnAtKiosk", "ReturnByMail", "ReturnInStore"},
    "returnFees": RETURN_FEES, "itemDefectReturnFees": RETURN_FEES,
    "refundType": {"ExchangeRefund", "FullRefund", "StoreCreditRefund"},
    "fulfillmentType": {"FulfillmentTypeCollectionPoint", "FulfillmentTypeDelivery",
                        "FulfillmentTypePickupDropoff", "FulfillmentTypePickupInStore",
                        "FulfillmentTypeScheduledDelivery"},
    "dayOfWeek": DAYS, "businessDays": DAYS,
}
ISO_TIME = re.compile(r"^\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def vocabulary_problems(node: dict, path: str = "$") -> list[str]:
    """Every way `node` and the nodes inside it stray from schema.org's vocabulary."""
    problems = []
    kind = node.get("@type")
    if kind not in VOCABULARY:
        return [f"{path}: type {kind!r} is not one the shop may use"]
    for prop, value in node.items():
        where = f"{path}.{prop}"
        if prop not in VOCABULARY[kind]:
            problems.append(f"{where}: {kind} has no property {prop!r}")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                if prop in RANGES and item.get("@type") not in RANGES[prop]:
                    problems.append(f"{where}: a {item.get('@type')} where {RANGES[prop]} go")
                problems += vocabulary_problems(item, where)
            elif prop in ENUMERATIONS and (
                not isinstance(item, str) or item.removeprefix(SCHEMA) not in ENUMERATIONS[prop]
                or not item.startswith(SCHEMA)
            ):
                problems.append(f"{where}: {item!r} is not a schema.org {prop} value")
            elif prop == "cutoffTime" and not ISO_TIME.match(item):
                problems.append(f"{where}: {item!r} is not an ISO 8601 time with an offset")
    return problems


def google_product_problems(product: dict) -> list[str]:
    """What Google's merchant listing rich result requires (and recommends) of a Product."""
    problems = [f"Product needs {p}" for p in ("name", "image", "offers", "description", "sku")
                if not product.get(p)]
    if not product.get("brand", {}).get("name"):
        problems.append("Product should name its brand")
    offer = product.get("offers", {})
    if not re.fullmatch(r"\d+(\.\d{1,2})?", str(offer.get("price", ""))) or not Decimal(
            str(offer["price"])) > 0:
        problems.append(f"Offer price {offer.get('price')!r} must be a number above 0")
    if not re.fullmatch(r"[A-Z]{3}", offer.get("priceCurrency", "")):
        problems.append("Offer needs a 3-letter priceCurrency")
    problems += [f"Offer should give {p}" for p in (
        "availability", "itemCondition", "shippingDetails", "hasMerchantReturnPolicy")
        if p not in offer]
    for shipping in _list(offer.get("shippingDetails")):
        rate = shipping.get("shippingRate", {})
        if "value" not in rate and "maxValue" not in rate or not rate.get("currency"):
            problems.append("shippingRate needs a value and a currency")
        if not shipping.get("shippingDestination", {}).get("addressCountry"):
            problems.append("shippingDestination needs an addressCountry")
        delivery = shipping.get("deliveryTime", {})
        for part in ("handlingTime", "transitTime"):
            value = delivery.get(part, {})
            if not {"minValue", "maxValue", "unitCode"} <= set(value):
                problems.append(f"deliveryTime.{part} needs minValue, maxValue and unitCode")
    policy = offer.get("hasMerchantReturnPolicy", {})
    problems += [f"MerchantReturnPolicy needs {p}" for p in (
        "applicableCountry", "returnPolicyCategory") if p not in policy]
    if policy.get("returnPolicyCategory", "").endswith("FiniteReturnWindow") and not isinstance(
            policy.get("merchantReturnDays"), int):
        problems.append("a finite return window needs merchantReturnDays")
    return problems


def google_breadcrumb_problems(crumbs: dict) -> list[str]:
    """Google's breadcrumb rich result: ListItems numbered 1, 2, … each with name and item."""
    items = crumbs.get("itemListElement", [])
    problems = [] if len(items) >= 2 else ["a breadcrumb trail needs at least two items"]
    for n, item in enumerate(items, start=1):
        if item.get("position") != n:
            problems.append(f"item {n} has position {item.get('position')!r}")
        if not item.get("name") or not str(item.get("item", "")).startswith("http"):
            problems.append(f"item {n} needs a name and an absolute item URL")
    return problems


def _list(value) -> list:
    return value if isinstance(value, list) else [value] if value else []


def json_ld(html: str) -> dict[str, dict]:
    """The page's JSON-LD blocks by @type (each parsed as a JSON reader would)."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    found = {}
    for block in blocks:
        data = json.loads(block)
        assert data["@context"] == "https://schema.org"
        found[data["@type"]] = data
    return found


def static_file(urls: list[str], name: str) -> bool:
    """Whether `urls` is the one absolute URL of a static file (its name fingerprinted or not)."""
    stem, suffix = name.rsplit(".", 1)
    pattern = rf"http://localhost/static/{re.escape(stem)}(\.[0-9a-f]+)?\.{suffix}"
    return len(urls) == 1 and re.fullmatch(pattern, urls[0]) is not None


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def fresh_pages(app: Flask) -> None:
    """Product pages read the database on every request, so a change shows at once."""
    app.config["PAGE_CACHE_TTL"] = 0


@pytest.mark.parametrize("slug", ["live-milk-kefir-grains", "fermenting-jar-1l",
                                  "kefir-skyr-style-450g"])
def test_product_json_ld_fits_schema_org_and_googles_merchant_listing(
    client: FlaskClient, slug: str
):
    data = json_ld(page(client, f"/products/{slug}"))
    assert set(data) == {"Product", "BreadcrumbList"}
    assert vocabulary_problems(data["Product"]) == []
    assert google_product_problems(data["Product"]) == []
    assert vocabulary_problems(data["BreadcrumbList"]) == []
    assert google_breadcrumb_problems(data["BreadcrumbList"]) == []


def test_product_json_ld_matches_the_price_and_stock_the_page_shows(client: FlaskClient):
    html = page(client, "/products/live-milk-kefir-grains")
    offer = json_ld(html)["Product"]["offers"]
    pence = int(re.search(r'data-price-pence="(\d+)"', html).group(1))
    assert (pence, offer["price"], offer["priceCurrency"]) == (1200, "12.00", "GBP")
    assert 'data-stock="35"' in html
    assert offer["availability"] == "https://schema.org/InStock"
    product = json_ld(html)["Product"]
    assert product["sku"] == "live-milk-kefir-grains"
    assert static_file(product["image"], "img/products/live-milk-kefir-grains.svg")
    assert product["brand"] == {"@type": "Brand", "name": "Kefir Shop"}


def test_a_sold_out_product_is_out_of_stock_in_its_json_ld_as_on_the_page(
    app: Flask, client: FlaskClient, fresh_pages: None
):
    with app.app_context():
        db.session.execute(update(Product).where(Product.slug == "live-milk-kefir-grains")
                           .values(stock=0, price_pence=1349))
        db.session.commit()
    html = page(client, "/products/live-milk-kefir-grains")
    offer = json_ld(html)["Product"]["offers"]
    assert "Out of stock" in html and 'data-stock="0"' in html
    assert offer["availability"] == "https://schema.org/OutOfStock"
    assert offer["price"] == "13.49" and "£13.49" in html


def test_shipping_follows_the_configured_fee_and_threshold(app: Flask, client: FlaskClient):
    app.config["DELIVERY_RULE"] = type(app.config["DELIVERY_RULE"])(fee_pence=499,
                                                                    free_over_pence=4000)
    offer = json_ld(page(client, "/products/water-kefir-mixed-case-12"))["Product"]["offers"]
    shipping = offer["shippingDetails"]
    assert shipping["shippingRate"]["value"] == "4.99"  # £29.50 alone is under £40.00
    charged, free = shipping["hasShippingService"]["shippingConditions"]
    assert charged["orderValue"]["maxValue"] == "40.00"
    assert free["orderValue"]["minValue"] == "40.01"
    assert shipping["deliveryTime"]["cutoffTime"] == "14:00:00+00:00"


def test_perishable_kefir_is_not_returnable_and_a_jar_has_fourteen_days(client: FlaskClient):
    grains = json_ld(page(client, "/products/live-milk-kefir-grains"))["Product"]
    jar = json_ld(page(client, "/products/fermenting-jar-1l"))["Product"]
    assert grains["offers"]["hasMerchantReturnPolicy"]["returnPolicyCategory"] == (
        "https://schema.org/MerchantReturnNotPermitted")
    assert jar["offers"]["hasMerchantReturnPolicy"]["merchantReturnDays"] == 14


def test_product_breadcrumbs_lead_from_home_through_the_category(client: FlaskClient):
    crumbs = json_ld(page(client, "/products/live-milk-kefir-grains"))["BreadcrumbList"]
    assert [(c["name"], c["item"]) for c in crumbs["itemListElement"]] == [
        ("Home", "http://localhost/"),
        ("Shop", "http://localhost/products/"),
        ("Grains & starter kits", "http://localhost/products/?category=grains-starter-kits"),
        ("Live Milk Kefir Grains", "http://localhost/products/live-milk-kefir-grains"),
    ]


def test_a_product_added_without_a_photo_shows_the_placeholder(app: Flask, client: FlaskClient):
    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.slug == "milk-kefir"))
        db.session.add(Product(slug="kefir-cheese", name="Kefir Cheese", category=category,
                               price_pence=650, stock=4, featured=True, perishable=True))
        db.session.commit()
    html = page(client, "/products/kefir-cheese")
    assert '<img class="product-image" src="/static/img/products/placeholder.' in html
    assert 'alt="No photo of Kefir Cheese yet"' in html
    assert static_file(json_ld(html)["Product"]["image"], "img/products/placeholder.svg")
    listing = page(client, "/products/?category=milk-kefir")
    card = listing[listing.index('href="/products/kefir-cheese"'):]
    assert 'src="/static/img/products/placeholder.' in card[: card.index("</a>")]
    assert client.get("/static/img/products/placeholder.svg").status_code == 200
    api = client.get("/api/v1/products/kefir-cheese").get_json()
    assert static_file([api["image_url"]], "img/products/placeholder.svg")


def test_a_name_that_tries_to_close_the_script_block_stays_inside_it(
    app: Flask, client: FlaskClient
):
    with app.app_context():
        db.session.execute(update(Product).where(Product.slug == "kefir-soap-bar").values(
            name="Soap</script><script>alert(1)</script>"))
        db.session.commit()
    html = page(client, "/products/kefir-soap-bar")
    assert "<script>alert(1)" not in html
    assert json_ld(html)["Product"]["name"] == "Soap</script><script>alert(1)</script>"


def test_the_home_page_describes_the_shop_as_an_organization(client: FlaskClient):
    data = json_ld(page(client, "/"))
    organization = data["Organization"]
    assert vocabulary_problems(organization) == []
    assert organization["legalName"] == "Kefir Shop Ltd"
    assert organization["address"]["postalCode"] == "BA1 1AA"
    assert organization["address"]["streetAddress"] == "Unit 4, Dairy Yard, 12 Mill Lane"
    assert organization["telephone"] == "0117 496 0123"
    assert organization["email"] == "hello@kefirshop.example"
    assert organization["identifier"]["value"] == "01234567"
    assert organization["contactPoint"]["hoursAvailable"]["opens"] == "08:00"
    for recommended in ("name", "url", "logo", "address", "contactPoint", "email", "telephone"):
        assert organization.get(recommended), recommended


def test_a_post_carries_its_breadcrumbs_beside_its_blog_posting(app: Flask, client: FlaskClient):
    with app.app_context():
        seed_blog(db.session)
        db.session.commit()
    data = json_ld(page(client, "/blog/how-kefir-effects-your-mood-and-mental-health"))
    assert set(data) == {"BlogPosting", "BreadcrumbList"}
    assert vocabulary_problems(data["BlogPosting"]) == []
    assert google_breadcrumb_problems(data["BreadcrumbList"]) == []
    assert [c["name"] for c in data["BreadcrumbList"]["itemListElement"]] == [
        "Home", "Blog", "How Kefir Effects Your Mood & Mental Health"]


def test_the_checks_themselves_catch_what_schema_org_and_google_would_refuse():
    wrong = {"@type": "Product", "name": "Kefir", "colour": "white", "offers": {
        "@type": "Offer", "price": "0", "priceCurrency": "£", "availability": "in stock"}}
    assert vocabulary_problems(wrong) == [
        "$.colour: Product has no property 'colour'",
        "$.offers.availability: 'in stock' is not a schema.org availability value",
    ]
    problems = google_product_problems(wrong)
    assert "Product needs image" in problems
    assert "Offer price '0' must be a number above 0" in problems
    assert "Offer needs a 3-letter priceCurrency" in problems
    assert google_breadcrumb_problems({"itemListElement": [{"position": 2, "name": "x"}]})
