"""When advisors are usually online for live chat (LIVE_CHAT_HOURS), in New Zealand time.

    OpeningHours("Mon-Fri 08:30-17:00; Sat 10:00-14:00").open_at(datetime.now(timezone.utc))

"always" means whenever an advisor is available. Outside these hours the chat choice is
not offered, whoever is signed in, and the assistant says when advisors are usually online.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import FrozenSet, List, Tuple
from zoneinfo import ZoneInfo

NEW_ZEALAND = ZoneInfo("Pacific/Auckland")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ALWAYS = "always"
_SPAN = re.compile(r"(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+"
                   r"(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})")
EXAMPLE = '"Mon-Fri 08:30-17:00; Sat 10:00-14:00" or "always"'


@dataclass(frozen=True)
class Span:
    days: FrozenSet[int]  # 0 is Monday
    start: time
    end: time             # 24:00 is written as time.max

    def covers(self, moment: datetime) -> bool:
        return moment.weekday() in self.days and self.start <= moment.time() < self.end


class OpeningHours:
    def __init__(self, text: str) -> None:
        self.text = text.strip()
        self.always = self.text.lower() == ALWAYS
        self.spans: Tuple[Span, ...] = () if self.always else tuple(
            _span(part) for part in self.text.split(";") if part.strip())
        if not self.always and not self.spans:
            raise ValueError(f"no hours given: write them as {EXAMPLE}")

    def open_at(self, moment: datetime) -> bool:
        """`moment` must carry its time zone (UTC is fine)."""
        local = moment.astimezone(NEW_ZEALAND)
        return self.always or any(span.covers(local) for span in self.spans)

    def open_now(self) -> bool:
        return self.open_at(datetime.now(timezone.utc))

    def describe(self) -> str:
        """In words, for the assistant: "Monday to Friday, 8:30am to 5pm"."""
        if self.always:
            return "any time an advisor is available"
        return "; ".join(f"{_days_in_words(span.days)}, {_clock(span.start)} to "
                         f"{_clock(span.end)}" for span in self.spans)


def _span(part: str) -> Span:
    match = _SPAN.fullmatch(part.strip().lower())
    if not match:
        raise ValueError(f"{part.strip()!r} is not days and hours: write them as {EXAMPLE}")
    days: set = set()
    for run in match["days"].split(","):
        first, _, last = run.partition("-")
        for name in (first, last or first):
            if name not in DAYS:
                raise ValueError(f"{name!r} is not a day: use {', '.join(DAYS)}")
        start, end = DAYS.index(first), DAYS.index(last or first)
        days.update(range(start, end + 1) if start <= end else
                    list(range(start, 7)) + list(range(0, end + 1)))
    start, end = _time(match["start"]), _time(match["end"])
    if end <= start:
        raise ValueError(f"{part.strip()!r}: the hours must end after they start")
    return Span(frozenset(days), start, end)


def _time(text: str) -> time:
    hours, minutes = (int(n) for n in text.split(":"))
    if (hours, minutes) == (24, 0):
        return time.max
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text!r} is not a time of day (00:00 to 24:00)")
    return time(hours, minutes)


def _clock(moment: time) -> str:
    if moment == time.max:
        return "midnight"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def _days_in_words(days: FrozenSet[int]) -> str:
    runs: List[List[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(DAY_NAMES[run[0]] if len(run) == 1 else
                     f"{DAY_NAMES[run[0]]} to {DAY_NAMES[run[-1]]}" for run in runs)
