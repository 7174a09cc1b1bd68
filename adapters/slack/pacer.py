"""Pacing chat.postMessage for one workspace at the rate Slack turns out to allow.

Slack does not publish the workspace-wide limit on posting; it answers 429 with
``Retry-After`` once it is passed. Retrying every refused post after its wait
makes a herd that hits the limit again each second. The pacer instead hands out
send slots a gap apart: a 429 doubles the gap and holds every sender until its
``Retry-After``; each post that goes through narrows the gap a little. A fan-out
then runs close to the limit with few refusals, and no post is dropped: a
refused one simply waits for its next slot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

FIRST_GAP = 0.02
MAX_GAP = 2.0
NARROW = 0.98


class Pacer:
    """Send slots for one workspace's posts (one instance per Web API client)."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, on_wait: Callable[[float], None] | None = None
    ) -> None:
        self.clock = clock
        self.on_wait = on_wait  # told each wait's seconds (prepbot_rate_limit_wait_seconds_total)
        self.gap = 0.0
        self._next_slot = 0.0
        self._hold_until = 0.0

    async def wait(self) -> None:
        """Wait for this caller's slot; callers are served in the order they asked."""
        now = self.clock()
        slot = max(now, self._next_slot, self._hold_until)
        self._next_slot = slot + self.gap
        if slot > now:
            if self.on_wait is not None:
                self.on_wait(slot - now)
            await asyncio.sleep(slot - now)

    def limited(self, retry_after: float) -> None:
        """Slack refused a post: widen the gap and hold everyone for ``retry_after`` seconds.

        Refusals of posts already in flight arrive together; only the first of them,
        outside a hold, widens the gap, or one burst would slow the workspace to a crawl.
        """
        now = self.clock()
        if now >= self._hold_until:
            self.gap = min(MAX_GAP, max(self.gap * 2, FIRST_GAP))
        self._hold_until = max(self._hold_until, now + retry_after)
        self._next_slot = max(self._next_slot, self._hold_until)

    def succeeded(self) -> None:
        """A post went through: try a slightly shorter gap next time."""
        self.gap = self.gap * NARROW if self.gap > 0.001 else 0.0
