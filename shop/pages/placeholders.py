"""The figures a page may name with a placeholder, each rendered from the configuration."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from markupsafe import Markup, escape

from shop.domain.chat import clock_label
from shop.domain.company import Company
from shop.domain.money import format_gbp


@dataclass(frozen=True)
class Placeholder:
    name: str
    #: What it stands for, for the editor's help.
    meaning: str
    #: The HTML it becomes, escaped.
    html: Markup


def build(app: Flask) -> dict[str, Placeholder]:
    """Every placeholder with its value under this app's configuration."""
    company: Company = app.config["COMPANY"]
    rule = app.config["DELIVERY_RULE"]
    hours = app.config["CHAT"]
    email = Markup('<a href="mailto:{0}">{0}</a>').format(company.email)
    phone = Markup('<a href="{0}">{1}</a>').format(company.phone_uri, company.phone)
    rows = [
        ("shop.name", "the shop's trading name", escape(company.name)),
        ("shop.company", "the company's registered name", escape(company.legal_name)),
        ("shop.company-number", "the company's number at Companies House",
         escape(company.number)),
        ("shop.registered-in", "where the company is registered",
         escape(company.registered_in)),
        ("shop.address", "the shop's geographic address", escape(str(company.address))),
        ("shop.email", "the shop's email address, as a link", email),
        ("shop.phone", "the shop's phone number, as a link", phone),
        ("delivery.fee", "the next-day delivery fee", escape(format_gbp(rule.fee_pence))),
        ("delivery.threshold", "delivery is free on orders over this",
         escape(format_gbp(rule.free_over_pence))),
        ("delivery.free-from", "the smallest order delivered free",
         escape(format_gbp(rule.free_from_pence))),
        ("delivery.cutoff", "orders placed before this leave the same working day",
         escape(clock_label(app.config["DISPATCH_CUTOFF_TIME"]))),
        ("chat.opens", "when live chat opens each day", escape(clock_label(hours.opens))),
        ("chat.closes", "when live chat closes each day", escape(clock_label(hours.closes))),
    ]
    return {name: Placeholder(name, meaning, html) for name, meaning, html in rows}


def placeholders() -> dict[str, Placeholder]:
    """The current app's placeholders, worked out once."""
    extensions = current_app.extensions
    if "shop_placeholders" not in extensions:
        extensions["shop_placeholders"] = build(current_app)
    return extensions["shop_placeholders"]


def html_values() -> dict[str, str]:
    """{name: HTML} for shop.domain.placeholders.fill()."""
    return {name: item.html for name, item in placeholders().items()}
