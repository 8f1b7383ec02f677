"""A gzip body spliced from parts deflated once and values stored per answer."""

import gzip
import zlib

from hypothesis import given
from hypothesis import strategies as st

from shop.http_cache import GzipParts

PAGE = [b"<!doctype html><form><input name=csrf_token value=\"", b"\"></form>" * 50, b"</html>"]
VALUES = [b"token-of-one-visit", b"2026-11-25T11:45:00+00:00"]


def spliced(fixed: list[bytes], values: list[bytes]) -> tuple[bytes, bytes]:
    """(the gzip, the body it stands for)."""
    body = b"".join(piece for pair in zip(fixed, [*values, b""], strict=True) for piece in pair)
    return GzipParts(fixed).compress(values, body), body


def test_a_spliced_body_decompresses_to_the_parts_with_the_values_between_them():
    packed, body = spliced(PAGE, VALUES)
    assert gzip.decompress(packed) == body
    assert zlib.decompress(packed, wbits=31) == body  # what a browser's zlib reads


def test_the_parts_are_compressed_and_the_values_are_not():
    packed, body = spliced(PAGE, VALUES)
    assert len(packed) < len(body) / 3
    assert all(value in packed for value in VALUES)


def test_the_same_parts_take_other_values_without_being_deflated_again():
    parts = GzipParts(PAGE)
    for token in (b"a", b"b" * 200, b""):
        values = [token, VALUES[1]]
        body = PAGE[0] + token + PAGE[1] + VALUES[1] + PAGE[2]
        assert gzip.decompress(parts.compress(values, body)) == body


@given(st.lists(st.binary(max_size=3000), min_size=1, max_size=5), st.data())
def test_any_parts_and_values_make_a_valid_gzip_of_their_join(fixed, data):
    values = data.draw(st.lists(st.binary(max_size=300), min_size=len(fixed) - 1,
                                max_size=len(fixed) - 1))
    packed, body = spliced(fixed, values)
    assert gzip.decompress(packed) == body
