"""Money is integer pence; these helpers only format it at the edge."""

from __future__ import annotations


def format_gbp(pence: int, *, short: bool = False) -> str:
    """Format integer pence as pounds, e.g. 2501 -> '£25.01', -50 -> '-£0.50'; `short` leaves
    off the pence of whole pounds, as copy says them: 2500 -> '£25'."""
    if not isinstance(pence, int) or isinstance(pence, bool):
        raise TypeError(f"money must be int pence, got {type(pence).__name__}")
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    if short and not rest:
        return f"{sign}£{pounds:,}"
    return f"{sign}£{pounds:,}.{rest:02d}"


def parse_pounds(text: str) -> int:
    """Parse a price typed in pounds ("12.50", "£12.5", "1,200") into int pence.

    Integer arithmetic only: no float ever holds money. Raises ValueError with a message
    for people.
    """
    cleaned = text.strip().replace(",", "").removeprefix("£").strip()
    whole, dot, fraction = cleaned.partition(".")
    if (
        not whole.isdigit()
        or not whole.isascii()
        or len(whole) > 7
        or (dot and not (fraction.isdigit() and fraction.isascii() and 1 <= len(fraction) <= 2))
    ):
        raise ValueError("Type a price in pounds, such as 12.50.")
    return int(whole) * 100 + (int(fraction.ljust(2, "0")) if dot else 0)


def pounds_input(pence: int) -> str:
    """Show int pence as a form's pounds value: 1250 -> '12.50'."""
    pounds, rest = divmod(pence, 100)
    return f"{pounds}.{rest:02d}"
