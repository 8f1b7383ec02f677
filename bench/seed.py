"""A catalogue of any size for the benchmark: the demo shop plus generated products."""

from __future__ import annotations

import json
from itertools import cycle

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import insert, select

from blog.queries import latest_teaser
from blog.seed import seed_blog
from shop.catalogue.seed import DATA, seed_catalogue
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
