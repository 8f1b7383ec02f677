"""Load the demo catalogue from the data file kept in the repo."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop.models import Category, Product

DATA = Path(__file__).resolve().parent.parent / "data" / "catalogue.json"


def seed_catalogue(session: Session, path: Path = DATA) -> int:
    """Add the demo categories and products to an empty catalogue; return how many products."""
    if session.scalar(select(func.count()).select_from(Product)):
        return 0
    data = json.loads(path.read_text())
    by_slug = {}
    for position, row in enumerate(data["categories"]):
        by_slug[row["slug"]] = Category(position=position, **row)
    session.add_all(by_slug.values())
    for row in data["products"]:
        session.add(
            Product(
                slug=row["slug"],
                name=row["name"],
                description=row["description"],
                category=by_slug[row["category"]],
                price_pence=row["price_pence"],
                stock=row["stock"],
                featured=row["featured"],
                perishable=row["perishable"],
                image=f"img/products/{row['slug']}.svg",
            )
        )
    session.flush()
    return len(data["products"])
