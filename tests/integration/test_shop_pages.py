"""The shop's information pages: linked from every footer, listed in the sitemap, their
figures read from the settings, edited by staff with a revision history, and never a way in
for script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree import ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop import create_app
from shop.admin.models import AuditEntry
from shop.clock import FixedClock
from shop.extensions import db
from shop.pages import PAGES, SLUGS
from shop.pages.models import ShopPage
from shop.pages.seed import seed_pages

STAFF_EMAIL = "packer@kefirshop.example"
TITLES = {"about-us": "About us", "contact": "Contact us", "delivery": "Delivery",
          "returns-and-refunds": "Returns and refunds", "faq": "Frequently asked questions",
          "terms-and-conditions": "Terms and conditions", "privacy-notice": "Privacy notice",
          "cookies": "Cookies"}


@pytest.fixture(autouse=True)
def pages(app: Flask, clock: FixedClock) -> None:
    """The information pages as seed-demo loads them."""
    with app.app_context():
        assert seed_pages(db.session, clock.now()) == len(PAGES)
        db.session.commit()


@pytest.fixture
def app_with(database_url: str, clock: FixedClock, app: Flask) -> Iterator:
    """Build another app on the same database with other settings (as a restart would)."""

    def build(**settings) -> FlaskClient:
        other = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "CLOCK": clock,
                            "DATABASE_URL": database_url, **settings})
        return other.test_client()

    yield build


def html(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def footer(page: str) -> str:
    return page[page.index('<footer class="site-footer">'): page.index("</footer>")]


def text(page: str) -> str:
    """The page's words, tags removed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def edit_form(client: FlaskClient, slug: str) -> dict[str, str]:
    """The edit form's fields as the page fills them."""
    page = html(client, f"/admin/pages/{slug}")
    fields = dict(re.findall(r'name="(csrf_token|based_on)" value="([^"]*)"', page))
    fields["title"] = re.search(r'id="title" name="title"[^>]* value="([^"]*)"', page).group(1)
    for name in ("description", "body_markdown"):
        found = re.search(rf'<textarea id="{name}"[^>]*>(.*?)</textarea>', page, re.DOTALL)
        fields[name] = found.group(1).replace("&#39;", "'").replace("&#34;", '"')
    return fields


def save(client: FlaskClient, slug: str, **changes: str):
    return client.post(f"/admin/pages/{slug}", data=edit_form(client, slug) | changes)


@pytest.mark.parametrize("path", ["/", "/products/", "/blog/", "/basket", "/delivery",
                                  "/no-such-page"])
def test_every_page_footer_links_every_information_page_and_each_answers(
    client: FlaskClient, path: str
):
    page = html(client, path, 404 if path == "/no-such-page" else 200)
    nav = footer(page)[footer(page).index('class="footer-links"'):]
    links = re.findall(r'<a href="/([a-z-]+)">', nav[: nav.index("</nav>")])
    assert links == list(SLUGS)
    for slug in SLUGS:
        assert f"<h1>{TITLES[slug]}</h1>" in html(client, f"/{slug}")


def test_the_footer_carries_the_promises_and_the_company_details(client: FlaskClient):
    bottom = text(footer(html(client, "/")))
    assert "Live chat 8am - 8pm , every day, UK time" in bottom  # the chat link, then text
    assert "FREE next-day delivery on orders over £25" in bottom
    assert "FREE lifetime support" in bottom
    assert ("Kefir Shop is a trading name of Kefir Shop Ltd, registered in England and Wales, "
            "company number 01234567.") in bottom
    assert "Unit 4, Dairy Yard, 12 Mill Lane, Bath, BA1 1AA" in bottom
    assert 'href="mailto:hello@kefirshop.example"' in footer(html(client, "/"))
    assert 'href="tel:+441174960123"' in footer(html(client, "/"))


def test_the_sitemap_lists_every_information_page_with_its_last_edit(client: FlaskClient):
    urlset = ET.fromstring(client.get("/sitemap.xml").data)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    entries = {u.find(f"{ns}loc").text: u.find(f"{ns}lastmod").text
               for u in urlset if u.find(f"{ns}lastmod") is not None}
    for slug in SLUGS:
        assert entries[f"http://localhost/{slug}"] == "2026-11-25T11:45:00+00:00"


def test_the_delivery_page_shows_the_configured_threshold_fee_and_cut_off(
    client: FlaskClient, app_with
):
    words = text(html(client, "/delivery"))
    assert "goods in your order come to more than £25.00, that is £25.01 or more" in words
    assert "next-day delivery costs £3.95" in words
    assert "Order before 2pm on a working day" in words

    other = app_with(DELIVERY_FEE_PENCE=499, FREE_DELIVERY_OVER_PENCE=4000,
                     DISPATCH_CUTOFF="13:30", CHAT_HOURS="09:00-17:30")
    words = text(html(other, "/delivery"))
    assert "more than £40.00, that is £40.01 or more" in words
    assert "next-day delivery costs £4.99" in words
    assert "Order before 1:30pm on a working day" in words
    assert "9am to 5:30pm" in words
    assert "£25.00" not in words and "£3.95" not in words and "2pm" not in words


def test_the_contact_page_and_footer_show_the_configured_company(app_with):
    other = app_with(SHOP_NAME="Brew & Co", SHOP_COMPANY_NAME="Brew <Holdings> Ltd",
                     SHOP_COMPANY_NUMBER="SC123456", SHOP_REGISTERED_IN="Scotland",
                     SHOP_ADDRESS="2 High Street, Perth, PH1 5AA", SHOP_EMAIL="hi@brew.example",
                     SHOP_PHONE="01738 000000", SHOP_VAT_NUMBER="GB 999 9999 73")
    page = html(other, "/contact")
    words = text(page)
    assert ("Brew & Co is a trading name of Brew <Holdings> Ltd, registered in Scotland, "
            "company number SC123456") in words.replace("&amp;", "&").replace(
                "&lt;", "<").replace("&gt;", ">")
    assert "Brew &lt;Holdings&gt; Ltd" in page and "<Holdings>" not in page  # escaped
    assert "2 High Street, Perth, PH1 5AA" in words
    assert '<a href="mailto:hi@brew.example">hi@brew.example</a>' in page
    assert '<a href="tel:+441738000000">01738 000000</a>' in page
    assert "VAT number GB 999 9999 73" in text(footer(page))


def test_staff_edit_a_page_and_visitors_see_the_change_and_its_revision(
    app: Flask, staff_client: FlaskClient, client: FlaskClient
):
    fields = edit_form(staff_client, "faq")
    assert fields["based_on"] == "1"
    body = fields["body_markdown"] + "\n### Can I freeze kefir?\n\nBest not.\n"
    response = save(staff_client, "faq", body_markdown=body)
    assert response.status_code == 303

    assert "Can I freeze kefir?" in html(client, "/faq")
    editor = html(staff_client, "/admin/pages/faq")
    assert "was saved as revision 2" in editor
    history = editor[editor.index('id="revisions-heading"'):]
    assert re.search(r'data-revision="2">.*?current.*?' + re.escape(STAFF_EMAIL), history,
                     re.DOTALL)
    assert re.search(r'data-revision="1">.*?seed-demo', history, re.DOTALL)
    old = html(staff_client, "/admin/pages/faq/revisions/1")
    assert "Can I freeze kefir?" not in old and "How should I store my kefir?" in old
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "page"))
        assert (entry.action, entry.entity_key, entry.actor) == ("page.update", "faq", STAFF_EMAIL)
        before, after = entry.changes["body_markdown"]
        assert "Can I freeze kefir?" in after and "Can I freeze kefir?" not in before


def test_restoring_an_old_revision_brings_its_text_back_as_a_new_revision(
    app: Flask, staff_client: FlaskClient, client: FlaskClient
):
    original = edit_form(staff_client, "about-us")["title"]
    save(staff_client, "about-us", title="About the kefir kitchen")
    assert "<h1>About the kefir kitchen</h1>" in html(client, "/about-us")
    page = html(staff_client, "/admin/pages/about-us/revisions/1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = staff_client.post("/admin/pages/about-us/revisions/1/restore",
                                 data={"csrf_token": token, "based_on": "2"})
    assert response.status_code == 303
    assert f"<h1>{original}</h1>" in html(client, "/about-us")
    with app.app_context():
        page = db.session.scalar(select(ShopPage).where(ShopPage.slug == "about-us"))
        assert [(r.number, r.title, r.note) for r in page.revisions] == [
            (3, original, "restored revision 1"),
            (2, "About the kefir kitchen", ""),
            (1, original, ""),
        ]
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == ["page.update", "page.restore"]


def test_a_save_from_a_form_opened_before_someone_elses_save_changes_nothing(
    app: Flask, staff_client: FlaskClient, admin_client: FlaskClient, client: FlaskClient
):
    stale = edit_form(staff_client, "cookies")
    assert save(admin_client, "cookies", title="Cookies we use").status_code == 303
    response = staff_client.post("/admin/pages/cookies", data=stale | {"title": "Our cookies"})
    assert response.status_code == 409
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert "<h1>Cookies we use</h1>" in html(client, "/cookies")
    with app.app_context():
        assert db.session.scalar(select(ShopPage.revision).where(ShopPage.slug == "cookies")) == 2


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "", "A page needs a title."),
    ("body_markdown", "   ", "A page needs some text."),
    ("body_markdown", "Delivery costs {{ delivery.price }}.",
     "Unknown placeholder {{ delivery.price }}"),
    ("description", "x" * 301, "Keep this to 300 characters"),
])
def test_bad_page_text_is_refused_with_a_message_and_nothing_saved(
    app: Flask, staff_client: FlaskClient, field: str, value: str, message: str
):
    response = save(staff_client, "delivery", **{field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ShopPage.revision).where(ShopPage.slug == "delivery")) == 1


def test_preview_fills_in_the_figures_and_saves_nothing(app: Flask, staff_client: FlaskClient):
    response = save(staff_client, "delivery", action="preview",
                    body_markdown="Over **{{ delivery.threshold }}** it is free.")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Over <strong>£25.00</strong> it is free." in page
    with app.app_context():
        assert db.session.scalar(select(ShopPage.revision).where(ShopPage.slug == "delivery")) == 1


ATTACKS = [
    '<script>alert("page")</script>',
    '<img src="x" onerror="alert(1)">',
    '[Click me](javascript:alert(1))',
    '<iframe src="https://evil.example/"></iframe>',
    '<a href="https://evil.example/" onclick="alert(1)" style="color:red">link</a>',
    '<svg><script>alert(1)</script></svg>',
]


def test_markdown_on_a_page_cannot_inject_script(staff_client: FlaskClient, client: FlaskClient):
    body = "Safe words.\n\n" + "\n\n".join(ATTACKS) + "\n"
    assert save(staff_client, "about-us", body_markdown=body).status_code == 303
    page = html(client, "/about-us")
    content = page[page.index('class="post-body page-body"'): page.index("</article>")]
    assert "Safe words." in content
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "style=", "<svg"):
        assert bad not in content.lower(), bad
    assert 'href="https://evil.example/" rel="noopener nofollow"' in content
    preview = save(staff_client, "about-us", action="preview", body_markdown=body)
    assert "<script>alert" not in preview.get_data(as_text=True)


def test_the_admin_pages_need_a_signed_in_account(client: FlaskClient):
    response = client.get("/admin/pages/")
    assert response.status_code == 303 and "/admin/login" in response.headers["Location"]


def test_seed_demo_adds_missing_pages_and_keeps_edited_ones(
    app: Flask, staff_client: FlaskClient, runner
):
    save(staff_client, "faq", title="Questions")
    with app.app_context():
        db.session.delete(db.session.scalar(select(ShopPage).where(ShopPage.slug == "cookies")))
        db.session.commit()
    result = runner.invoke(args=["seed-demo"])
    assert "and 1 pages" in result.output
    with app.app_context():
        titles = dict(db.session.execute(select(ShopPage.slug, ShopPage.title)).all())
    assert titles["faq"] == "Questions" and titles["cookies"] == "Cookies"
