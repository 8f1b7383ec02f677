"""Money is integer pence; these helpers only format it at the edge."""

from __future__ import annotations


def format_gbp(pence: int) -> str:
    """Format integer pence as pounds, e.g. 2501 -> '£25.01', -50 -> '-£0.50'."""
    if not isinstance(pence, int) or isinstance(pence, bool):
        raise TypeError(f"money must be int pence, got {type(pence).__name__}")
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"
