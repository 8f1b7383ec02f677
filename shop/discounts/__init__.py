"""Discount codes: their table, applying one to a basket, reserving a use at checkout.

The rule itself is pure and lives in shop/domain/discounts.py; staff pages are in
shop/admin/views/discounts.py and the JSON calls in shop/api/discounts.py.
"""
