"""Counters and histograms in the Prometheus text format, made per process.

Kept dependency-free and small: the few series prepbot exposes do not need a
client library, and nothing here is built at import time.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from dataclasses import dataclass, field

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class _Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    observations: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.buckets)

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self.buckets, value)
        if index < len(self.counts):
            self.counts[index] += 1
        self.total += value
        self.observations += 1


class Metrics:
    """The series prepbot exposes on ``GET /metrics``."""

    HELP = {
        "prepbot_commands_total": "Slash commands handled, by command.",
        "prepbot_posts_total": "Messages the bot posted, by kind.",
        "prepbot_votes_total": "Votes cast or withdrawn, by change.",
        "prepbot_errors_total": "Failures, by kind.",
        "prepbot_reports_total": "Problem reports members sent on quiz items, by change (opened, updated).",
        "prepbot_undeliverable_total": "Messages that could not arrive (closed DMs, channels the bot "
        "cannot post in, other errors), by reason.",
        "prepbot_schedules_paused_total": "Channel schedules paused because their posts failed for good.",
        "prepbot_ack_seconds": "Time from receiving a platform request to acknowledging it.",
    }

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(dict)
        self._histograms: dict[str, _Histogram] = {}

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self._counters[name]
            series[key] = series.get(key, 0.0) + amount

    def observe(self, name: str, seconds: float) -> None:
        with self._lock:
            histogram = self._histograms.setdefault(name, _Histogram(LATENCY_BUCKETS))
            histogram.observe(seconds)

    def value(self, name: str, **labels: str) -> float:
        return self._counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> str:
        """The exposition text (``text/plain; version=0.0.4``)."""
        lines: list[str] = []
        with self._lock:
            for name, series in sorted(self._counters.items()):
                lines += [f"# HELP {name} {self.HELP.get(name, name)}", f"# TYPE {name} counter"]
                for labels, amount in sorted(series.items()):
                    lines.append(f"{name}{_labels(labels)} {amount:g}")
            for name, histogram in sorted(self._histograms.items()):
                lines += [f"# HELP {name} {self.HELP.get(name, name)}", f"# TYPE {name} histogram"]
                running = 0
                for bound, count in zip(histogram.buckets, histogram.counts, strict=True):
                    running += count
                    lines.append(f'{name}_bucket{{le="{bound:g}"}} {running}')
                lines.append(f'{name}_bucket{{le="+Inf"}} {histogram.observations}')
                lines.append(f"{name}_sum {histogram.total:g}")
                lines.append(f"{name}_count {histogram.observations}")
        return "\n".join(lines) + "\n"


def _labels(pairs: tuple[tuple[str, str], ...]) -> str:
    if not pairs:
        return ""
    body = ",".join(f'{k}="{_escape(v)}"' for k, v in pairs)
    return "{" + body + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
