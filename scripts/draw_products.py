"""Draw the demo catalogue's product artwork, and the placeholder for products without a
photo, as small SVG files (run once, output committed)."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "img" / "products"

SHAPES = {
    "milk-kefir": (
        '<path d="M170 60h60v40c0 10 30 30 30 60v170c0 15-10 25-25 25h-70c-15 0-25-10-25-25V160'
        'c0-30 30-50 30-60z" fill="#ffffff" stroke="{accent}" stroke-width="6"/>'
        '<rect x="165" y="45" width="70" height="25" rx="6" fill="{accent}"/>'
        '<rect x="146" y="190" width="108" height="80" fill="{accent}" opacity=".9"/>'
    ),
    "water-kefir": (
        '<path d="M180 50h40v50c0 10 25 25 25 55v180c0 12-8 20-20 20h-50c-12 0-20-8-20-20V155'
        'c0-30 25-45 25-55z" fill="{colour}" stroke="{accent}" stroke-width="6"/>'
        '<rect x="176" y="36" width="48" height="20" rx="5" fill="{accent}"/>'
        '<circle cx="185" cy="240" r="6" fill="{accent}" opacity=".4"/>'
        '<circle cx="210" cy="270" r="4" fill="{accent}" opacity=".4"/>'
        '<circle cx="200" cy="300" r="7" fill="{accent}" opacity=".4"/>'
        '<rect x="155" y="180" width="90" height="45" fill="{accent}" opacity=".9"/>'
    ),
    "grains-starter-kits": (
        '<rect x="120" y="110" width="160" height="220" rx="24" fill="#ffffff" stroke="{accent}"'
        ' stroke-width="6"/><rect x="130" y="80" width="140" height="36" rx="8" fill="{accent}"/>'
        '<circle cx="170" cy="250" r="22" fill="{accent}" opacity=".35"/>'
        '<circle cx="215" cy="270" r="26" fill="{accent}" opacity=".45"/>'
        '<circle cx="200" cy="225" r="18" fill="{accent}" opacity=".3"/>'
        '<circle cx="240" cy="235" r="14" fill="{accent}" opacity=".35"/>'
    ),
    "skincare-gifts": (
        '<rect x="100" y="150" width="200" height="170" rx="10" fill="#ffffff" stroke="{accent}"'
        ' stroke-width="6"/><rect x="90" y="120" width="220" height="45" rx="8" fill="{accent}"/>'
        '<rect x="188" y="120" width="24" height="200" fill="{colour}" stroke="{accent}"'
        ' stroke-width="3"/><path d="M200 120c-30-40-70-30-55-5 10 15 55 5 55 5zm0 0c30-40 70-30'
        ' 55-5-10 15-55 5-55 5z" fill="{colour}" stroke="{accent}" stroke-width="5"/>'
    ),
}


def svg(product: dict) -> str:
    """One product's picture: its category's vessel in its own colours."""
    shape = SHAPES[product["category"]].format(colour=product["colour"], accent=product["accent"])
    title = escape(product["name"])
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400"'
        f' role="img" aria-label="{title}"><title>{title}</title>'
        f'<rect width="400" height="400" fill="{product["colour"]}"/>'
        '<ellipse cx="200" cy="350" rx="120" ry="14" fill="#000000" opacity=".08"/>'
        f"{shape}</svg>\n"
    )


def placeholder() -> str:
    """The picture of a product staff added without a photo: an empty, dashed jar."""
    ink, green = "#4a524e", "#1f6f50"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400"'
        ' role="img" aria-label="Photo coming soon"><title>Photo coming soon</title>'
        '<rect width="400" height="400" fill="#f5f0e4"/>'
        '<ellipse cx="200" cy="318" rx="110" ry="12" fill="#000000" opacity=".06"/>'
        f'<rect x="135" y="118" width="130" height="190" rx="22" fill="#fffdf8" stroke="{green}"'
        ' stroke-width="5" stroke-dasharray="14 10"/>'
        f'<rect x="145" y="90" width="110" height="30" rx="8" fill="{green}" opacity=".3"/>'
        f'<circle cx="180" cy="250" r="17" fill="{green}" opacity=".22"/>'
        f'<circle cx="214" cy="266" r="21" fill="{green}" opacity=".3"/>'
        f'<circle cx="204" cy="228" r="13" fill="{green}" opacity=".18"/>'
        f'<text x="200" y="365" text-anchor="middle" font-family="system-ui, sans-serif"'
        f' font-size="24" fill="{ink}">Photo coming soon</text></svg>\n'
    )


def main() -> None:
    data = json.loads((ROOT / "shop" / "data" / "catalogue.json").read_text())
    OUT.mkdir(parents=True, exist_ok=True)
    for product in data["products"]:
        (OUT / f"{product['slug']}.svg").write_text(svg(product))
    (OUT / "placeholder.svg").write_text(placeholder())


if __name__ == "__main__":
    main()
