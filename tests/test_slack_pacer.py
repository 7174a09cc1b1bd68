"""The Slack pacer against a platform that enforces Slack's documented limits, on a manual clock.

Each test runs senders through :class:`adapters.slack.pacer.Pacer` with simulated
time: a sleeper wakes only when every task is blocked and the clock is moved to
the earliest wake-up, so the assertions count calls and refusals, never seconds
measured on the wall.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

import pytest

from adapters.slack.pacer import FORGET_S, SLOWER, Pacer
from adapters.slack.ratelimits import CHANNEL_POSTS, WORKSPACE_POSTS, tier_limit

LATENCY = 0.01  # simulated seconds each call spends on the wire


class SimTime:
    """A clock and a sleep for the pacer: time moves only when every task waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), future))
        await future

    async def run(self, work: Sequence[Awaitable[object]]) -> None:
        tasks = [asyncio.ensure_future(w) for w in work]
        while not all(t.done() for t in tasks):
            for _ in range(20):  # let every runnable task reach its next wait
                await asyncio.sleep(0)
            if self._sleepers:
                wake, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake)
                future.set_result(None)
        for task in tasks:
            task.result()


class Platform:
    """Slack's side: sliding windows per scope; past one, 429 with ``Retry-After``."""

    def __init__(self, time: SimTime, limits: dict[str, tuple[int, float]], retry_after: float = 1.0) -> None:
        self.time = time
        self.limits = limits  # scope kind -> (calls, seconds): "channel", "workspace", or a method
        self.retry_after = retry_after
        self.windows: dict[str, deque[float]] = {}
        self.accepted: list[tuple[str, str, float]] = []  # (method, channel, time)
        self.refused = 0

    def call(self, method: str, channel: str) -> bool:
        now = self.time()
        scopes = []
        if method == "chat.postMessage":
            scopes = [(k, key) for k, key in (("channel", channel), ("workspace", "")) if k in self.limits]
        elif method in self.limits:
            scopes = [(method, "")]
        for kind, key in scopes:
            window = self.windows.setdefault(f"{kind}/{key}", deque())
            while window and now - window[0] >= self.limits[kind][1]:
                window.popleft()
            if len(window) >= self.limits[kind][0]:
                self.refused += 1
                return False
        for kind, key in scopes:
            self.windows[f"{kind}/{key}"].append(now)
        self.accepted.append((method, channel, now))
        return True


def sender(
    pacer: Pacer, platform: Platform, time: SimTime, method: str, channel: str = ""
) -> Callable[[], Awaitable[None]]:
    async def send() -> None:
        while True:  # what PacedWebClient does: a refused call waits for its next slot
            async with pacer.slot(method, "T1", channel) as slot:
                arrived = platform.call(method, channel)
                await time.sleep(LATENCY)
                if arrived:
                    return
                slot.limited(platform.retry_after)

    return send


def documented() -> dict[str, tuple[int, float]]:
    return {"channel": (CHANNEL_POSTS.calls, CHANNEL_POSTS.period), "workspace": (WORKSPACE_POSTS.calls, 1.0)}


def most_in_any(times: list[float], period: float) -> int:
    ordered = sorted(times)
    return max((sum(1 for t in ordered if start <= t < start + period) for start in ordered), default=0)


async def test_a_fan_out_within_the_documented_limits_is_never_refused() -> None:
    time = SimTime()
    pacer = Pacer(clock=time, sleep=time.sleep)
    platform = Platform(time, documented())
    posts = [sender(pacer, platform, time, "chat.postMessage", f"C{n:03d}")() for n in range(100)]
    await time.run(posts)
    assert platform.refused == 0
    assert sorted(c for _, c, _ in platform.accepted) == [f"C{n:03d}" for n in range(100)]
    # Close to the workspace limit all the way: 100 posts at 20 a second take about 5 seconds.
    first, last = platform.accepted[0][2], platform.accepted[-1][2]
    assert (len(platform.accepted) - 1) / (last - first) >= 0.9 * WORKSPACE_POSTS.calls


async def test_posts_to_one_channel_keep_to_its_documented_rate() -> None:
    time = SimTime()
    pacer = Pacer(clock=time, sleep=time.sleep)
    platform = Platform(time, documented())
    await time.run([sender(pacer, platform, time, "chat.postMessage", "C1")() for _ in range(10)])
    assert platform.refused == 0 and len(platform.accepted) == 10
    times = [t for _, _, t in platform.accepted]
    assert most_in_any(times, CHANNEL_POSTS.period) == CHANNEL_POSTS.calls  # a short burst, then 1/s


async def test_other_methods_keep_to_their_tier() -> None:
    time = SimTime()
    pacer = Pacer(clock=time, sleep=time.sleep)
    tier = tier_limit("conversations.open")
    assert tuple(tier) == (50, 60.0)  # Tier 3: 50+ per minute
    platform = Platform(time, {"conversations.open": (tier.calls, tier.period)})
    await time.run([sender(pacer, platform, time, "conversations.open")() for _ in range(120)])
    assert platform.refused == 0 and len(platform.accepted) == 120
    assert most_in_any([t for _, _, t in platform.accepted], 60.0) == 50


async def test_a_stricter_workspace_costs_a_refusal_or_two_then_the_pacer_keeps_to_it() -> None:
    time = SimTime()
    pacer = Pacer(clock=time, sleep=time.sleep)
    limits = documented() | {"workspace": (5, 1.0)}  # Slack stricter than the documented figures
    platform = Platform(time, limits)
    await time.run([sender(pacer, platform, time, "chat.postMessage", f"C{n:03d}")() for n in range(60)])
    assert len({c for _, c, _ in platform.accepted}) == 60 and len(platform.accepted) == 60  # each once
    assert 1 <= platform.refused <= 3
    window = pacer.windows[("post", "T1")]
    assert window.period >= WORKSPACE_POSTS.period * WORKSPACE_POSTS.calls / 5 * 0.9  # learned ~5/s


def test_a_refusal_holds_the_scope_and_slows_it_once_per_hold_until_it_is_forgotten() -> None:
    time = SimTime()
    pacer = Pacer(clock=time, sleep=time.sleep)
    window = pacer.scopes("chat.postMessage", "T1", "C1")[1]
    documented_period = window.period
    for _ in range(5):  # refusals of calls already in flight, all at once
        window.refused(2.0)
    assert window.period == pytest.approx(documented_period * SLOWER)
    assert window.ready_at(time.now) == pytest.approx(time.now + 2.0)
    time.now += 3.0
    window._flying += 1
    window.answered(refused=False)
    assert window.period == pytest.approx(documented_period * SLOWER)  # still slowed
    time.now += FORGET_S
    window._flying += 1
    window.answered(refused=False)
    assert window.period == pytest.approx(documented_period)  # a minute unrefused: documented again


async def test_each_workspace_has_its_own_limits() -> None:
    time = SimTime()
    pacer = Pacer(clock=time, sleep=time.sleep)
    started = time.now
    releases: list[float] = []

    async def post(team: str) -> None:
        async with pacer.slot("chat.postMessage", team, f"C-{team}"):
            releases.append(time.now)

    await time.run([post(f"T{n}") for n in range(200)])
    assert releases == [started] * 200  # nothing waits: one post in each of 200 workspaces
