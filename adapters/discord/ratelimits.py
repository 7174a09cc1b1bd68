"""Counting Discord's 429s: discord.py waits them out itself, so they are seen on the wire.

discord.py takes an ``aiohttp.TraceConfig`` (its public ``http_trace`` option) for
the REST session. Every 429 answer is counted, with the seconds discord.py then
sleeps: Discord's ``X-RateLimit-Reset-After`` header, which carries the same value
as the body's ``retry_after`` (``Retry-After``, whole seconds, when it is absent).
:class:`adapters.discord.port.DiscordPort` adds the waits of its own retries.
"""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp

from bot.metrics import Metrics

PLATFORM = "discord"


def waited(metrics: Metrics, seconds: float) -> None:
    """Count ``seconds`` spent held back by Discord's rate limits."""
    metrics.inc("prepbot_rate_limit_wait_seconds_total", max(0.0, seconds), platform=PLATFORM)


def retry_after(headers: object) -> float:
    """The wait a 429 asks for, from its headers (0 when it names none)."""
    get = getattr(headers, "get", None)
    if get is None:
        return 0.0
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        value = get(name)
        if value:
            try:
                return float(value)
            except ValueError:
                continue
    return 0.0


def rate_limit_trace(metrics: Metrics) -> aiohttp.TraceConfig:
    """A trace for discord.py's REST session that counts each 429 and the wait it asks for."""

    async def on_request_end(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        if params.response.status == 429:
            metrics.inc("prepbot_rate_limited_total", platform=PLATFORM)
            waited(metrics, retry_after(params.response.headers))

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace
