"""Account rules: which passwords are refused, first names, and quantities that merge."""

from __future__ import annotations

import pytest

from shop.accounts.passwords import common_passwords, weak_password
from shop.domain.accounts import first_name, merged_quantities, password_problem, reorder_quantities

COMMON = frozenset({"password123", "qwertyuiop"})


def test_the_common_password_list_holds_the_ten_thousand_most_common_passwords():
    words = common_passwords()
    assert len(words) >= 9_900  # 10,000 lines; a few differ only in case
    assert {"123456", "password", "qwertyuiop", "1234567890"} <= words


@pytest.mark.parametrize("password", ["qwertyuiop", "QwertyUiop", "1234567890", "1q2w3e4r5t"])
def test_a_common_password_of_ten_characters_or_more_is_refused_in_any_case(password: str):
    assert "most common" in weak_password(password)


@pytest.mark.parametrize("password", ["", "short", "nine-char"])
def test_a_password_under_ten_characters_is_refused(password: str):
    assert "at least 10" in password_problem(password, COMMON)


def test_ten_characters_that_are_not_common_are_enough():
    assert password_problem("kefir-jar1", COMMON) is None
    assert weak_password("kefir-jar1") is None


def test_a_password_of_only_spaces_or_the_email_itself_is_refused():
    assert password_problem(" " * 12, COMMON) is not None
    assert password_problem("Ada@Example.com", COMMON, "ada@example.com") is not None


def test_a_password_over_1024_characters_is_refused():
    assert "at most" in password_problem("k" * 1025, COMMON)


@pytest.mark.parametrize(("name", "first"), [("Ada Lovelace", "Ada"), ("  Grace  ", "Grace"),
                                             ("", "")])
def test_the_header_greets_a_customer_by_the_first_word_of_their_name(name: str, first: str):
    assert first_name(name) == first


def test_merging_baskets_adds_quantities_capped_at_stock_and_99():
    merged = merged_quantities({1: 2, 2: 50}, {1: 5, 2: 60, 3: 4, 4: 1}, {1: 5, 2: 500, 3: 10})
    assert merged == {1: 5, 2: 99, 3: 4}  # product 4 has no stock: not added


def test_merging_never_lowers_what_the_account_basket_held():
    assert merged_quantities({1: 8}, {1: 1}, {1: 3}) == {1: 8}


def test_buying_again_adds_what_fits_and_names_what_is_gone():
    adds, gone = reorder_quantities([(1, 3), (2, 2), (3, 1), (1, 1)], {1: 10, 2: 0, 3: 5},
                                    {3: 5})
    assert adds == {1: 4}
    assert gone == {2}


def test_buying_again_caps_a_line_at_99_with_what_the_basket_holds():
    adds, _ = reorder_quantities([(1, 50)], {1: 500}, {1: 60})
    assert adds == {1: 39}
