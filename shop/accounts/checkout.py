"""What accounts add to the checkout: the default address prefilled, the order kept by the
account, and a new address saved when asked."""

from __future__ import annotations

from contextlib import suppress

from shop.accounts import service
from shop.accounts.session import current_customer
from shop.models import Order
from shop.web import now


def saved_addresses() -> list:
    """The signed-in customer's saved addresses, default first ([] for a guest)."""
    customer = current_customer()
    return list(customer.addresses) if customer else []


def prefill(address_id: int | None = None) -> dict[str, str]:
    """The checkout form's starting values for a signed-in customer ({} for a guest): the
    chosen saved address, else the default one."""
    customer = current_customer()
    if customer is None:
        return {}
    values = {"email": customer.email, "name": customer.name}
    chosen = service.address_of(customer, address_id) if address_id else None
    address = chosen or service.default_address(customer)
    if address is not None:
        values.update({name: getattr(address, name) for name in service.ADDRESS_FIELDS})
    return values


def order_placed(order: Order, form: dict[str, str] | None = None) -> None:
    """A signed-in customer's order belongs to the account; with "save this address" ticked
    and an address not saved yet, the address is saved too."""
    customer = current_customer()
    if customer is None:
        return
    service.claim_order(order, customer, now())
    if form and form.get("save_address") == "1":
        values, errors = service.check_address(customer, form)
        known = {tuple(getattr(a, n) for n in service.ADDRESS_FIELDS) for a in customer.addresses}
        if not errors and tuple(values[n] for n in service.ADDRESS_FIELDS) not in known:
            # A full address book must not spoil the order: the address is just not saved.
            with suppress(service.AccountProblem):
                service.save_address(customer, values, now())
