"""A rate-limit window shared by the platform pacers: at most N calls in any period, in order.

A window counts a call from when its answer came back (a later time than the
platform saw it), so jitter between here and the platform can never squeeze one
call too many into the platform's own window; calls still in flight hold their
place. With ``even``, calls are spread over the period instead of going as a
burst, so a platform stricter than its documented figure costs a refusal or
two, not a burst of them. A refusal holds the window for its ``Retry-After``
and slows it to what the platform accepted over the last period
(:meth:`Window.refused`); a window left unrefused for :data:`FORGET_S` goes back
to the documented figure.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import NamedTuple

SLOWER = 1.25  # a refusal with nothing accepted lately stretches the window's period by this much
NUDGE = 1.05  # the least a refusal stretches it (the window was full: jitter, or a slightly stricter limit)
CATCH_UP = 0.5  # after a stall, an even window lets the calls due meanwhile go: this share of a period
FORGET_S = 60.0  # a window not refused for this long goes back to the documented period (one probe a minute)
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Limit(NamedTuple):
    """At most ``calls`` calls in any ``period`` seconds."""

    calls: int
    period: float


class Window:
    """At most ``limit.calls`` calls in any ``period`` seconds; callers are served in order."""

    def __init__(self, limit: Limit, *, even: bool = False, clock: Clock, sleep: Sleep) -> None:
        self.count = limit.calls
        self.documented = limit.period
        self.period = limit.period
        self.even = even  # spread the calls over the period instead of letting a burst go
        self.clock = clock
        self.sleep = sleep
        self.hold_until = float("-inf")
        self._answered: deque[float] = deque()  # when each counted call's answer came back
        self._accepted: deque[float] = deque()  # the same, for calls Slack carried out
        self._flying = 0
        self._last_release = float("-inf")
        self._lock = asyncio.Lock()
        self._landed = asyncio.Event()

    def ready_at(self, now: float) -> float | None:
        """When the next call may go out (None: not before a call in flight is answered)."""
        while self._answered and self._answered[0] + self.period <= now:
            self._answered.popleft()
        at = max(now, self.hold_until)
        if self.even:
            at = max(at, self._last_release + self.period / self.count)
        excess = len(self._answered) + self._flying - self.count + 1  # calls that must age out first
        if excess <= 0:
            return at
        if excess > len(self._answered):
            return None
        return max(at, self._answered[excess - 1] + self.period)

    async def acquire(self) -> None:
        async with self._lock:  # FIFO: the first to ask is the first to go
            planned: float | None = None  # the slot this caller slept for
            while True:
                now = self.clock()
                at = self.ready_at(now)
                if at is None:
                    self._landed.clear()
                    await self._landed.wait()
                    planned = None
                elif at > now:
                    await self.sleep(at - now)
                    planned = at
                else:
                    self._flying += 1
                    self._last_release = self._slot(now, planned)
                    return

    def _slot(self, now: float, planned: float | None) -> float:
        """The time this call's spacing counts from: the slot it was due at, not when it went.

        A busy loop or a descheduled process lets senders go late; counting from then
        would lose every stall for good. Counting from the due slot (the one slept for,
        or the even slot after the last call) lets the calls due meanwhile follow at
        once, up to :data:`CATCH_UP` of a period behind, and never past the window's
        own count, which the answered calls still bound. A window idle for a period
        starts its spacing afresh (no burst on the first calls).
        """
        due = self._last_release + self.period / self.count
        if planned is not None:
            due = max(due, planned)
        if due < now - self.period:
            return now
        return max(min(due, now), now - CATCH_UP * self.period)

    def answered(self, *, refused: bool) -> None:
        """The call came back; an accepted one narrows the period back towards the documented one."""
        now = self.clock()
        self._flying -= 1
        self._answered.append(now)
        if not refused:
            self._accepted.append(now)
            while self._accepted[0] + self.documented <= now:
                self._accepted.popleft()
            if now >= self.hold_until + FORGET_S:
                self.period = self.documented
        self._landed.set()

    def refused(self, retry_after: float) -> None:
        """Slack was stricter than documented: hold everyone for ``retry_after`` and slow down.

        The new rate is what Slack accepted over the last documented period (its real
        limit, when calls were arriving faster than that), :data:`NUDGE` under it.
        Refusals of calls already in flight arrive together; only the first, outside
        a hold, slows the window, or one burst would slow it to a crawl.
        """
        now = self.clock()
        while self._accepted and self._accepted[0] + self.documented <= now:
            self._accepted.popleft()
        if now >= self.hold_until:
            accepted = len(self._accepted)
            factor = max(1.0, self.count / accepted) * NUDGE if accepted else SLOWER
            self.period = max(self.period * NUDGE, self.documented * factor)
        self.hold_until = max(self.hold_until, now + retry_after)
