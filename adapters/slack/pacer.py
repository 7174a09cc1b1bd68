"""Pacing Slack Web API calls at the limits Slack documents, so that Slack rarely refuses one.

Slack's limits (https://docs.slack.dev/apis/web-api/rate-limits, see
:mod:`adapters.slack.ratelimits`) are windows: at most so many calls of a method
per workspace per minute (tiers 1-4), and for ``chat.postMessage`` about one
message per second per channel plus a workspace-wide limit. The pacer keeps one
:class:`Window` per scope (a channel's posts, a workspace's posts, a workspace's
calls of one method) and a call goes out only when every window it belongs to
has room, from the first call on, instead of learning the limits from refusals.

A window counts a call from when its answer came back (a later time than Slack
saw it), so jitter between here and Slack can never squeeze one call too many
into Slack's window; calls still in flight hold their place. Workspace posts
are spread evenly over the window rather than sent as a burst, so a workspace
stricter than the documented figures costs one or two refusals, not a burst of
them.

Learning, only when the platform is stricter than documented: a 429 holds the
call's scopes for its ``Retry-After`` and slows them to what Slack accepted over
the last period (a little under it); a window left unrefused for
:data:`FORGET_S` goes back to the documented figures. A refused call was not
carried out, so it simply waits for its next slot: nothing is posted twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar

from adapters.pacing import FORGET_S, NUDGE, SLOWER, Clock, Limit, Sleep, Window
from adapters.slack.ratelimits import POST_METHOD, post_limits, tier_limit

__all__ = ["FORGET_S", "NUDGE", "SLOWER", "TEAM", "Pacer", "Slot", "Window", "for_team"]


# The workspace (team id) the calls of this task are about; "" is the token's own workspace.
TEAM: ContextVar[str] = ContextVar("slack_team", default="")


@contextlib.contextmanager
def for_team(team: str) -> Iterator[None]:
    """Count the Web API calls made inside against ``team``'s limits."""
    token = TEAM.set(team)
    try:
        yield
    finally:
        TEAM.reset(token)


class Slot:
    """One call's place in its windows, from :meth:`Pacer.slot`."""

    def __init__(self, windows: list[Window]) -> None:
        self.windows = windows
        self.refused_after: float | None = None

    def limited(self, retry_after: float) -> None:
        """Slack answered 429: hold and slow each scope of the call (Slack does not say which)."""
        self.refused_after = retry_after
        for window in self.windows:
            window.refused(retry_after)


class Pacer:
    """The windows of every scope one Web API client calls into (one per client)."""

    def __init__(
        self,
        clock: Clock = time.monotonic,
        on_wait: Callable[[float], None] | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.on_wait = on_wait  # told each wait's seconds (prepbot_rate_limit_wait_seconds_total)
        self.windows: dict[tuple[str, ...], Window] = {}

    def _window(self, key: tuple[str, ...], limit: Limit, *, even: bool = False) -> Window:
        window = self.windows.get(key)
        if window is None:
            window = self.windows[key] = Window(limit, even=even, clock=self.clock, sleep=self.sleep)
        return window

    def scopes(self, method: str, team: str = "", channel: str = "") -> list[Window]:
        """The windows a call belongs to, the narrowest first."""
        if method == POST_METHOD:
            per_channel, per_workspace = post_limits()
            found = [self._window(("post", team), per_workspace, even=True)]
            if channel:
                found.insert(0, self._window(("post", team, channel), per_channel))
            return found
        return [self._window(("method", team, method), tier_limit(method))]

    @contextlib.asynccontextmanager
    async def slot(self, method: str, team: str = "", channel: str = "") -> AsyncIterator[Slot]:
        """Wait until every scope of the call has room; the body makes the call."""
        windows = self.scopes(method, team, channel)
        started = self.clock()
        taken: list[Window] = []
        slot = Slot(windows)
        try:
            for window in windows:
                await window.acquire()
                taken.append(window)
            waited = self.clock() - started
            if waited > 0 and self.on_wait is not None:
                self.on_wait(waited)
            yield slot
        finally:
            for window in taken:
                window.answered(refused=slot.refused_after is not None)
