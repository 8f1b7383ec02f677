"""Pure business rules: plain values in, plain values out; no Flask, SQLAlchemy or Stripe."""

from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
