"""Chat figures for the owner's reports: conversations per day, median time to first reply.

Both are single aggregate statements that run alike on SQLite and PostgreSQL: a conversation
keeps the shop-time day it was opened on and its seconds to the first staff reply, so neither
query needs the database to know about time zones.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, func, select

from shop.chat.models import Conversation
from shop.extensions import db


def conversations_per_day(start: date, end: date) -> list[dict]:
    """Every day from `start` to `end` (inclusive, shop time) with its new conversations."""
    counted = dict(db.session.execute(
        select(Conversation.opened_on, func.count())
        .where(Conversation.opened_on.between(start, end))
        .group_by(Conversation.opened_on)
    ).all())
    days = (end - start).days + 1
    return [{"date": day.isoformat(), "conversations": counted.get(day, 0)}
            for day in (start + timedelta(days=n) for n in range(max(days, 0)))]


def median_first_reply_seconds(start: date, end: date, mode: str | None = None) -> float | None:
    """The median seconds from a conversation's start to its first staff reply, over those
    opened in the range and answered (None when none were); `mode` picks live or message."""
    where = [Conversation.opened_on.between(start, end),
             Conversation.first_reply_seconds.is_not(None)]
    if mode is not None:
        where.append(Conversation.mode == mode)
    ranked = (
        select(
            Conversation.first_reply_seconds.label("seconds"),
            func.row_number().over(order_by=Conversation.first_reply_seconds).label("n"),
            func.count().over().label("total"),
        )
        .where(and_(*where))
        .subquery()
    )
    # The middle row, or the mean of the two middle rows when the count is even.
    middle = ranked.c.n.in_([(ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2])
    value = db.session.scalar(select(func.avg(ranked.c.seconds)).where(middle))
    return None if value is None else float(value)


def chat_figures(start: date, end: date) -> dict:
    """What the reports page shows for live chat over a range of days."""
    days = conversations_per_day(start, end)
    return {
        "days": days,
        "conversations": sum(day["conversations"] for day in days),
        "median_first_reply_seconds": median_first_reply_seconds(start, end),
        "median_first_live_reply_seconds": median_first_reply_seconds(start, end, "live"),
    }
