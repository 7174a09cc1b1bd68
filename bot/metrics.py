"""The series prepbot exposes on ``GET /metrics``, kept by ``prometheus-client``.

One :class:`Metrics` per process (per :class:`~bot.services.context.ServiceContext`),
each with its own registry, so tests never share counts. Code counts through the
small interface it always had: ``metrics.inc(name, **labels)`` and
``metrics.observe(name, seconds)``; the registry also carries the process
(CPU, memory, open files), Python (GC, platform) and build-info series.
"""

from __future__ import annotations

import platform
import threading
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST
PLATFORMS = ("slack", "discord")
# Errors by a small fixed set of kinds, so dashboards and alerts can name them all.
ERROR_KINDS = (
    "database",  # the database did not answer or refused
    "bad_request",  # a platform request prepbot could not read (400, 404)
    "bad_signature",  # unsigned, badly signed or stale (401)
    "too_large",  # over 1 MiB (413)
    "platform",  # Slack or Discord refused a call prepbot made
    "internal",  # a bug: a handler raised
)

# name -> (help, label names); a counter's name ends in _total as exposed.
COUNTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "prepbot_commands_total": ("Slash commands handled, by command.", ("command",)),
    "prepbot_posts_total": ("Messages the bot posted, by kind.", ("kind",)),
    "prepbot_votes_total": ("Votes cast or withdrawn, by change.", ("change",)),
    "prepbot_errors_total": ("Failures, by kind: " + ", ".join(ERROR_KINDS) + ".", ("kind",)),
    "prepbot_reports_total": (
        "Problem reports members sent on quiz items, by change (opened, updated).",
        ("change",),
    ),
    "prepbot_undeliverable_total": (
        "Messages that could not arrive (closed DMs, channels the bot cannot post in, other errors), "
        "by reason.",
        ("reason",),
    ),
    "prepbot_schedules_paused_total": (
        "Channel schedules paused because their posts failed for good, by reason.",
        ("reason",),
    ),
    "prepbot_rate_limited_total": ("429 answers waited out, by platform.", ("platform",)),
    "prepbot_rate_limit_wait_seconds_total": (
        "Seconds spent waiting for rate limits (Retry-After, Slack's pacer), by platform.",
        ("platform",),
    ),
}
HISTOGRAMS: dict[str, str] = {
    "prepbot_ack_seconds": "Time from receiving a platform request to acknowledging it.",
}


def build_version() -> str:
    """The installed prepbot's version (``0+unknown`` in a tree that was never installed)."""
    try:
        return version("prepbot")
    except PackageNotFoundError:
        return "0+unknown"


class Metrics:
    """The series prepbot exposes on ``GET /metrics``, in a registry of its own."""

    def __init__(self) -> None:
        # The *_created series double every counter for no use here.
        disable_created_metrics()
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        if GC_COLLECTOR is not None:
            GCCollector(registry=self.registry)
        build = Info("prepbot_build", "The running prepbot.", registry=self.registry)
        build.info({"version": build_version(), "python": platform.python_version()})
        self._lock = threading.Lock()
        self._counters: dict[str, Counter] = {}
        self._histograms: dict[str, Histogram] = {}
        for name, (_, labels) in COUNTERS.items():
            self._counter(name, labels)
        for kind in ERROR_KINDS:  # shown at 0 from the start, so a rate() has a baseline
            self._counters["prepbot_errors_total"].labels(kind=kind)
        for name in ("prepbot_rate_limited_total", "prepbot_rate_limit_wait_seconds_total"):
            for where in PLATFORMS:
                self._counters[name].labels(platform=where)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        """Add ``amount`` to the counter ``name`` (declared in COUNTERS, or made on first use)."""
        if name == "prepbot_errors_total" and labels.get("kind") not in ERROR_KINDS:
            labels = {**labels, "kind": "internal"}
        counter = self._counter(name, tuple(sorted(labels)))
        (counter.labels(**labels) if labels else counter).inc(amount)

    def observe(self, name: str, seconds: float) -> None:
        with self._lock:
            histogram = self._histograms.get(name)
            if histogram is None:
                histogram = Histogram(
                    name, HISTOGRAMS.get(name, name), buckets=LATENCY_BUCKETS, registry=self.registry
                )
                self._histograms[name] = histogram
        histogram.observe(seconds)

    def value(self, name: str, **labels: str) -> float:
        """A counter's current value (0 when never counted)."""
        return self.registry.get_sample_value(name, labels) or 0.0

    def render(self) -> str:
        """The exposition text, served with :data:`CONTENT_TYPE`."""
        return generate_latest(self.registry).decode("utf-8")

    def _counter(self, name: str, labels: tuple[str, ...]) -> Counter:
        with self._lock:
            counter = self._counters.get(name)
            if counter is None:
                help_text = COUNTERS.get(name, (name, labels))[0]
                counter = Counter(name, help_text, labels, registry=self.registry)
                self._counters[name] = counter
            return counter
