"""Time as a dependency: services ask a clock, so tests and the console can move it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol


class Clock(Protocol):
    """Tells the current instant, always timezone-aware UTC."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass
class ManualClock:
    """A clock that moves only when told to (console, tests)."""

    current: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC))

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, delta: dt.timedelta) -> None:
        self.current = self.current + delta

    def set(self, instant: dt.datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware instant")
        self.current = instant.astimezone(dt.UTC)
