"""Product images: checked from their bytes, resized into WebP sizes, originals kept private.

Product.image stays a static-relative path ("uploads/products/<name>-640.webp") so templates
keep using url_for('static', filename=product.image). The uploads folder is configurable
(UPLOADS_DIR); the static route serves "uploads/..." from it, wherever it lives.
"""

from __future__ import annotations

import re
import secrets
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from flask import Flask, current_app, send_from_directory, url_for
from PIL import Image, ImageOps, UnidentifiedImageError

from shop.models import Product

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
#: The width named by Product.image; the others are offered through srcset.
DEFAULT_WIDTH = 640
_VARIANT = re.compile(r"^(uploads/products/[a-z0-9-]+)-(\d+)\.webp$")


class ImageRejected(Exception):
    """An upload that is not an image we take; the message is for people."""


@dataclass(frozen=True)
class Processed:
    format: str
    width: int
    height: int
    variants: dict[int, bytes]  # target width -> WebP bytes


def uploads_dir() -> Path:
    """Where resized images live, served under /static/uploads/."""
    configured = current_app.config.get("UPLOADS_DIR")
    return Path(configured) if configured else Path(current_app.static_folder) / "uploads"


def originals_dir() -> Path:
    """Where the uploaded files are kept as they came: outside the web root."""
    configured = current_app.config.get("ORIGINALS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "originals"


def process(data: bytes, widths: tuple[int, ...], max_pixels: int) -> Processed:
    """Check that `data` is a JPEG, PNG or WebP of sane size and make WebP copies per width.

    The type comes from the bytes, never the file name. Images with more than `max_pixels`
    pixels are refused before they are decoded (decompression bombs).
    """
    if not data:
        raise ImageRejected("The file is empty. Choose a JPEG, PNG or WebP photo.")
    try:
        with warnings.catch_warnings(record=True):
            # Pillow warns between MAX_IMAGE_PIXELS and twice that; the size is checked below,
            # with a message naming it. Beyond twice that, Pillow refuses on its own.
            warnings.simplefilter("always", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data), formats=list(FORMATS))
        with image:
            kind = image.format
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRejected(_too_big(width, height, max_pixels))
            image.load()
            picture = _normalised(image)
    except Image.DecompressionBombError:
        raise ImageRejected(_too_big(None, None, max_pixels)) from None
    except UnidentifiedImageError:
        raise ImageRejected(
            "That file is not a JPEG, PNG or WebP image (whatever its name says)."
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(f"That image is damaged and cannot be read ({exc}).") from None
    variants = {}
    for target in widths:
        copy = picture.copy()
        copy.thumbnail((target, target * 10), Image.Resampling.LANCZOS)  # never upscales
        out = BytesIO()
        copy.save(out, "WEBP", quality=82, method=4)
        variants[target] = out.getvalue()
    return Processed(kind, width, height, variants)


def _too_big(width: int | None, height: int | None, max_pixels: int) -> str:
    size = f" ({width} × {height})" if width else ""
    return (
        f"That image has too many pixels{size}: the limit is {max_pixels // 1_000_000} "
        "megapixels. Please resize it and upload it again."
    )


def _normalised(image: Image.Image) -> Image.Image:
    """Upright (EXIF orientation), first frame only, in RGB or RGBA, without metadata."""
    image.seek(0)
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    return upright.convert("RGBA" if has_alpha else "RGB")


def check(data: bytes) -> Processed:
    """Process an upload with the app's limits, or raise ImageRejected; nothing is written."""
    config = current_app.config
    return process(data, tuple(config["IMAGE_WIDTHS"]), config["MAX_IMAGE_PIXELS"])


def save(product: Product, processed: Processed, original: bytes) -> str:
    """Write an accepted image's sizes and its original; return the new Product.image."""
    stem = f"{product.slug[:80]}-{secrets.token_hex(4)}"
    folder = uploads_dir() / "products"
    folder.mkdir(parents=True, exist_ok=True)
    for width, webp in processed.variants.items():
        (folder / f"{stem}-{width}.webp").write_bytes(webp)
    originals = originals_dir() / "products"
    originals.mkdir(parents=True, exist_ok=True)
    (originals / f"{stem}.{FORMATS[processed.format]}").write_bytes(original)
    widths = tuple(current_app.config["IMAGE_WIDTHS"])
    shown = DEFAULT_WIDTH if DEFAULT_WIDTH in widths else widths[0]
    return f"uploads/products/{stem}-{shown}.webp"


def srcset(product: Product) -> str:
    """The srcset of an uploaded product image ("" for the demo SVGs)."""
    match = _VARIANT.match(product.image or "")
    if not match:
        return ""
    return ", ".join(
        f"{url_for('static', filename=f'{match.group(1)}-{width}.webp')} {width}w"
        for width in current_app.config["IMAGE_WIDTHS"]
    )


def init_app(app: Flask) -> None:
    """Serve uploads from UPLOADS_DIR through the static route, and offer the srcset filter."""
    Image.MAX_IMAGE_PIXELS = app.config["MAX_IMAGE_PIXELS"]
    static_files = app.view_functions["static"]

    def static(filename: str):
        if filename.startswith("uploads/"):
            return send_from_directory(uploads_dir(), filename.removeprefix("uploads/"))
        return static_files(filename=filename)

    app.view_functions["static"] = static
    app.jinja_env.filters["srcset"] = srcset
