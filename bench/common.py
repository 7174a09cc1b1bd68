"""Shared helpers: timing, percentiles, databases, and the one output format."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.render import OutboundMessage


@dataclass(frozen=True)
class Result:
    """One comparison: prepbot against a baseline measured side by side."""

    name: str
    ours: float
    baseline: float
    unit: str
    higher_is_better: bool = False
    note: str = ""

    @property
    def ratio(self) -> float:
        """prepbot / baseline (for times: how many times slower; for rates: the share achieved)."""
        return self.ours / self.baseline if self.baseline else float("inf")

    def line(self) -> str:
        suffix = f"  [{self.note}]" if self.note else ""
        return (
            f"{self.name:<58} prepbot {self.ours:>12,.3f} {self.unit:<6} "
            f"baseline {self.baseline:>12,.3f} {self.unit:<6} ratio {self.ratio:6.2f}{suffix}"
        )


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


async def best_of(runs: int, action: Callable[[], Awaitable[object]]) -> float:
    """The fastest of ``runs`` timings, in milliseconds (the least disturbed by a busy machine)."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        await action()
        timings.append((time.perf_counter() - start) * 1000)
    return min(timings)


def median(values: list[float]) -> float:
    return statistics.median(values)


class NullPort:
    """A platform that accepts everything at once, so only prepbot's own work is timed."""

    async def post(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        return MessageRef(channel, "0")

    async def reply_in_thread(self, parent: MessageRef, message: OutboundMessage) -> MessageRef:
        return parent

    async def whisper(self, channel: ChannelRef, member: MemberRef, message: OutboundMessage) -> None:
        return None

    async def edit(self, ref: MessageRef, message: OutboundMessage) -> None:
        return None

    async def open_thread(self, parent: MessageRef, name: str) -> MessageRef:
        return parent

    async def direct(self, member: MemberRef, message: OutboundMessage) -> MessageRef:
        return MessageRef(ChannelRef(member.space, "D0"), "0")

    async def send_file(
        self, member: MemberRef, filename: str, content: bytes, summary: OutboundMessage
    ) -> None:
        return None

    async def post_file(
        self, channel: ChannelRef, filename: str, content: bytes, message: OutboundMessage
    ) -> MessageRef:
        return MessageRef(channel, "0")

    async def ensure_in_channel(self, channel: ChannelRef) -> None:
        return None


class RecordingPort(NullPort):
    """A :class:`NullPort` that keeps each whisper's text, so a bench can check what members were told."""

    def __init__(self) -> None:
        self.whispers: list[str] = []

    async def whisper(self, channel: ChannelRef, member: MemberRef, message: OutboundMessage) -> None:
        self.whispers.append(message.text)
