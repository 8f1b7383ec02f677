import pytest

from shop.domain.redirects import local_path


@pytest.mark.parametrize("target", ["/account/orders", "/account/orders?page=2", "/", "/a#b"])
def test_a_path_of_this_site_is_kept(target: str):
    assert local_path(target) == target


@pytest.mark.parametrize(
    "target",
    ["", None, "https://evil.example/", "//evil.example/x", "/\\evil.example", "account/orders",
     "javascript:alert(1)", "?next=/x"],
)
def test_another_site_or_anything_but_a_path_is_refused(target: str | None):
    assert local_path(target) is None


def test_a_path_outside_the_required_prefix_is_refused():
    assert local_path("/products/", under="/admin/") is None
    assert local_path("/admin/orders/?status=paid", under="/admin/") == "/admin/orders/?status=paid"
