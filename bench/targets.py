"""The shop's key pages, in one place for the benchmark and the browser audits.

When a branch adds a page, adding it here is one line: the audits (tests/audit) run on
AUDITED_PAGES and the benchmark (`make bench`) times BENCH_TARGETS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shop.pages import SLUGS


@dataclass(frozen=True)
class Target:
    """A page or API call, and what it must answer to count as built."""

    name: str
    #: May hold {product} (a product's slug) and {post} (a published post's slug).
    path: str
    method: str = "GET"
    json: dict = field(default_factory=dict)
    status: int = 200
    #: The benchmark's goal: at least this fraction of the ceiling page's requests per second.
    goal: float = 0.5
    #: Instead, for a page whose work grows with the shop's history (a report over thousands
    #: of orders), the most its median request may take, in milliseconds.
    p50_goal_ms: float | None = None
    #: False for a page kept out of search engines on purpose (noindex): a basket is no
    #: landing page, so Lighthouse's "is crawlable" audit does not apply to it.
    indexable: bool = True
    #: True for a page that needs something in the basket: the audits send a basket's cookie.
    basket: bool = False
    #: True for a back-office page: the audits and the benchmark sign in as an admin first.
    admin: bool = False
    #: True for a customer's account page: the audits send a signed-in customer's cookie.
    customer: bool = False

    def url(self, base: str, **slugs: str) -> str | None:
        """The full URL, or None when a slug it needs does not exist (yet)."""
        try:
            return base + self.path.format(**slugs)
        except KeyError:
            return None

    def body(self, **slugs: str) -> dict:
        """The JSON body with its slugs filled in."""
        return {k: v.format(**slugs) if isinstance(v, str) else v for k, v in self.json.items()}


HOME = Target("home", "/")
CATALOGUE = Target("catalogue", "/products/")
PRODUCT = Target("product", "/products/{product}")
ARTICLE = Target("blog article", "/blog/{post}")
#: The owner's reports over the last 30 days, among 100,000 orders (the benchmark seeds them).
REPORTS = Target("reports", "/admin/reports/", indexable=False, admin=True, p50_goal_ms=250)
DISPATCH = Target("dispatch", "/admin/dispatch/", indexable=False, admin=True)
BASKET_ADD = Target("basket add", "/api/v1/basket/items", method="POST",
                    json={"slug": "{product}", "quantity": 1}, status=201, goal=0.25)

#: The shop's information pages (shop.pages.PAGES), each a Markdown page staff edit.
INFO_PAGES = [Target(slug.replace("-", " "), f"/{slug}") for slug in SLUGS]

#: Lighthouse, the Nu Html Checker and axe-core run on each of these.
AUDITED_PAGES = [
    HOME,
    CATALOGUE,
    PRODUCT,
    Target("basket", "/basket", indexable=False, basket=True),
    Target("checkout", "/checkout", indexable=False, basket=True),
    ARTICLE,
    REPORTS,
    DISPATCH,
    *INFO_PAGES,
    # Live chat without JavaScript; the chat dialog and a conversation's page are audited in
    # tests/audit/test_chat_audits.py (they need a click, or a conversation's token).
    Target("support", "/support/", indexable=False),
    Target("discount codes", "/admin/discounts/", indexable=False, admin=True),
    Target("new discount code", "/admin/discounts/new", indexable=False, admin=True),
    # Customer accounts: the pages anyone sees, then a signed-in customer's.
    Target("sign in", "/account/sign-in", indexable=False),
    Target("sign up", "/account/sign-up", indexable=False),
    Target("password reset", "/account/reset", indexable=False),
    Target("account orders", "/account/", indexable=False, customer=True),
    Target("account addresses", "/account/addresses", indexable=False, customer=True),
    Target("account details", "/account/details", indexable=False, customer=True),
    Target("account data", "/account/delete", indexable=False, customer=True),
]

#: The benchmark times each beside the ceiling page; a target that does not answer its
#: status yet (the article and the basket before their branches land) prints n/a.
BENCH_TARGETS = [HOME, CATALOGUE, PRODUCT, ARTICLE, BASKET_ADD, REPORTS]

#: The demo product every audited or timed product page shows.
DEMO_PRODUCT = "live-milk-kefir-grains"
