"""The service tier.

A package, so that its conftest.py is imported as `services.conftest` and never stands in for
tests/conftest.py in modules that still write `from conftest import ...`.
"""
