"""Acks first: a command's work after its ack waits for a moment when no request is waiting for one.

Slack's 3 seconds are for the ack; the answer may follow. Under a burst, the work
of commands already acked (``users.info``, the core, the database, the post) would
share the one event loop, and the database's thread the interpreter, with the
requests still waiting for their acks. So that work queues in a :class:`Lane`:
the HTTP route counts each request from its arrival to its response
(:meth:`Lane.acking`), and one drainer starts the queued work in order, one piece
per pass of the loop, only while no request is in flight and none has finished
for :data:`QUIET_S`. No piece waits longer than :data:`MOST_S`, however busy the
route, so answers keep coming under a steady stream of requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterator

# A gap this long after the last ack means the burst is over (Slack sends each request on its own).
QUIET_S = 0.02
# The longest a command's work waits behind acks (the answer still comes well inside a second).
MOST_S = 1.0


class Lane:
    """Work that waits for the acks: ``await lane.turn()`` returns when it may start."""

    def __init__(
        self, *, quiet: float = QUIET_S, most: float = MOST_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.quiet, self.most, self.clock = quiet, most, clock
        self.in_flight = 0  # requests between arrival and their response
        self._last = float("-inf")  # when the last of them was answered
        self._calm = asyncio.Event()
        self._calm.set()
        self._waiting: deque[tuple[float, asyncio.Future[None]]] = deque()
        self._drainer: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def acking(self) -> Iterator[None]:
        """Count one request, from its arrival until its response is ready (the route wraps each)."""
        self.in_flight += 1
        self._calm.clear()
        try:
            yield
        finally:
            self.in_flight -= 1
            self._last = self.clock()
            if not self.in_flight:
                self._calm.set()

    async def turn(self) -> None:
        """Wait for this work's turn: behind the acks, in order, never longer than ``most``."""
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((self.clock() + self.most, ready))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        await ready

    async def _drain(self) -> None:
        while self._waiting:
            deadline, ready = self._waiting[0]
            await self._quiet(deadline)
            self._waiting.popleft()
            if not ready.done():  # its waiter may have been cancelled (a stop)
                ready.set_result(None)
                # One pass of the loop before the next start: requests that arrived
                # meanwhile are read and counted, and close the gate again.
                await asyncio.sleep(0)

    async def _quiet(self, deadline: float) -> None:
        """Return once no request is in flight and none was answered for ``quiet``, or at ``deadline``."""
        while (now := self.clock()) < deadline:
            if self.in_flight:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._calm.wait(), deadline - now)
                continue
            gap = self._last + self.quiet - now
            if gap <= 0:
                return
            await asyncio.sleep(min(gap, deadline - now))
