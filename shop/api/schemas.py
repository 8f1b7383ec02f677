"""The API's typed shapes (SPEC §2): what each call reads and answers, declared once.

spectree turns these into the OpenAPI document and checks every request against them
(shop/api/spec.py); the views build answers with each model's `of()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from flask import url_for
from pydantic import BaseModel, Field, WithJsonSchema

from blog.schemas import Post
from shop.catalogue.images import product_image_url
from shop.domain.basket import PricedBasket
from shop.domain.chat import ChatStatus as ChatState
from shop.domain.delivery import DeliveryEstimate as Estimate
from shop.domain.delivery import day_label, estimate_label
from shop.domain.fields import Ignored, Input, Instant, Query, Timestamp, text, whole_number
from shop.models import Order as OrderRow
from shop.models import OrderStatus
from shop.models import Product as ProductRow

Pence = Annotated[int, Field(ge=0)]
Page = Annotated[int, Field(ge=1, le=100_000)]
SearchWords = text(200)
LongSearchWords = text(254)
LineSlug = text(120, required=True, strip=False)
AddQuantity = whole_number(1, 99)
LineQuantity = whole_number(0, 99)
TrueOrFalse = Literal["true", "false"]


# --- Errors ------------------------------------------------------------------------------------


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str


class ValidationProblem(Problem):
    """Invalid values: the problem, with each refused field and what is wrong with it."""

    errors: dict[str, str] = Field(
        default_factory=dict, description="Each invalid field (dotted: address.postcode) and why."
    )


# --- Catalogue ---------------------------------------------------------------------------------


class Product(BaseModel):
    """A product on sale, at today's price."""

    slug: str
    name: str
    description: str
    category: str = Field(description="The category's slug (the `category` filter's value).")
    category_name: str
    price_pence: Pence
    currency: Literal["GBP"]
    in_stock: bool
    stock_available: Pence
    image_url: str = Field(description="The product's photo, or the shop's placeholder.")
    url: str

    @classmethod
    def of(cls, product: ProductRow, **extra) -> Self:
        """The API's view of a stored product."""
        return cls(
            slug=product.slug,
            name=product.name,
            description=product.description,
            category=product.category.slug,
            category_name=product.category.name,
            price_pence=product.price_pence,
            currency="GBP",
            in_stock=product.in_stock,
            stock_available=product.stock,
            image_url=product_image_url(product),
            url=url_for("catalogue.product", slug=product.slug, _external=True),
            **extra,
        )


class Listing(BaseModel):
    """One page of a list, with where it stands."""

    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1, le=100)]
    total: Pence

    @classmethod
    def of(cls, result, shape) -> Self:
        """A page of `result` (items, page, per_page, total), each item made by `shape`."""
        return cls(items=[shape(item) for item in result.items], page=result.page,
                   per_page=result.per_page, total=result.total)


class ProductList(Listing):
    items: list[Product]


class ProductQuery(Query):
    q: SearchWords = Field("", description="Words to find.")
    category: str = Field("", max_length=80, description="A category slug.")
    page: Page = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 20


class AtQuery(Query):
    at: Instant | None = Field(
        None, description="An RFC 3339 instant with a UTC offset, 1970 to 2999; default now."
    )


class ChatStatus(BaseModel):
    """Whether live chat is online, and when that next changes."""

    online: bool
    opens_at: Timestamp
    closes_at: Timestamp
    timezone: Literal["Europe/London"] = "Europe/London"
    label: str = ""
    next_change: Timestamp | None = None

    @classmethod
    def of(cls, status: ChatState) -> Self:
        """The API's view of the chat's state."""
        return cls(online=status.online, opens_at=status.opens_at, closes_at=status.closes_at,
                   label=status.label, next_change=status.next_change)


# --- Basket and delivery -----------------------------------------------------------------------


class BasketItem(BaseModel):
    slug: str
    name: str
    quantity: Annotated[int, Field(ge=1, le=99)]
    unit_price_pence: Pence = Field(description="The product's price now.")
    line_total_pence: Pence
    stock_available: Pence = 0
    problem: str | None = Field(None, description="Why this line cannot be checked out as is.")


class Delivery(BaseModel):
    service: Literal["next_day"]
    price_pence: Pence
    free: bool = Field(description="True when the goods subtotal is over free_over_pence.")
    free_over_pence: Pence
    amount_to_free_pence: Pence = Field(description="How much more to spend for free delivery.")


class BasketDiscount(BaseModel):
    """The discount code applied to the basket, and what it takes off the goods."""

    code: str = Field(examples=["WELCOME10"])
    kind: Literal["percent", "amount", "free_delivery"]
    amount_pence: Pence = Field(description="Off the goods (0 for free_delivery, which waives "
                                            "the delivery fee instead).")
    label: str = Field("", examples=["10% off"])


class DiscountProblem(BaseModel):
    """A code the customer applied that does not apply now (it stays shown until removed, and
    checkout removes it with this message)."""

    code: str
    reason: str = Field(examples=["minimum_spend"])
    detail: str


class Basket(BaseModel):
    """The caller's basket at current prices, with its delivery quote."""

    items: list[BasketItem]
    subtotal_pence: Pence
    delivery: Delivery
    total_pence: Pence
    count: Pence = Field(0, description="Units in the basket.")
    can_checkout: bool = Field(False, description="False when empty or any line has a problem.")
    discount: BasketDiscount | None = Field(None, description="The code that applies, if any.")
    discount_pence: Pence = Field(0, description="Off the goods: total = subtotal − discount "
                                                 "+ delivery; delivery counts the goods after it.")
    discount_problem: DiscountProblem | None = Field(
        None, description="The applied code, when it no longer applies, and why.")

    @classmethod
    def of(cls, basket: PricedBasket) -> Self:
        """The API's view of a priced basket."""
        quote = basket.quote
        discount, refusal = basket.discount, basket.code_refusal
        return cls(
            items=[
                BasketItem(slug=line.slug, name=line.name, quantity=line.quantity,
                           unit_price_pence=line.unit_price_pence,
                           line_total_pence=line.line_total_pence,
                           stock_available=line.stock_available, problem=line.problem)
                for line in basket.lines
            ],
            subtotal_pence=basket.subtotal_pence,
            delivery=Delivery(service=quote.service, price_pence=quote.price_pence,
                              free=quote.free, free_over_pence=quote.free_over_pence,
                              amount_to_free_pence=quote.amount_to_free_pence),
            total_pence=basket.total_pence,
            count=basket.count,
            can_checkout=basket.can_checkout,
            discount=discount and BasketDiscount(code=discount.code, kind=discount.kind,
                                                 amount_pence=discount.amount_pence,
                                                 label=discount.label),
            discount_pence=basket.discount_pence,
            discount_problem=refusal and DiscountProblem(code=refusal.code,
                                                         reason=refusal.reason,
                                                         detail=refusal.message),
        )


class DiscountCodeApply(Input):
    code: Annotated[str, Field(max_length=64, examples=["WELCOME10"],
                               description="Any case; spaces around it are ignored.")]


class BasketItemAdd(Input):
    slug: LineSlug
    quantity: AddQuantity


class BasketItemUpdate(Input):
    quantity: LineQuantity = Field(description="0 removes the line.")


class DeliveryEstimate(BaseModel):
    """When an order placed at an instant is dispatched and delivered, and the deadline."""

    order_by: Timestamp = Field(description="Order before this instant for these dates.")
    dispatch_date: date
    delivery_date: date
    timezone: Literal["Europe/London"] = "Europe/London"
    delivery_label: str = Field("", examples=["Thursday 26 November"])
    label: str = Field(
        "", examples=["Order within 2 h 15 min for delivery on Thursday 26 November"]
    )

    @classmethod
    def of(cls, estimate: Estimate, at: datetime) -> Self:
        """The estimate for an order placed at `at`."""
        return cls(order_by=estimate.order_by, dispatch_date=estimate.dispatch_date,
                   delivery_date=estimate.delivery_date,
                   delivery_label=day_label(estimate.delivery_date),
                   label=estimate_label(at, estimate))


# --- Orders ------------------------------------------------------------------------------------


class OrderItem(BaseModel):
    slug: str
    name: str
    quantity: Annotated[int, Field(ge=1)]
    unit_price_pence: Pence
    line_total_pence: Pence


def _as_stored(row: object, names: Iterable[str]) -> dict[str, Any]:
    """The row's attributes called `names`: the fields an answer shows just as they are kept."""
    return {name: getattr(row, name) for name in names}


class Order(BaseModel):
    """An order as its customer sees it."""

    number: str = Field(examples=["KS-000123"])
    status: OrderStatus
    items: list[OrderItem]
    subtotal_pence: Pence
    delivery_pence: Pence
    total_pence: Pence
    delivery_date: date
    email: str
    discount_code: str | None = Field(None, examples=["WELCOME10"])
    discount_pence: Pence = Field(0, description="Off the goods: total = subtotal − discount "
                                                 "+ delivery.")

    @classmethod
    def of(cls, order: OrderRow, **extra) -> Self:
        """The API's view of a stored order."""
        items = [
            OrderItem(slug=line.product_slug, name=line.product_name, quantity=line.quantity,
                      unit_price_pence=line.unit_price_pence,
                      line_total_pence=line.line_total_pence)
            for line in order.lines
        ]
        return cls(items=items, **_as_stored(order, Order.model_fields.keys() - {"items"}), **extra)


class OrderQuery(Query):
    token: str = Field("", description="The token from the order's status_url.")


class Payment(BaseModel):
    provider: Literal["stripe"]
    payment_intent_id: str
    client_secret: str
    publishable_key: str


class CheckoutResult(BaseModel):
    """The order, waiting for payment, and what the browser needs to pay it."""

    order: Order
    status_url: str = Field(description="The customer's signed order page.")
    payment: Payment


# --- Admin -------------------------------------------------------------------------------------


class AdminProduct(Product):
    """The public Product plus what only staff see."""

    stock: Pence
    active: bool
    featured: bool

    @classmethod
    def of(cls, product: ProductRow, **extra) -> Self:
        """Staff's view of a product, active or not."""
        return super().of(product, stock=product.stock, active=product.active,
                          featured=product.featured, **extra)


class AdminProductList(Listing):
    items: list[AdminProduct]


class AdminProductQuery(Query):
    q: SearchWords = ""
    category: str = Field("", max_length=80)
    active: TrueOrFalse = Field(None, description="Only active (true) or inactive (false) ones.")
    low_stock: Annotated[int, Field(ge=0, le=999_999_999)] = Field(
        None, description="Only products with this many units or fewer."
    )
    page: Page = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 50


class PostList(Listing):
    items: list[Post]


class PostQuery(Query):
    q: SearchWords = ""
    published: TrueOrFalse = Field(None, description="Only published (true) or drafts (false).")
    page: Page = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 50


class Address(BaseModel):
    line1: str
    line2: str
    city: str
    postcode: str


class AdminOrder(Order):
    """The public Order plus the customer and payment facts staff need."""

    name: str
    created_at: Timestamp
    paid_at: Timestamp | None
    dispatch_date: date
    address: Address
    refund_state: Literal["", "pending", "refunded"] = Field(
        "", description="pending: recorded, the background jobs are making it through Stripe."
    )
    refunded_pence: Pence = 0
    dispute_status: str = Field("", description="Stripe's dispute status; empty when none.")

    @classmethod
    def of(cls, order: OrderRow, **extra) -> Self:
        """Staff's view of an order."""
        address = Address(line1=order.address_line1, line2=order.address_line2, city=order.city,
                          postcode=order.postcode)
        staff_only = AdminOrder.model_fields.keys() - Order.model_fields.keys() - {"address"}
        return super().of(order, address=address, **_as_stored(order, staff_only), **extra)


class AdminOrderList(Listing):
    items: list[AdminOrder]


class AdminOrderQuery(Query):
    status: OrderStatus = Field(None, description="Only orders in this state.")
    q: LongSearchWords = Field("", description="An order number or email.")
    page: Page = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 50


class Refund(Input):
    restock: bool = Field(
        False, description="Put the order's items back on sale (the goods are back, or never left)."
    )


# --- Admin reports -----------------------------------------------------------------------------


#: A shop day as the reports read it: YYYY-MM-DD in 2000–2999 (checked by the domain's rule,
#: which tells an unreadable date, 400, from one out of range, 422).
ShopDay = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "format": "date", "pattern": "^2[0-9]{3}-"}),
]


class SalesQuery(Query):
    model_config = Query.model_config | {"populate_by_name": True}

    first: ShopDay = Field(None, alias="from", description="First shop day (default: to's).")
    last: ShopDay = Field(None, alias="to", description="Last shop day (default: today).")


class SalesDay(BaseModel):
    date: date
    orders: Pence
    revenue_pence: Pence


class SalesReport(BaseModel):
    """Paid, dispatched and delivered orders net of refunds, by shop day (Europe/London)."""

    model_config = {"populate_by_name": True, "serialize_by_alias": True}

    first: date = Field(alias="from")
    last: date = Field(alias="to")
    days: list[SalesDay]
    orders: Pence
    revenue_pence: Pence
    average_order_pence: Pence
    free_delivery_share: Annotated[float, Field(ge=0, le=1)]

    @classmethod
    def of(cls, sales) -> Self:
        """A range's sales (shop.admin.reports.Sales) in SPEC §2's shape, with the range."""
        return cls(
            first=sales.range.first, last=sales.range.last,
            days=[SalesDay(date=day.date, orders=day.orders, revenue_pence=day.revenue_pence)
                  for day in sales.days],
            orders=sales.orders, revenue_pence=sales.revenue_pence,
            average_order_pence=sales.average_order_pence,
            free_delivery_share=sales.free_delivery_share,
        )


# --- Admin discount codes ----------------------------------------------------------------------

DiscountKind = Literal["percent", "amount", "free_delivery"]
DiscountCodeText = Annotated[str, Field(max_length=32, examples=["WELCOME10"],
                                        description="3–32 letters, digits, - or _; any case.")]


class AdminDiscountUpdate(Input):
    """Any of a code's terms; what is not sent keeps its value (null clears an optional one)."""

    code: DiscountCodeText = None
    kind: DiscountKind = None
    value: Annotated[int, Field(ge=0, le=100_000)] = Field(
        None, description="1–100 for percent, pence for amount, 0 or absent for free_delivery.")
    min_subtotal_pence: Annotated[int, Field(ge=0, le=1_000_000)] = Field(
        None, description="Goods before the discount must reach this.")
    starts_at: Instant | None = Field(None, description="RFC 3339; works from this instant.")
    ends_at: Instant | None = Field(None, description="RFC 3339; works until just before it.")
    max_uses: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        None, description="Total uses by orders; null for no limit.")
    once_per_customer: bool = Field(None, description="Once per customer email (any case).")
    active: bool = None
    note: text(200) = Field(None, description="For staff: what the code is for.")
    uses: Ignored
    orders: Ignored
    revenue_pence: Ignored
    discount_given_pence: Ignored


class AdminDiscountCreate(AdminDiscountUpdate):
    """A new code: code and kind are required."""

    code: DiscountCodeText
    kind: DiscountKind


class AdminDiscount(BaseModel):
    """A discount code as staff see it, with how it has sold."""

    code: str
    kind: DiscountKind
    value: Pence
    min_subtotal_pence: Pence
    starts_at: Timestamp | None
    ends_at: Timestamp | None
    max_uses: Annotated[int, Field(ge=1)] | None
    once_per_customer: bool
    active: bool
    uses: Pence = Field(description="Uses held by placed orders (unpaid ones until they expire).")
    note: str = ""
    orders: Pence = Field(0, description="Paid, dispatched and delivered orders with the code.")
    revenue_pence: Pence = Field(0, description="Those orders' totals.")
    discount_given_pence: Pence = Field(0, description="What the code took off those orders.")

    @classmethod
    def of(cls, code, sales=None) -> Self:
        """Staff's view of a stored code (shop.discounts.models.DiscountCode) and its sales."""
        return cls(
            code=code.code, kind=code.kind, value=code.value,
            min_subtotal_pence=code.min_subtotal_pence, starts_at=code.starts_at,
            ends_at=code.ends_at, max_uses=code.max_uses,
            once_per_customer=code.once_per_customer, active=code.active, uses=code.uses,
            note=code.note,
            orders=sales.orders if sales else 0,
            revenue_pence=sales.revenue_pence if sales else 0,
            discount_given_pence=sales.discount_pence if sales else 0,
        )


class AdminDiscountList(Listing):
    items: list[AdminDiscount]


class AdminDiscountQuery(Query):
    q: str = Field("", max_length=32, description="Part of a code.")
    active: TrueOrFalse = Field(None, description="Only active (true) or inactive (false) ones.")
    page: Page = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 50
