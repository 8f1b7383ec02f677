"""Live-chat availability: open every day between two wall-clock times in shop time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shop.domain import LONDON


@dataclass(frozen=True)
class ChatHours:
    """Daily opening hours; `opens` inclusive, `closes` exclusive."""

    opens: time = time(8)
    closes: time = time(20)

    @classmethod
    def parse(cls, text: str) -> ChatHours:
        """Parse 'HH:MM-HH:MM' (e.g. '08:00-20:00')."""
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError as exc:
            raise ValueError(f"CHAT_HOURS must look like 08:00-20:00, got {text!r}") from exc
        if not start < end:
            raise ValueError(f"CHAT_HOURS must open before it closes, got {text!r}")
        return cls(start, end)


@dataclass(frozen=True)
class ChatStatus:
    """Whether chat is online at an instant, and when that next changes."""

    online: bool
    opens_at: datetime
    closes_at: datetime
    label: str

    @property
    def next_change(self) -> datetime:
        """The instant at which `online` next flips."""
        return self.closes_at if self.online else self.opens_at


def clock_label(t: time) -> str:
    """Say a wall-clock time as people do: 8am, 8pm, 8:30am, 12pm."""
    suffix = "am" if t.hour < 12 else "pm"
    hour = t.hour % 12 or 12
    return f"{hour}{suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d}{suffix}"


def _at(day: date, t: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, t, tzinfo=tz)


def chat_status(now: datetime, hours: ChatHours = ChatHours(), tz: ZoneInfo = LONDON) -> ChatStatus:
    """Decide the chat state at `now` (timezone-aware) in the shop's time zone."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(tz)
    today = local.date()
    opens, closes = _at(today, hours.opens, tz), _at(today, hours.closes, tz)
    if opens <= local < closes:
        return ChatStatus(True, opens, closes, f"online now, until {clock_label(hours.closes)}")
    if local < opens:
        return ChatStatus(False, opens, closes, f"opens {clock_label(hours.opens)}")
    tomorrow = today + timedelta(days=1)
    return ChatStatus(
        False,
        _at(tomorrow, hours.opens, tz),
        _at(tomorrow, hours.closes, tz),
        f"opens {clock_label(hours.opens)} tomorrow",
    )
