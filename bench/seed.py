"""A catalogue of any size for the benchmark: the demo shop plus generated products."""

from __future__ import annotations

import http.cookiejar
import json
import random
import re
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from itertools import cycle

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from blog.queries import latest_teaser
from blog.seed import seed_blog
from shop.catalogue.seed import DATA, seed_catalogue
from shop.domain import LONDON
from shop.extensions import db
from shop.models import Category, Product

WORDS = ("Live", "Organic", "Raw", "Cultured", "Sparkling", "Creamy", "Wild", "Heritage")
KINDS = ("Milk Kefir", "Water Kefir", "Kefir Grains", "Kefir Starter", "Kefir Smoothie")


def build(app: Flask, products: int) -> dict[str, str]:
    """Migrate an empty database and fill it with `products` products and the blog's seed.

    Returns the slugs the benchmark's targets need ({"product": ..., "post": ...}).
    """
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        seed_catalogue(db.session)
        seed_blog(db.session)
        db.session.flush()
        categories = list(db.session.scalars(select(Category).order_by(Category.id)))
        images = [p["slug"] for p in json.loads(DATA.read_text())["products"]]
        start = len(images) + 1
        rows = [
            {
                "slug": f"bench-product-{n:05d}",
                "name": f"{WORDS[n % len(WORDS)]} {KINDS[n % len(KINDS)]} No. {n}",
                "description": "A benchmark product: live cultures, small batches, British milk. "
                * 3,
                "category_id": category.id,
                "price_pence": 150 + (n * 37) % 4000,
                "stock": n % 50,
                "featured": False,
                "active": True,
                "image": f"img/products/{image}.svg",
            }
            for n, category, image in zip(
                range(start, products + 1), cycle(categories), cycle(images), strict=False
            )
        ]
        if rows:
            db.session.execute(insert(Product), rows)
        db.session.commit()
        post = latest_teaser()
        slugs = {"product": "live-milk-kefir-grains", **({"post": post.slug} if post else {})}
        db.session.remove()
        db.engine.dispose()
        return slugs


#: The admin account the benchmark and the audits sign in with to reach the back office.
ADMIN_EMAIL = "bench-owner@kefirshop.example"
ADMIN_PASSWORD = "bench-owner-password-0018"


def add_admin(app: Flask) -> tuple[str, str]:
    """Open the admin account the benchmark signs in with; (email, password)."""
    from shop.admin.accounts import create_user

    with app.app_context():
        create_user(ADMIN_EMAIL, ADMIN_PASSWORD, "admin")
        db.session.commit()
        db.session.remove()
    return ADMIN_EMAIL, ADMIN_PASSWORD


def admin_cookie(base_url: str, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
    """Sign in through the admin's login form; the Cookie header of the signed-in session."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(f"{base_url}/admin/login", timeout=10) as response:
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode()).group(1)
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    with browser.open(f"{base_url}/admin/login", data=form.encode(), timeout=10) as response:
        if not response.url.endswith("/admin/"):
            raise RuntimeError(f"signing in as {email} failed: landed on {response.url}")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def seed_orders(app: Flask, count: int, now: datetime, days: int = 365, seed: int = 18) -> None:
    """`count` orders spread over the `days` before `now`, with their lines and baskets.

    Most are delivered, recent ones paid or dispatched, a few refunded, expired or unpaid;
    goods subtotals spread either side of the £25 threshold. Baskets exist only for the
    last 30 days, as purge-baskets leaves them. Rows go in by the thousand (executemany).
    """
    from shop.domain.delivery import bank_holidays_around, estimate_delivery
    from shop.models import Basket, Order, OrderLine, OrderStatus

    rng = random.Random(seed)
    holidays = bank_holidays_around(now) | bank_holidays_around(now - timedelta(days=days))
    today = now.astimezone(LONDON).date()
    with app.app_context():
        products = db.session.execute(
            select(Product.id, Product.slug, Product.name, Product.price_pence)
            .where(Product.active.is_(True)).order_by(Product.id).limit(200)
        ).all()
        first = (db.session.scalar(select(func.max(Order.id))) or 0) + 1
        orders, lines, baskets = [], [], []
        for n in range(count):
            placed = now - timedelta(seconds=rng.randrange(days * 86_400))
            estimate = estimate_delivery(placed, bank_holidays=holidays)
            roll = rng.random()
            if roll < 0.03:
                status = OrderStatus.REFUNDED
            elif roll < 0.07:
                status = OrderStatus.EXPIRED
            elif estimate.dispatch_date >= today:
                status = OrderStatus.PAID
            elif estimate.delivery_date >= today:
                status = OrderStatus.DISPATCHED
            else:
                status = OrderStatus.DELIVERED
            picked = rng.sample(products, rng.choice((1, 1, 2, 2, 3, 4)))
            order_lines = [(p, rng.choice((1, 1, 1, 2, 2, 3))) for p in picked]
            subtotal = sum(p.price_pence * quantity for p, quantity in order_lines)
            delivery = 0 if subtotal > 2500 else 395
            order_id = first + n
            orders.append({
                "id": order_id, "number": f"KS-{order_id:06d}", "status": status,
                "email": f"customer{n % 5000}@example.com", "name": f"Customer {n % 5000}",
                "phone": "", "address_line1": f"{n % 200 + 1} Kefir Lane", "address_line2": "",
                "city": "Bath", "postcode": "BA1 1AA", "subtotal_pence": subtotal,
                "delivery_pence": delivery, "total_pence": subtotal + delivery,
                "dispatch_date": estimate.dispatch_date, "delivery_date": estimate.delivery_date,
                "created_at": placed, "expires_at": placed + timedelta(minutes=30),
                "paid_at": None if status == OrderStatus.EXPIRED else placed,
                "updated_at": placed,
            })
            lines += [{"order_id": order_id, "product_id": p.id, "product_slug": p.slug,
                       "product_name": p.name, "unit_price_pence": p.price_pence,
                       "quantity": quantity} for p, quantity in order_lines]
            if now - placed < timedelta(days=30):
                # Two more baskets were started for every one that reached checkout.
                baskets += [{"token": f"bench-{n}-{k}", "created_at": placed,
                             "updated_at": placed} for k in range(3)]
        for table, rows in ((Order, orders), (OrderLine, lines), (Basket, baskets)):
            for start in range(0, len(rows), 5_000):
                db.session.execute(insert(table), rows[start:start + 5_000])
        db.session.commit()
        db.session.remove()


def customer_cookie(base_url: str, email: str = "audit-customer@example.com") -> str:
    """Open a customer account through the API (which signs it in); the Cookie header of the
    signed-in session, with a saved address so the address book has something to show."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = json.dumps({"email": email, "password": "audited-kefir-account-1",
                       "name": "Audrey Customer"}).encode()
    request = urllib.request.Request(f"{base_url}/api/v1/account", data=body,
                                     headers={"Content-Type": "application/json"})
    with browser.open(request, timeout=10):
        pass
    with browser.open(f"{base_url}/account/addresses", timeout=10) as response:
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode()).group(1)
    form = urllib.parse.urlencode({"name": "Audrey Customer", "line1": "1 Kefir Lane",
                                   "city": "Bath", "postcode": "BA1 1AA", "csrf_token": token})
    with browser.open(f"{base_url}/account/addresses", data=form.encode(), timeout=10):
        pass
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
