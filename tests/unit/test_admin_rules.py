"""Pure rules of the admin: prices typed in pounds, slugs, field checks and image vetting."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from pydantic import ValidationError

from blog.rendering import slugify
from shop.admin.images import ImageRejected, process
from shop.admin.validation import ProductCreate
from shop.domain.fields import field_errors
from shop.domain.money import format_gbp, parse_pounds, pounds_input

WIDTHS = (320, 640, 1024)
LIMIT = 40_000_000


@pytest.mark.parametrize(
    ("typed", "pence"),
    [("12.50", 1250), ("12.5", 1250), ("12", 1200), ("£0.01", 1), (" 1,250.00 ", 125000),
     ("0.99", 99), ("007.05", 705)],
)
def test_prices_typed_in_pounds_become_pence_without_floats(typed, pence):
    assert parse_pounds(typed) == pence


@pytest.mark.parametrize("typed", ["", "12.505", "-1", "1e3", "12.", ".5", "twelve", "١٢", "12,50p",
                                   "99999999"])
def test_prices_that_are_not_pounds_and_pence_are_refused(typed):
    with pytest.raises(ValueError):
        parse_pounds(typed)


@given(st.integers(min_value=0, max_value=999_999_999))
def test_a_price_shown_in_a_form_reads_back_as_the_same_pence(pence):
    assert parse_pounds(pounds_input(pence)) == pence
    assert parse_pounds(format_gbp(pence)) == pence


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Live Kefir Grains (50 g)", "live-kefir-grains-50-g"), ("Crème fraîche!", "creme-fraiche"),
     ("  --  ", "")],
)
def test_slugs_are_made_from_names(name, slug):
    assert slugify(name) == slug


def test_the_product_model_names_every_bad_field_at_once():
    with pytest.raises(ValidationError) as refused:
        ProductCreate.model_validate({"name": "", "price_pence": 1.5, "active": "yes",
                                      "colour": "red"})
    assert set(field_errors(refused.value)) == {"name", "category", "price_pence", "active",
                                                "colour"}


def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_an_image_gets_a_webp_per_width_in_its_own_proportions():
    out = BytesIO()
    Image.new("RGB", (2000, 1000), "green").save(out, "JPEG")
    processed = process(out.getvalue(), WIDTHS, LIMIT)
    assert (processed.format, processed.width, processed.height) == ("JPEG", 2000, 1000)
    for width, data in processed.variants.items():
        with Image.open(BytesIO(data)) as webp:
            assert webp.format == "WEBP" and webp.size == (width, width // 2)


def test_a_sideways_phone_photo_is_turned_upright():
    out = BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    Image.new("RGB", (400, 300), "white").save(out, "JPEG", exif=exif)
    processed = process(out.getvalue(), (320,), LIMIT)
    with Image.open(BytesIO(processed.variants[320])) as webp:
        assert webp.size == (300, 400)
        assert not webp.getexif()  # no location or camera data is published


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"<html>not an image</html>", "not a JPEG, PNG or WebP"),
        (_png_claiming(50_000, 50_000), "too many pixels"),
        (_png_claiming(8_000, 6_000), "too many pixels (8000 × 6000)"),
    ],
)
def test_files_that_are_not_sane_images_are_refused(data, words):
    with pytest.raises(ImageRejected, match=words.replace("(", r"\(").replace(")", r"\)")):
        process(data, WIDTHS, LIMIT)
